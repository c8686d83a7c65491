"""A writing transaction files its articles' postings together, in one statement, before
it commits and before anything in it reads or removes postings."""

from sqlalchemy import text

from app.services import ingest
from app.services.analysis import ArticleIn, analyse, prepare
from app.store import repo
from tests.statements import StatementLog
from tests.store.test_early_probe import probed_now
from tests.texts import ENGLISH_ELECTION, GERMAN_FLOOD


def analysed(config, article_id: str, text: str):
    return analyse(prepare(ArticleIn(id=article_id, text=text), 10**6), config)


def postings_by_article(session) -> dict[str, int]:
    """Article id -> its postings (and none without an article)."""
    assert repo.orphan_postings(session) == 0
    rows = session.execute(
        text(
            "SELECT a.id, count(*) FROM lsh_postings p JOIN articles a ON a.pk = p.article_pk"
            " GROUP BY a.id"
        )
    )
    return dict(rows.all())


def test_a_batch_files_its_postings_in_one_statement(settings, sessions, wipe):
    config = settings.clustering()
    texts = {"a": ENGLISH_ELECTION, "b": GERMAN_FLOOD, "c": f"{GERMAN_FLOOD}\nNachtrag."}
    # probed early, as bulk ingest's workers probe: the writer completes the probes
    batch = probed_now(settings, [analysed(config, i, t) for i, t in texts.items()], config)
    with sessions() as session, StatementLog(repo.engine_of(session)) as log:
        ingest.ingest_analysed(session, batch, config)
    assert len(log.starting("INSERT INTO lsh_postings")) == 1
    with sessions() as session:
        filed = postings_by_article(session)
    wanted = {a.prepared.article_id: len({*a.dup_keys}) + len({*a.story_keys}) for a in batch}
    assert filed == wanted


def test_the_writers_own_probe_reads_the_postings_of_its_transaction(settings, sessions, wipe):
    config = settings.clustering()
    # analysed in the request thread: no early probe, so the writer probes the index
    first = analysed(config, "first", GERMAN_FLOOD)
    copy = analysed(config, "copy", f"{GERMAN_FLOOD}\nNachtrag.")
    assert first.early_probe is None and copy.early_probe is None
    with sessions() as session:
        results = ingest.ingest_analysed(session, [first, copy], config)
    assert results[1].duplicate_of == "first"  # found through the postings just written
    assert results[1].cluster_id == results[0].cluster_id
