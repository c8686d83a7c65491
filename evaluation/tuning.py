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

With a second parameter swept alongside (``joint``: the join threshold, say, for a term
weight that moves every score), each protocol chooses the pair, so a weight is not
judged at a threshold tuned for another weight.

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
from itertools import product
from pathlib import Path
from typing import Any, cast

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


Point = float | tuple[float, ...]  # one parameter's value, or a joint sweep's values


@dataclass(frozen=True)
class Row:
    protocol: str
    tuned_on: tuple[str, ...]
    chosen: Point
    scored_on: str
    score: Score
    shipped: Score | None  # the shipped default on the same scored set (none for the baseline)


def score_one(
    job: tuple[str, str, Point, tuple[str, ...], int | None],
) -> tuple[str, Point, Score]:
    """One eval run: a subset at one point (a value of each parameter swept), in one
    arrival order (a shuffle seed for what the data leaves unordered, or None: file
    order), on a fresh SQLite file."""
    data_dir, subset, point, params, order = job
    if params == (BATCH,):
        assert isinstance(point, float)
        records, similarities = _batch_inputs(data_dir, subset, order)
        batch = baseline.evaluate_batch(records, point, similarities)
        return subset, point, Score(batch["bcubed"]["f1"], batch["pairwise"]["f1"])
    file, filters = SUBSETS[subset]
    records = load_records(Path(data_dir) / file, filters, order)
    overrides: dict[str, Any] = dict(zip(params, _values(point), strict=True))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/tune.db", **overrides)
        report = evaluate(records, settings)
    if report.errors:
        raise RuntimeError(f"{subset} at {overrides}: {len(report.errors)} articles failed")
    return subset, point, Score(report.bcubed.f1, report.pairwise.f1)


def _values(point: Point) -> tuple[float, ...]:
    return point if isinstance(point, tuple) else (point,)


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
    data_dir: Path,
    params: tuple[str, ...],
    points: Sequence[Point],
    workers: int,
    orders: int = 1,
) -> dict[tuple[str, Point], Score]:
    """Each subset at each point, averaged over ``orders`` arrival orders: an online
    clusterer's scores depend on the order, and a choice should not rest on one."""
    jobs = [
        (str(data_dir), subset, point, params, order)
        for subset in SUBSETS
        for point in points
        for order in arrival_orders(orders)
    ]
    runs: dict[tuple[str, Point], list[Score]] = {}
    with ProcessPoolExecutor(workers) as pool:
        for subset, value, score in pool.map(score_one, jobs):
            runs.setdefault((subset, value), []).append(score)
    return {key: _mean(scores) for key, scores in runs.items()}


def _mean(scores: Sequence[Score]) -> Score:
    count = len(scores)
    return Score(sum(s.bcubed for s in scores) / count, sum(s.pairwise for s in scores) / count)


def choose(
    scores: dict[tuple[str, Point], Score],
    tuning: Sequence[str],
    values: Sequence[Point],
    default: Point | None,
) -> Point:
    def merit(value: Point) -> tuple[float, float]:
        mean = sum(scores[(subset, value)].objective for subset in tuning) / len(tuning)
        return round(mean, 6), -_distance(value, default)

    return max(values, key=merit)


def _distance(value: Point, default: Point | None) -> float:
    """How far a point is from the shipped one (without one: from zero), for ties."""
    origin = _values(default) if default is not None else (0.0,) * len(_values(value))
    return sum(abs(v - d) for v, d in zip(_values(value), origin, strict=True))


def protocols(
    scores: dict[tuple[str, Point], Score], values: Sequence[Point], default: Point | None
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


def joint_sweep(spec: str) -> tuple[str, list[float]]:
    """ "join_threshold=0.10:0.20:0.02" -> the parameter and its values (``--with``)."""
    name, sep, values = spec.partition("=")
    if not sep or not name.strip() or not values:
        raise ValueError(f"--with takes NAME=VALUES, as in join_threshold=0.10:0.20:0.02: {spec!r}")
    return name.strip(), grid(values)


def run(
    data_dir: Path,
    param: str,
    values: list[float],
    workers: int,
    orders: int = 1,
    joint: tuple[str, list[float]] | None = None,
) -> dict:
    """The protocols for ``param`` over ``values``; with ``joint`` (another parameter and
    its values), for every pair of the two."""
    if orders < 1:
        raise ValueError("--orders must be at least 1 (the file order)")
    sweeps = [(param, values)] if joint is None else [(param, values), joint]
    params = tuple(name for name, _ in sweeps)
    _check_params(params)
    # each parameter's values with its shipped default among them (rows compare with it)
    shipped = [_shipped(name) for name in params]
    swept = [
        vals if default is None or default in vals else sorted([*vals, default])
        for (_, vals), default in zip(sweeps, shipped, strict=True)
    ]
    points: list[Point] = list(swept[0]) if joint is None else list(product(*swept))
    # a joint sweep has no baseline cut in it (_check_params): every default is a value
    default: Point | None = shipped[0] if joint is None else cast(Point, tuple(shipped))
    scores = score_grid(data_dir, params, points, workers, orders)
    return {
        "param": param,
        "joint": joint[0] if joint is not None else None,
        "default": default,
        "orders": orders,
        "values": points,
        "rows": [_row_dict(row) for row in protocols(scores, points, default)],
        "grid": {
            f"{s}@{'/'.join(map(str, _values(v)))}": score.__dict__
            for (s, v), score in sorted(scores.items())
        },
    }


def _check_params(params: tuple[str, ...]) -> None:
    if len(params) > 1 and BATCH in params:
        raise ValueError(f"{BATCH!r} is not a service setting: it cannot be swept jointly")
    if len(set(params)) != len(params):
        raise ValueError(f"{params[0]!r} cannot be swept jointly with itself")
    for name in params:
        if name != BATCH and name not in ClusteringConfig.names():
            raise ValueError(f"{name!r} is not an algorithm parameter (nor {BATCH!r})")


def _shipped(param: str) -> float | None:
    """The shipped default (none for the baseline's cut)."""
    return None if param == BATCH else getattr(ClusteringConfig(), param)


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
    param = result["param"] + (f" / {result['joint']}" if result.get("joint") else "")
    default = result["default"]
    shipped_at = "–" if default is None else " / ".join(map(str, _values(_point(default))))
    lines = [
        f"| protocol | tuned on | {param} | scored on | BCubed F1 | pairwise F1 "
        f"| shipped ({shipped_at}) BCubed / pairwise |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in result["rows"]:
        shipped = (
            f"{row['shipped_bcubed_f1']:.4f} / {row['shipped_pairwise_f1']:.4f}"
            if row["shipped_bcubed_f1"] is not None
            else "–"
        )
        lines.append(
            f"| {row['protocol']} | {' + '.join(row['tuned_on'])} "
            f"| {' / '.join(map(str, _values(_point(row['chosen']))))} "
            f"| {row['scored_on']} | {row['bcubed_f1']:.4f} | {row['pairwise_f1']:.4f} "
            f"| {shipped} |"
        )
    return "\n".join(lines)


def _point(value) -> Point:
    """A point as JSON gives it back (a list for a joint sweep)."""
    return tuple(value) if isinstance(value, list) else value
