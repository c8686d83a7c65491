"""Posted articles are analysed (and probed early) in worker processes by default: the
answers are those of analysis in the request thread, errors reach the client as the
same 4xx, and a worker killed from outside costs no request."""

from __future__ import annotations

import os
import signal
from collections import Counter

import numpy as np

from app.services.analysis import ArticleIn, analyse, prepare, slim
from app.services.analysis_pool import Analyser, ProbeTarget, analysed_in_worker
from app.store import repo
from app.store.models import DUP_INDEX, STORY_INDEX
from seeds.loader import SEEDS, seed_text
from tests.texts import GERMAN_FLOOD, GERMAN_TRUMP_UKRAINE, SUMMIT_ANNOUNCED, SUMMIT_CANCELLED

REUTERS, TAZ = SEEDS
ARTICLES = [
    *((name, seed_text(name)) for name in SEEDS),
    ("flood", GERMAN_FLOOD),
    ("ukraine", GERMAN_TRUMP_UKRAINE),
    ("announced", SUMMIT_ANNOUNCED),
    ("cancelled", SUMMIT_CANCELLED),
]


def _post_all(client) -> dict[str, dict]:
    answers = {}
    for article_id, text in ARTICLES:
        response = client.post("/articles", json={"id": article_id, "text": text})
        assert response.status_code == 201, response.text
        answers[article_id] = response.json()
    return answers


def _partition(answers: dict[str, dict]) -> set[frozenset[str]]:
    clusters: dict[int, set[str]] = {}
    for article_id, answer in answers.items():
        clusters.setdefault(answer["cluster_id"], set()).add(article_id)
    return {frozenset(members) for members in clusters.values()}


def test_worker_analysis_is_the_request_threads(settings):
    config = settings.clustering()
    article = ArticleIn(id="r", text=seed_text(REUTERS))
    here = slim(analyse(prepare(article, settings.max_text_chars), config))
    analyser = Analyser(1)
    try:
        there = analyser(article, config, settings.max_text_chars)
    finally:
        analyser.stop()
    assert there.prepared == here.prepared
    assert there.features == here.features
    assert np.array_equal(there.dup_signature, here.dup_signature)
    assert np.array_equal(there.story_signature, here.story_signature)
    assert (there.dup_keys, there.story_keys) == (here.dup_keys, here.story_keys)


def test_the_early_probe_finds_what_the_writer_would(client, settings, sessions):
    client.post("/articles", json={"id": "a", "text": seed_text(REUTERS)})
    client.post("/articles", json={"id": "b", "text": seed_text(TAZ)})
    config, target = settings.clustering(), ProbeTarget(settings.database_url)
    article = ArticleIn(id="c", text=seed_text(REUTERS) + "\nEin Satz mehr.")
    probed = analysed_in_worker(article, config, settings.max_text_chars, target)
    early = probed.early_probe
    assert early is not None and early.pks.size > 0  # the stored copy's keys collide
    keys = {DUP_INDEX: probed.dup_keys, STORY_INDEX: probed.story_keys}
    with sessions() as session:
        own = repo.bucket_store(session).probe(keys, config.bucket_cap)
        assert early.snapshot_pk == repo.newest_article_pk(session)
    pks, dup_found = early.pks.tolist(), sum(early.per_key[: len(probed.dup_keys)])
    assert Counter(pks[:dup_found]) == own[DUP_INDEX]
    assert Counter(pks[dup_found:]) == own[STORY_INDEX]


def test_pooled_and_in_thread_ingest_give_the_same_clusters(app_client, wipe):
    with app_client(analysis_processes=0) as client:
        in_thread = _post_all(client)
    wipe()
    with app_client(analysis_processes=1) as client:
        pooled = _post_all(client)
    assert _partition(pooled) == _partition(in_thread)
    seeds = {pooled[name]["cluster_id"] for name in SEEDS}
    assert len(seeds) == 1 and pooled["flood"]["cluster_id"] not in seeds


def test_invalid_text_is_refused_from_the_worker(client, row_counts):
    before = row_counts()
    response = client.post("/articles", json={"id": "n", "text": "123 456 789"})
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidInput"
    assert row_counts() == before


def test_a_killed_worker_costs_no_request(client):
    assert client.post("/articles", json={"id": "a", "text": SUMMIT_ANNOUNCED}).status_code == 201
    analyser = client.app.state.analyser
    killed = analyser._executor
    assert killed is not None, "the service analyses in worker processes by default"
    for pid in list(killed._processes):
        os.kill(pid, signal.SIGKILL)
    response = client.post("/articles", json={"id": "b", "text": SUMMIT_CANCELLED})
    assert response.status_code == 201, response.text
    response = client.post("/articles", json={"id": "c", "text": GERMAN_FLOOD})
    assert response.status_code == 201, response.text  # a new pool serves the next
    assert analyser._executor is not None and analyser._executor is not killed


def test_workers_stop_with_the_app(app_client):
    with app_client(analysis_processes=2) as client:
        assert client.post("/articles", json={"id": "a", "text": GERMAN_FLOOD}).status_code == 201
        workers = list(client.app.state.analyser._executor._processes.values())
        assert len(workers) == 2 and all(worker.is_alive() for worker in workers)
    for worker in workers:
        worker.join(timeout=5)
    assert not any(worker.is_alive() for worker in workers)
