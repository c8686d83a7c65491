"""Prometheus metrics of the service."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

ARTICLES_INGESTED = Counter(
    "story_articles_ingested_total", "Articles accepted by POST /articles", ["outcome"]
)
REQUEST_SECONDS = Histogram(
    "story_request_seconds", "HTTP request latency", ["method", "route", "status"]
)
CLUSTER_SPLITS = Counter(
    "story_cluster_splits_total", "Clusters split in two after a join (cluster repair)"
)
