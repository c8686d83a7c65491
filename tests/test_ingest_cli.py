"""`story-clusters ingest FILE.jsonl`: streamed, analysed in worker processes, written in
batches, with the clusters of one-at-a-time ingest."""

import json
import threading

import pytest
from sqlalchemy import text

from app import config as app_config
from app.cli import main, parse_record
from app.services import ingest
from app.services.index_cache import cache_for
from app.store import repo
from tests.records import RECORDS, write_file


@pytest.fixture
def cli_on(monkeypatch):
    """Point the CLI at a database URL, without migrating it."""

    def point(url: str) -> str:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("STORY_AUTO_MIGRATE", "false")
        app_config.get_settings.cache_clear()
        return url

    yield point
    app_config.get_settings.cache_clear()


@pytest.fixture
def cli_database(settings, cli_on):
    return cli_on(settings.database_url)


def partition(sessions) -> list[list[str]]:
    with sessions() as session:
        rows = session.execute(text("SELECT id, cluster_id FROM articles")).all()
    groups: dict[int, list[str]] = {}
    for article_id, cluster_id in rows:
        groups.setdefault(cluster_id, []).append(article_id)
    return sorted(sorted(group) for group in groups.values())


def story_scores(sessions) -> dict[str, float | None]:
    with sessions() as session:
        rows = session.execute(text("SELECT id, story_score FROM articles")).all()
    return {article_id: score for article_id, score in rows}


def test_bulk_ingest_gives_the_clusters_of_one_at_a_time(
    tmp_path, capsys, cli_database, settings, sessions, wipe
):
    path = tmp_path / "articles.jsonl"
    write_file(path)
    assert main(["ingest", str(path), "--quiet", "--workers", "2", "--batch-size", "3"]) == 0
    assert "created 8, already present 0, failed 0" in capsys.readouterr().out
    bulk, bulk_scores = partition(sessions), story_scores(sessions)
    with sessions() as session:
        stored = session.execute(
            text("SELECT url, source, published_at, title FROM articles WHERE id = 'b3'")
        ).one()
    assert stored.url == "https://www.courier.example/millbrook-bridge"
    assert str(stored.published_at).startswith("2026-11-21 07:30:00")  # stored as UTC
    assert stored.title == "Millbrook bridge: drivers warned minutes before"

    wipe()
    config = settings.clustering()
    for line in path.read_text(encoding="utf-8").splitlines():
        with sessions() as session:
            # nothing remembered: every frequency and centroid read from the database
            cache_for(repo.engine_of(session)).clear()
            ingest.ingest(session, parse_record(line), config, settings.max_text_chars)
    assert partition(sessions) == bulk
    assert story_scores(sessions) == bulk_scores  # exactly (None: no candidate)
    assert ["b1", "b2", "b3"] in bulk and ["r", "t"] in bulk  # the seeds stay together


def test_rerun_adds_nothing_and_bad_lines_are_reported(tmp_path, capsys, cli_database):
    path = tmp_path / "articles.jsonl"
    bad = [
        "{not json",
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "r", "text": "Another text under a stored id."}),
        json.dumps({"id": "x", "text": "Flooding closed the Passau ring road.", "colour": "n/a"}),
    ]
    write_file(path, extra=bad)
    with path.open("ab") as handle:
        handle.write(b'{"id": "latin-1", "text": "Stra\xdfe gesperrt"}\n')  # not UTF-8
    assert main(["ingest", str(path), "--quiet", "--batch-size", "4"]) == 1
    captured = capsys.readouterr()
    assert "created 9, already present 0, failed 4" in captured.out
    assert "line 9:" in captured.err and "line 10:" in captured.err
    assert "exists with other content" in captured.err
    assert "line 13: 'utf-8' codec can't decode" in captured.err
    assert main(["ingest", str(path), "--quiet"]) == 1
    assert "created 0, already present 9, failed 4" in capsys.readouterr().out


def test_records_without_id_get_one_from_their_content():
    first = parse_record(json.dumps({"text": "Flood in Passau.", "published": "2026-01-02"}))
    again = parse_record(json.dumps({"text": "Flood in Passau.", "published": "2026-01-02"}))
    other = parse_record(json.dumps({"text": "Flood in Passau!", "published": "2026-01-02"}))
    assert first.id == again.id != other.id
    assert first.published_at is not None  # "published", the labelled sets' name


def test_a_record_the_database_refuses_costs_only_itself(
    tmp_path, capsys, cli_database, monkeypatch
):
    real = repo.bump_source_lines

    def refuse_one_source(session, source, hashes, delta):
        if source == "refused.example":
            raise RuntimeError("the database refused this row")
        return real(session, source, hashes, delta)

    monkeypatch.setattr(repo, "bump_source_lines", refuse_one_source)
    path = tmp_path / "articles.jsonl"
    refused = {
        "id": "z",
        "text": "Flooding closed the Passau ring road.",
        "source": "refused.example",
    }
    write_file(path, extra=[json.dumps(refused)])
    assert main(["ingest", str(path), "--quiet", "--batch-size", "20"]) == 1
    captured = capsys.readouterr()
    assert "created 8, already present 0, failed 1" in captured.out  # one batch of nine
    assert "line 9: RuntimeError('the database refused this row')" in captured.err


def test_a_missing_file_is_a_clear_error(tmp_path, capsys, cli_database):
    assert main(["ingest", str(tmp_path / "nowhere.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_an_unmigrated_database_is_one_clear_error_not_one_per_line(tmp_path, capsys, cli_on):
    from app.store import migrate

    url = cli_on(f"sqlite:///{tmp_path / 'behind.db'}")
    path = tmp_path / "articles.jsonl"
    write_file(path)
    assert main(["ingest", str(path), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "not migrated" in captured.err and "story-clusters migrate" in captured.err
    assert "line " not in captured.err and "created" not in captured.out
    migrate.upgrade(url, "4f2c8e1b7a95")  # 0005: a schema behind is refused the same way
    assert main(["ingest", str(path), "--quiet"]) == 1
    assert "at revision 4f2c8e1b7a95" in capsys.readouterr().err
    migrate.upgrade(url)
    assert main(["ingest", str(path), "--quiet"]) == 0


@pytest.mark.parametrize("option", ["--batch-size", "--workers"])
@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_batch_size_and_workers_must_be_positive_whole_numbers(
    tmp_path, capsys, cli_database, sessions, option, value
):
    path = tmp_path / "articles.jsonl"
    write_file(path)
    with pytest.raises(SystemExit) as exited:
        main(["ingest", str(path), "--quiet", option, value])
    assert exited.value.code == 2
    assert option in capsys.readouterr().err
    with sessions() as session:
        assert repo.count_articles(session) == 0  # refused before anything was read


def test_the_help_names_the_default_batch_size(capsys):
    from app.services.bulk import DEFAULT_BATCH_SIZE

    with pytest.raises(SystemExit):
        main(["ingest", "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
    assert f"{DEFAULT_BATCH_SIZE['sqlite']} on SQLite" in shown
    assert f"{DEFAULT_BATCH_SIZE['postgresql']} on PostgreSQL" in shown


def test_a_failing_writer_ends_the_run_while_lines_wait_to_be_read(tmp_path, settings, sessions):
    """The workers are held a window ahead of the writer; when the writer fails, the
    pool's reading thread must not wait on that window forever."""
    from app.services.bulk import bulk_ingest

    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as handle:  # more lines than the window holds
        for i in range(300):
            handle.write(json.dumps({"id": f"n{i}", "text": f"{RECORDS[i % 7][1]} {i}"}) + "\n")

    def fail(_done: int) -> None:
        raise RuntimeError("the writer failed")

    outcome: list = []

    def run() -> None:
        try:
            bulk_ingest(
                path,
                sessions,
                settings.clustering(),
                200_000,
                parse_record,
                workers=1,
                batch_size=2,
                progress=fail,
            )
        except RuntimeError as exc:
            outcome.append(exc)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(60)
    assert not runner.is_alive(), "bulk ingest hung after its writer failed"
    assert [str(exc) for exc in outcome] == ["the writer failed"]
