"""An article's footprint comes out exactly as it went in: delete and PUT leave every
table as if the old version had never been there."""

from sqlalchemy import text

from tests.texts import (
    ENGLISH_BRIDGE,
    ENGLISH_BRIDGE_OTHER_OUTLET,
    ENGLISH_ELECTION,
    GERMAN_FLOOD,
    GERMAN_FLOOD_FOLLOWUP,
)

FURNITURE = "Subscribe to the Daily Courier for 1 euro a week\nMost read: the mayor's new boat"
SNAPSHOTS = {
    "term_stats": "SELECT lang, term, df FROM term_stats",
    "lang_stats": "SELECT lang, docs FROM lang_stats",
    "source_lines": "SELECT source, line_hash, articles FROM source_lines",
    # postings and copy links by article id: pks differ between databases
    "lsh_postings": "SELECT p.lsh_index, p.band_key, a.id FROM lsh_postings p"
    " JOIN articles a ON a.pk = p.article_pk",
    "articles": "SELECT a.id, a.title, a.text, a.lang, a.source, a.content_hash,"
    " a.boilerplate_lines, a.story_terms, d.id FROM articles a"
    " LEFT JOIN articles d ON d.pk = a.duplicate_of_pk",
    # clusters as the sets of their members' ids, with their sizes
    "clusters": "SELECT c.size, a.id FROM clusters c JOIN articles a ON a.cluster_id = c.id",
}


def snapshot(sessions) -> dict[str, list]:
    with sessions() as session:
        found = {
            name: sorted(tuple(map(str, row)) for row in session.execute(text(query)))
            for name, query in SNAPSHOTS.items()
        }
        found["nonempty_clusters"] = session.execute(
            text("SELECT COUNT(*) FROM clusters WHERE size > 0")
        ).all()
        return found


def post(client, article_id: str, body: str, method: str = "post") -> dict:
    payload = {"text": f"{body}\n{FURNITURE}", "source": "courier"}
    if method == "post":
        response = client.post("/articles", json={"id": article_id, **payload})
    else:
        response = client.put(f"/articles/{article_id}", json=payload)
    assert response.status_code in (200, 201), response.text
    return response.json()


BASE = [("bridge", ENGLISH_BRIDGE), ("election", ENGLISH_ELECTION), ("flood", GERMAN_FLOOD)]


def test_ingest_then_delete_leaves_every_table_as_before(client, sessions):
    for article_id, body in BASE:
        post(client, article_id, body)
    before = snapshot(sessions)
    post(client, "bridge-2", ENGLISH_BRIDGE_OTHER_OUTLET)  # joins the bridge story
    post(client, "flood-2", GERMAN_FLOOD_FOLLOWUP)
    assert snapshot(sessions) != before
    assert client.delete("/articles/flood-2").status_code == 204
    assert client.delete("/articles/bridge-2").status_code == 204
    assert snapshot(sessions) == before


def test_put_twice_equals_ingesting_the_last_version_alone(client, sessions, wipe):
    for article_id, body in BASE:
        post(client, article_id, body)
    post(client, "story", ENGLISH_BRIDGE_OTHER_OUTLET)
    post(client, "story", GERMAN_FLOOD_FOLLOWUP, method="put")
    post(client, "story", f"{ENGLISH_ELECTION}\nA second recount is not planned.", method="put")
    # the article's own lines were counted once, not once per version: none is boilerplate
    # except the source's furniture, which the three base articles taught
    detail = client.get("/articles/story").json()
    assert detail["boilerplate_lines"] == len(FURNITURE.split("\n"))
    after_puts = snapshot(sessions)

    wipe()
    for article_id, body in BASE:
        post(client, article_id, body)
    post(client, "story", f"{ENGLISH_ELECTION}\nA second recount is not planned.")
    assert snapshot(sessions) == after_puts
