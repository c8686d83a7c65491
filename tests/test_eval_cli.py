"""`story-clusters eval` on a small labeled set of the project's own."""

import json

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
