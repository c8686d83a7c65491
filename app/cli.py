"""story-clusters: serve, migrate, seed, ingest (bulk), reindex and eval."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from app.config import Settings, get_settings
from app.errors import AppError, NotReady
from app.services.analysis import ArticleIn

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def _settings(overrides: list[str] | None = None) -> Settings:
    """The settings (environment, then ``--set KEY=VALUE`` overrides); an unknown or
    out-of-range setting stops the command with a message naming it (exit 2)."""
    values: dict[str, Any] = {}
    for item in overrides or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set takes KEY=VALUE, got {item!r}")
        values[key.strip()] = value.strip()
    try:
        return Settings(**values) if values else get_settings()
    except ValidationError as exc:
        print(f"invalid settings: {settings_problems(exc)}", file=sys.stderr)
        raise SystemExit(2) from None


def settings_problems(exc: ValidationError) -> str:
    """'name: why' per refused setting (the values are not shown: they may be secrets)."""
    return "; ".join(
        f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}"
        for error in exc.errors()
    )


def cmd_migrate(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from app.db import normalise_url
    from app.store import migrate

    url = _settings().database_url
    if args.downgrade:
        migrate.downgrade(url, args.downgrade)
    else:
        migrate.upgrade(url, args.revision)
    shown = make_url(normalise_url(url)).render_as_string(hide_password=True)
    print(f"migrated {shown} to {args.downgrade or args.revision}")
    return 0


def cmd_seed(_args: argparse.Namespace) -> int:
    for line in load_seeds(_settings()):
        print(line)
    return 0


@contextmanager
def _database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the configured database, once it is known to hold this version's
    schema (else NotReady saying to migrate, not one SQL error per article); the engine
    is closed afterwards."""
    from app.db import make_engine, make_sessionmaker
    from app.store import migrate

    engine = make_engine(settings.database_url)
    try:
        _, problem = migrate.schema_problem(engine, settings.database_url)
        if problem:
            raise NotReady(problem)
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def load_seeds(settings: Settings) -> list[str]:
    from app.services import ingest
    from app.store import migrate
    from seeds.loader import seed_articles

    migrate.upgrade(settings.database_url)
    lines = []
    with _database(settings) as sessions:
        for article in seed_articles():
            with sessions() as session:
                result = ingest.ingest(
                    session, article, settings.clustering(), settings.max_text_chars
                )
            lines.append(f"seed {result.id}: cluster {result.cluster_id}")
    return lines


def open_access_warning(settings: Settings, host: str) -> str | None:
    """Said at start when anyone who can reach the port may write and delete."""
    if settings.api_key_entries() or _is_loopback(host):
        return None
    return (
        f"WARNING: no API keys are set and the service listens on {host}: anyone who can "
        "reach it may write and delete. Set STORY_API_KEYS (see README, Access)."
    )


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _share_metrics_between_workers() -> None:
    """prometheus-client's multiprocess mode: each worker writes its counts to files in
    a fresh directory, and /metrics sums them. Set before the workers start (they read
    it when they import the metrics); a directory given by the operator is kept."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="story-metrics-")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.logs import log_config
    from app.store import migrate

    settings = _settings()
    warning = open_access_warning(settings, args.host)
    if warning:
        print(warning, file=sys.stderr)
    if settings.should_auto_migrate():
        migrate.upgrade(settings.database_url)
    else:
        _warn_unless_migrated(settings)
    if args.seed:
        for line in load_seeds(settings):
            print(line, file=sys.stderr)
    if args.workers > 1:
        _share_metrics_between_workers()
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config(settings.log_level),
        access_log=False,  # the service writes its own access line, with the request id
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)),
    )
    return 0


def _warn_unless_migrated(settings: Settings) -> None:
    """The service starts either way (a deployment may migrate once it is up), but an
    operator should not learn of a missing migration from 503s alone."""
    from sqlalchemy.exc import OperationalError

    try:
        with _database(settings):
            return
    except NotReady as exc:
        problem = exc.message
    except OperationalError as exc:
        problem = _unreachable(exc)
    print(f"warning: {problem}; /health/ready answers 503 until then", file=sys.stderr)


def parse_record(line: str) -> ArticleIn:
    """One JSONL record, validated exactly as ``POST /articles`` validates a body. Fields
    the API does not take (labels, say) are ignored; ``published`` is read as
    ``published_at`` (the labelled sets' name). A record without an id gets one made
    from its content, so re-running a file adds nothing twice."""
    from app.api.schemas import ArticleBody
    from app.services.analysis import content_hash

    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("a record must be a JSON object")
    if "published_at" not in record and "published" in record:
        record["published_at"] = record["published"]
    body = ArticleBody.model_validate(
        {key: value for key, value in record.items() if key in ArticleBody.model_fields}
    )
    article = body.to_input()
    if article.id is None:
        article = replace(article, id="bulk-" + content_hash(article)[:32])
    return article


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from app.services.bulk import bulk_ingest, count_lines
    from app.store import migrate

    settings = _settings()
    if settings.should_auto_migrate():
        migrate.upgrade(settings.database_url)
    path = Path(args.file)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    total = count_lines(path)
    started = time.perf_counter()
    with (
        _database(settings) as sessions,  # checked first: no bar for a refused database
        tqdm(total=total, unit="article", disable=args.quiet, smoothing=0.1) as bar,
    ):
        summary = bulk_ingest(
            path,
            sessions,
            settings.clustering(),
            settings.max_text_chars,
            parse_record,
            workers=args.workers,
            batch_size=args.batch_size,
            progress=bar.update,
        )
    seconds = time.perf_counter() - started
    for failure in summary.failures:
        print(failure, file=sys.stderr)
    done = summary.created + summary.repeated + summary.failed
    print(
        f"created {summary.created}, already present {summary.repeated}, "
        f"failed {summary.failed} in {seconds:.1f} s ({done / max(seconds, 1e-9):.0f} articles/s)"
    )
    return 1 if summary.failed else 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from app.services import ingest
    from app.store import migrate

    settings = _settings()
    if settings.should_auto_migrate():
        migrate.upgrade(settings.database_url)
    with _database(settings) as sessions, sessions() as session:
        articles = ingest.reindex(session, settings.clustering())
    print(f"reindexed {articles} articles")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 when every invariant holds; 1, naming each broken one, when not."""
    from app.services.check import check_database

    settings = _settings([f"database_url={args.database_url}"] if args.database_url else None)
    with _database(settings) as sessions, sessions() as session:
        problems = check_database(session, settings.clustering())
    for problem in problems:
        print(f"BROKEN {problem}")
    if problems:
        return 1
    print("ok: every invariant holds")
    return 0


def _filters(items: list[str]) -> dict[str, set[str]]:
    filters: dict[str, set[str]] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--filter takes KEY=VALUE[,VALUE], got {item!r}")
        filters.setdefault(key, set()).update(value.split(","))
    return filters


def cmd_eval(args: argparse.Namespace) -> int:
    from evaluation.run import evaluate, format_report, load_stream

    files = [Path(file) for file in args.file]
    records = load_stream(files, _filters(args.filter), args.shuffle)
    if not records:
        print("no records matched", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        overrides = [*(args.set or []), f"database_url=sqlite:///{tmp}/eval.db"]
        if args.database_url:
            overrides[-1] = f"database_url={args.database_url}"
        threads = [set(item.split(",")) for item in args.thread or []]
        report = evaluate(records, _settings(overrides), threads, args.dating)
    name = " + ".join(file.name for file in files)
    name += f" [{' '.join(args.filter)}]" if args.filter else ""
    name += f" shuffled with seed {args.shuffle}" if args.shuffle is not None else ""
    result = report.as_dict()
    if args.baseline:
        from evaluation.baseline import evaluate_cuts

        result["baseline"] = evaluate_cuts(records, args.baseline)
    print(json.dumps(result) if args.json else format_report(name, report, result.get("baseline")))
    for error in report.errors:
        print(f"failed: {error}", file=sys.stderr)
    return 1 if report.errors else 0  # the scores above miss the failed articles


def _cuts(text: str) -> list[float]:
    """--baseline's cosine cuts (as tune's --values), each in [0, 1]."""
    from evaluation.tuning import grid

    try:
        cuts = grid(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"cuts are A,B,C or A:B:STEP: {text!r}") from None
    if not all(0.0 <= cut <= 1.0 for cut in cuts):
        raise argparse.ArgumentTypeError(f"a cut is a cosine between 0 and 1: {text!r}")
    return cuts


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def cmd_tune(args: argparse.Namespace) -> int:
    from evaluation import tuning

    try:
        values = tuning.grid(args.values)
        joint = tuning.joint_sweep(args.joint) if args.joint else None
        result = tuning.run(Path(args.data), args.param, values, args.workers, args.orders, joint)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else tuning.format_table(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="story-clusters", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", 8000)), help="default: $PORT or 8000"
    )
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--seed", action="store_true", help="load the seed articles first")
    serve.set_defaults(func=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply migrations (or --downgrade REV)")
    migrate.add_argument("--revision", default="head")
    migrate.add_argument("--downgrade", metavar="REV")
    migrate.set_defaults(func=cmd_migrate)

    seed = commands.add_parser("seed", help="ingest the two seed articles")
    seed.set_defaults(func=cmd_seed)

    ingest = commands.add_parser("ingest", help="bulk-ingest a JSONL file with a progress bar")
    ingest.add_argument("file")
    ingest.add_argument("--quiet", action="store_true")
    ingest.add_argument(
        "--workers", type=_positive, default=None, help="analysis processes (default: one per core)"
    )
    ingest.add_argument(
        "--batch-size",
        type=_positive,
        default=None,
        help="articles per writing transaction (default: 1000 on SQLite, 200 on PostgreSQL)",
    )
    ingest.set_defaults(func=cmd_ingest)

    reindex = commands.add_parser(
        "reindex", help="rebuild the LSH band keys after changing LSH thresholds"
    )
    reindex.set_defaults(func=cmd_reindex)

    tune = commands.add_parser(
        "tune", help="choose a parameter on some labelled sets, score it on the others"
    )
    tune.add_argument("data", help="folder with ecbplus/, gvc-devtest/, newswcl50/")
    tune.add_argument(
        "--param",
        default="join_threshold",
        help="a clustering setting, or batch_threshold: the offline average-link baseline",
    )
    tune.add_argument("--values", default="0.10:0.40:0.02", help="start:stop:step or a,b,c")
    tune.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)))
    tune.add_argument(
        "--orders",
        type=int,
        default=1,
        help="score each value as the mean over file order and ORDERS - 1 seeded shuffles "
        "of what the data leaves unordered (see eval --shuffle)",
    )
    tune.add_argument(
        "--with",
        dest="joint",
        metavar="NAME=VALUES",
        help="sweep a second setting alongside (every pair is scored and each protocol "
        "chooses a pair), as in join_threshold=0.10:0.20:0.02",
    )
    tune.add_argument("--json", action="store_true")
    tune.set_defaults(func=cmd_tune)

    check = commands.add_parser(
        "check", help="verify postings, cluster sizes and statistics; exit 1 if broken"
    )
    check.add_argument("--database-url", help="default: DATABASE_URL")
    check.set_defaults(func=cmd_check)

    evaluate = commands.add_parser("eval", help="cluster a labeled JSONL set and score it")
    evaluate.add_argument(
        "file",
        nargs="+",
        help="one set, or several ingested as one stream (ids and events prefixed with "
        "each file's name; with --shuffle, mixed)",
    )
    evaluate.add_argument("--filter", action="append", metavar="KEY=VALUE[,VALUE]")
    evaluate.add_argument("--set", action="append", metavar="SETTING=VALUE")
    evaluate.add_argument(
        "--thread",
        action="append",
        metavar="EVENT,EVENT[,...]",
        help="gold events that form one storyline (repeatable); every other gold event "
        "is a storyline of its own",
    )
    evaluate.add_argument(
        "--dating",
        choices=("published", "arrival", "none"),
        default="published",
        help="published: the records' dates, undated ones undated (default); arrival: "
        "undated ones placed when ingested, as a live POST is; none: dates dropped",
    )
    evaluate.add_argument(
        "--shuffle",
        type=int,
        metavar="SEED",
        help="what the data leaves unordered (undated records; dated ones of one "
        "timestamp) arrives in an order shuffled with this seed, not in file order",
    )
    evaluate.add_argument("--database-url", help="default: a fresh temporary SQLite file")
    evaluate.add_argument(
        "--baseline",
        type=_cuts,
        metavar="CUTS",
        help="also score the offline batch baseline (TF-IDF average link) at these cuts "
        "(A,B,C or A:B:STEP, as tune --values)",
    )
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.exc import OperationalError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except OperationalError as exc:  # refused, lost or timed out: say so, no traceback
        print(f"error: {_unreachable(exc)}", file=sys.stderr)
        return 1


def _unreachable(exc: Exception) -> str:
    return f"the database is unreachable: {getattr(exc, 'orig', exc)}"


if __name__ == "__main__":
    raise SystemExit(main())
