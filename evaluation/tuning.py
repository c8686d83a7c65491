"""Parameter choice that never looks at the set it is scored on.

Two protocols over the labelled sets (ECB+, GVC, NewsWCL50), for one parameter and a
grid of its values:

- **ECB+ train+dev**: choose the value on ECB+'s train and dev topics, score it on
  ECB+ test, GVC and NewsWCL50;
- **leave one dataset out**: for each set, choose the value on the other two (ECB+ as
  train+dev when it is a tuning set), score it on the one left out (ECB+ as test).

A value is chosen by the mean, over the tuning sets, of (BCubed F1 + pairwise F1) / 2
(each set counts once, whatever its size); ties go to the value nearest the shipped
default. Every score comes from `story-clusters eval`'s own code on a fresh database.

``batch_threshold`` is not a service setting: it runs the offline batch baseline
(``evaluation.baseline``) through the same protocols, at each cut, so the service and
the reference it is compared with are chosen the same way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.clustering.config import ClusteringConfig
from app.config import Settings
from evaluation import baseline
from evaluation.run import evaluate, load_records

BATCH = "batch_threshold"  # the baseline's cut, tuned like a parameter

# name -> (file under the data folder, record filter)
SUBSETS: dict[str, tuple[str, dict[str, set[str]]]] = {
    "ecb_traindev": ("ecbplus/ecbplus.jsonl", {"split_barhom2019": {"train", "dev"}}),
    "ecb_test": ("ecbplus/ecbplus.jsonl", {"split_barhom2019": {"test"}}),
    "gvc": ("gvc-devtest/gvc_devtest.jsonl", {}),
    "newswcl50": ("newswcl50/newswcl50.jsonl", {}),
}
# each dataset as tuned on, and as scored
DATASETS = {
    "ECB+": ("ecb_traindev", "ecb_test"),
    "GVC": ("gvc", "gvc"),
    "NewsWCL50": ("newswcl50", "newswcl50"),
}


@dataclass(frozen=True)
class Score:
    bcubed: float
    pairwise: float

    @property
    def objective(self) -> float:
        return (self.bcubed + self.pairwise) / 2


@dataclass(frozen=True)
class Row:
    protocol: str
    tuned_on: tuple[str, ...]
    chosen: float
    scored_on: str
    score: Score
    shipped: Score | None  # the shipped default on the same scored set (none for the baseline)


def score_one(job: tuple[str, str, float, str, int | None]) -> tuple[str, float, Score]:
    """One eval run: a subset at one parameter value, in one arrival order (a shuffle
    seed for what the data leaves unordered, or None: file order), on a fresh SQLite
    file."""
    data_dir, subset, value, param, order = job
    if param == BATCH:
        records, similarities = _batch_inputs(data_dir, subset, order)
        batch = baseline.evaluate_batch(records, value, similarities)
        return subset, value, Score(batch["bcubed"]["f1"], batch["pairwise"]["f1"])
    file, filters = SUBSETS[subset]
    records = load_records(Path(data_dir) / file, filters, order)
    with tempfile.TemporaryDirectory() as tmp:
        overrides: dict[str, Any] = {param: value}
        settings = Settings(database_url=f"sqlite:///{tmp}/tune.db", **overrides)
        report = evaluate(records, settings)
    if report.errors:
        raise RuntimeError(f"{subset} at {param}={value}: {len(report.errors)} articles failed")
    return subset, value, Score(report.bcubed.f1, report.pairwise.f1)


@lru_cache(maxsize=8)
def _batch_inputs(data_dir: str, subset: str, order: int | None) -> tuple[list[dict], Any]:
    """A subset's records and their baseline similarities, analysed once per worker
    process and reused for every cut (the cuts are cheap; the analysis is not)."""
    file, filters = SUBSETS[subset]
    records = load_records(Path(data_dir) / file, filters, order)
    return records, baseline.batch_similarities(records)


def arrival_orders(count: int) -> list[int | None]:
    """File order, then ``count - 1`` seeded shuffles of what the data leaves unordered."""
    return [None, *range(1, count)]


def score_grid(
    data_dir: Path, param: str, values: Sequence[float], workers: int, orders: int = 1
) -> dict[tuple[str, float], Score]:
    """Each subset at each value, averaged over ``orders`` arrival orders: an online
    clusterer's scores depend on the order, and a choice should not rest on one."""
    jobs = [
        (str(data_dir), subset, value, param, order)
        for subset in SUBSETS
        for value in values
        for order in arrival_orders(orders)
    ]
    runs: dict[tuple[str, float], list[Score]] = {}
    with ProcessPoolExecutor(workers) as pool:
        for subset, value, score in pool.map(score_one, jobs):
            runs.setdefault((subset, value), []).append(score)
    return {key: _mean(scores) for key, scores in runs.items()}


def _mean(scores: Sequence[Score]) -> Score:
    count = len(scores)
    return Score(sum(s.bcubed for s in scores) / count, sum(s.pairwise for s in scores) / count)


def choose(
    scores: dict[tuple[str, float], Score],
    tuning: Sequence[str],
    values: Sequence[float],
    default: float | None,
) -> float:
    def merit(value: float) -> tuple[float, float]:
        mean = sum(scores[(subset, value)].objective for subset in tuning) / len(tuning)
        return round(mean, 6), -abs(value - default) if default is not None else -value

    return max(values, key=merit)


def protocols(
    scores: dict[tuple[str, float], Score], values: Sequence[float], default: float | None
) -> list[Row]:
    rows = []
    chosen = choose(scores, ["ecb_traindev"], values, default)
    for name, (_, scored) in DATASETS.items():
        rows.append(_row("ECB+ train+dev", ("ECB+",), chosen, name, scored, scores, default))
    for held_out, (_, scored) in DATASETS.items():
        others = tuple(name for name in DATASETS if name != held_out)
        tuning = [DATASETS[name][0] for name in others]
        value = choose(scores, tuning, values, default)
        rows.append(_row("leave one out", others, value, held_out, scored, scores, default))
    return rows


def _row(protocol, tuned_on, chosen, name, scored, scores, default) -> Row:
    shipped = scores[(scored, default)] if default is not None else None
    return Row(protocol, tuned_on, chosen, name, scores[(scored, chosen)], shipped)


def grid(spec: str) -> list[float]:
    """ "0.10:0.40:0.02" -> 0.10, 0.12, ..., 0.40 (or a comma list)."""
    if ":" not in spec:
        return [float(v) for v in spec.split(",")]
    start, stop, step = (float(part) for part in spec.split(":"))
    count = round((stop - start) / step) + 1
    return [round(start + i * step, 6) for i in range(count)]


def run(data_dir: Path, param: str, values: list[float], workers: int, orders: int = 1) -> dict:
    if orders < 1:
        raise ValueError("--orders must be at least 1 (the file order)")
    if param != BATCH and param not in ClusteringConfig.names():
        raise ValueError(f"{param!r} is not an algorithm parameter (nor {BATCH!r})")
    default = getattr(ClusteringConfig(), param) if param != BATCH else None
    if default is not None and default not in values:
        values = sorted([*values, default])
    scores = score_grid(data_dir, param, values, workers, orders)
    return {
        "param": param,
        "default": default,
        "orders": orders,
        "values": values,
        "rows": [_row_dict(row) for row in protocols(scores, values, default)],
        "grid": {f"{s}@{v}": score.__dict__ for (s, v), score in sorted(scores.items())},
    }


def _row_dict(row: Row) -> dict:
    shipped = row.shipped
    return {
        "protocol": row.protocol,
        "tuned_on": list(row.tuned_on),
        "chosen": row.chosen,
        "scored_on": row.scored_on,
        "bcubed_f1": round(row.score.bcubed, 4),
        "pairwise_f1": round(row.score.pairwise, 4),
        "shipped_bcubed_f1": round(shipped.bcubed, 4) if shipped else None,
        "shipped_pairwise_f1": round(shipped.pairwise, 4) if shipped else None,
    }


def format_table(result: dict) -> str:
    param = result["param"]
    lines = [
        f"| protocol | tuned on | {param} | scored on | BCubed F1 | pairwise F1 "
        f"| shipped ({result['default'] if result['default'] is not None else '–'}) "
        "BCubed / pairwise |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in result["rows"]:
        shipped = (
            f"{row['shipped_bcubed_f1']:.4f} / {row['shipped_pairwise_f1']:.4f}"
            if row["shipped_bcubed_f1"] is not None
            else "–"
        )
        lines.append(
            f"| {row['protocol']} | {' + '.join(row['tuned_on'])} | {row['chosen']} "
            f"| {row['scored_on']} | {row['bcubed_f1']:.4f} | {row['pairwise_f1']:.4f} "
            f"| {shipped} |"
        )
    return "\n".join(lines)
