"""The benchmarks run end to end at tiny sizes (their numbers are not checked here)."""

import os

import pytest

from bench import bulk, http, worst_case, writer_cost
from tests.records import write_file


def test_bulk_benchmark_runs_both_sides(tmp_path):
    path = tmp_path / "records.jsonl"
    write_file(path)
    reference = bulk.datasketch_pipeline(path)
    assert reference["documents"] == 8 and reference["per_second"] > 0
    ours = bulk.ours(path, f"sqlite:///{tmp_path}/bench.db", workers=1, batch_size=3)
    assert ours["created"] == 8 and ours["failed"] == 0


def test_writer_cost_benchmark_replays_every_record(tmp_path):
    path = tmp_path / "records.jsonl"
    write_file(path)
    result = writer_cost.measure(path, limit=100, batch_size=3, timer=True)
    assert result["articles"] == 8 and result["created"] == 8
    assert result["writer_ms_per_article"] > 0


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the HTTP benchmark runs the service on PostgreSQL: the PostgreSQL run covers it",
)
def test_http_benchmark_runs_both_sides(tmp_path):
    path = tmp_path / "records.jsonl"
    write_file(path)
    records = http.read_records(path, 8)
    reference = http.datasketch_redis_online(records, "redis://127.0.0.1:6379/0")
    assert reference["requests"] == 8
    server = os.environ["TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    ours = http.story_clusters_http(
        records, clients=4, workers=1, analysis_processes=1, server_url=server
    )
    assert ours["requests"] == 8 and ours["errors"] == 0


def test_worst_case_benchmark_answers_every_case_without_5xx(tmp_path):
    results = worst_case.run(f"sqlite:///{tmp_path}/worst.db")
    assert set(results) == set(worst_case.CASES) | {"cluster_page"}
    assert all(result["status"] < 500 for result in results.values())
    assert results["nfkc_expansion_199k_chars"]["status"] == 422
    assert results["distinct_cjk_bigrams_66k"]["term_rows_added"] <= 2000
