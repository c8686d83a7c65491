"""`story-clusters eval` on a small labeled set of the project's own."""

import json
from datetime import datetime

import pytest

from app.cli import main
from tests.records import RECORDS


def write_set(path):
    with path.open("w", encoding="utf-8") as handle:
        for article_id, text, lang, cluster in RECORDS:
            title = text.split("\n")[0]
            row = {"id": article_id, "title": title, "text": text, "lang": lang, "cluster": cluster}
            handle.write(json.dumps(row) + "\n")


def test_eval_scores_a_small_labeled_set(tmp_path, capsys):
    path = tmp_path / "mini.jsonl"
    write_set(path)
    assert main(["eval", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["articles"] == len(RECORDS)
    assert report["gold_clusters"] == 4
    assert report["bcubed"]["f1"] == 1.0 and report["pairwise"]["f1"] == 1.0
    assert report["ari"] == 1.0
    assert report["lsh_pair_recall"] == 1.0
    assert report["gold_events_split"] == report["predicted_clusters_mixing_events"] == 0


def test_eval_filter_and_text_report(tmp_path, capsys):
    path = tmp_path / "mini.jsonl"
    write_set(path)
    assert main(["eval", str(path), "--filter", "lang=en"]) == 0
    out = capsys.readouterr().out
    assert "articles                3" in out and "BCubed" in out
    assert main(["eval", str(path), "--filter", "lang=xx"]) == 2


def test_a_failed_article_makes_eval_exit_non_zero(tmp_path, capsys):
    path = tmp_path / "mini.jsonl"
    write_set(path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "bad", "text": "1234 !!!", "cluster": "x"}) + "\n")
    assert main(["eval", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    assert "failed: bad:" in captured.err
    report = json.loads(captured.out)
    assert report["articles"] == len(RECORDS) and report["errors"]
    assert report["lsh_pair_recall"] == 1.0  # the probe observer saw every stored article


def test_dating_places_records_as_a_replay_a_live_post_or_not_at_all():
    from evaluation.run import record_to_article

    dated = {"id": "a", "text": "x", "published": "2018-05-10T20:00:00"}
    undated = {"id": "b", "text": "x"}
    replay = record_to_article(dated), record_to_article(undated)
    assert [a.placed_at for a in replay] == [datetime(2018, 5, 10, 20), None]
    live = record_to_article(dated, "arrival"), record_to_article(undated, "arrival")
    assert live[0].placed_at == datetime(2018, 5, 10, 20)
    assert live[1].published_at is None and live[1].placed_at is not None
    assert record_to_article(dated, "none").placed_at is None


def test_shuffle_ingests_in_the_seeded_order(tmp_path, capsys):
    import random

    from sqlalchemy import create_engine, text

    path = tmp_path / "mini.jsonl"
    write_set(path)
    database = tmp_path / "shuffled.db"
    argv = ["eval", str(path), "--shuffle", "3", "--database-url", f"sqlite:///{database}"]
    assert main(argv) == 0
    assert "shuffled with seed 3" in capsys.readouterr().out
    expected = [article_id for article_id, *_ in RECORDS]
    random.Random(3).shuffle(expected)
    assert expected != [article_id for article_id, *_ in RECORDS]  # the seed moves them
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT id FROM articles ORDER BY pk")).scalars().all()
    engine.dispose()
    assert stored == expected


def test_several_sets_are_one_stream_with_events_kept_apart(tmp_path, capsys):
    """Two files holding the same events: as one stream, each set's events are its own,
    so the copies of set b (near-duplicates of set a) join a's clusters and mix events."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_set(first)
    write_set(second)
    argv = ["eval", str(first), str(second), "--shuffle", "1", "--json"]
    assert main([*argv, "--baseline", "0.2,0.9"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["articles"] == 2 * len(RECORDS)
    assert report["gold_clusters"] == 8  # "a:summit" and "b:summit" are two events
    assert report["predicted_clusters"] == 4  # each copy joins its original's cluster
    assert report["predicted_clusters_mixing_events"] == 4
    cuts = {scores["cut"]: scores for scores in report["baseline"]}
    assert set(cuts) == {0.2, 0.9}
    assert cuts[0.2]["predicted_clusters"] < cuts[0.9]["predicted_clusters"]
    assert main(["eval", str(first), str(second), "--baseline", "0.2"]) == 0
    assert "batch baseline at 0.20" in capsys.readouterr().out


def test_a_filter_applies_to_the_records_that_have_its_key(tmp_path, capsys):
    labelled, plain = tmp_path / "labelled.jsonl", tmp_path / "plain.jsonl"
    write_set(labelled)
    with plain.open("w", encoding="utf-8") as handle:
        for article_id, text, _, cluster in RECORDS:
            handle.write(json.dumps({"id": article_id, "text": text, "cluster": cluster}) + "\n")
    assert main(["eval", str(labelled), str(plain), "--filter", "lang=en", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    english = sum(1 for _, _, lang, _ in RECORDS if lang == "en")
    assert report["articles"] == english + len(RECORDS)


def test_baseline_cuts_must_be_cosines(tmp_path, capsys):
    path = tmp_path / "mini.jsonl"
    write_set(path)
    for bad in ("abc", "0.2,x", "1.5", "0.1:0.3:0"):
        with pytest.raises(SystemExit) as exited:
            main(["eval", str(path), "--baseline", bad])
        assert exited.value.code == 2
        assert "--baseline" in capsys.readouterr().err
