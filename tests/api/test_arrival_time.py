"""An article posted without published_at is placed in time by its arrival (a live
crawler posts as it fetches); a back-fill or a replay leaves it undated."""

from datetime import UTC, datetime

from app.services import ingest as ingest_service
from app.services.analysis import ArticleIn
from app.store import migrate, repo
from tests.texts import ENGLISH_BRIDGE, ENGLISH_BRIDGE_OTHER_OUTLET, GERMAN_FLOOD


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_an_undated_post_is_placed_at_its_arrival_and_so_is_its_cluster(client):
    before = _now()
    posted = client.post("/articles", json={"id": "bridge", "text": ENGLISH_BRIDGE})
    after = datetime.now(UTC)
    assert posted.status_code == 201
    article = client.get("/articles/bridge").json()
    placed = _instant(article["placed_at"])
    assert article["published_at"] is None
    assert placed is not None and before <= placed <= after
    cluster = client.get(f"/clusters/{article['cluster_id']}").json()
    assert _instant(cluster["first_published"]) == placed == _instant(cluster["last_published"])
    assert cluster["members"][0]["placed_at"] == article["placed_at"]


def test_a_dated_post_is_placed_at_its_publication(client):
    body = {"id": "flood", "text": GERMAN_FLOOD, "published_at": "2024-06-03T08:00:00Z"}
    assert client.post("/articles", json=body).status_code == 201
    article = client.get("/articles/flood").json()
    assert article["placed_at"] == article["published_at"] == "2024-06-03T08:00:00Z"


def test_the_arrival_is_not_content_so_a_repeated_post_is_a_repeat(client):
    body = {"id": "bridge", "text": ENGLISH_BRIDGE}
    first = client.post("/articles", json=body)
    again = client.post("/articles", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["cluster_id"] == first.json()["cluster_id"]


def test_undated_posts_are_placed_together_but_earn_no_time_bonus(client):
    """The bonus needs a publication date: every live post arrives "today", so a bonus
    for arriving together would lower the join threshold for all of them."""
    client.post("/articles", json={"id": "a", "text": ENGLISH_BRIDGE})
    client.post("/articles", json={"id": "b", "text": ENGLISH_BRIDGE_OTHER_OUTLET})
    signals = client.get("/explain", params={"a": "b", "b": "a"}).json()["signals"]
    assert signals["days_apart"] == 0
    assert signals["time_factor"] == 1


def test_a_dated_post_near_an_arrival_earns_the_bonus(client):
    """The cluster's span is the undated article's arrival alone (the dated one is in
    another cluster), so the bonus comes from that arrival."""
    undated = client.post("/articles", json={"id": "a", "text": ENGLISH_BRIDGE}).json()
    today = _now().isoformat().replace("+00:00", "Z")
    dated = {"id": "b", "text": GERMAN_FLOOD, "published_at": today}
    assert client.post("/articles", json=dated).json()["cluster_id"] != undated["cluster_id"]
    signals = client.get("/explain", params={"a": "b", "b": "a"}).json()["signals"]
    assert signals["days_apart"] == 0
    assert signals["time_factor"] > 1


def test_an_undated_replay_stays_undated(sessions, settings):
    """Bulk back-fill and eval replay: the arrival is the replay's, not the article's."""
    with sessions() as session:
        result = ingest_service.ingest(
            session,
            ArticleIn(id="bridge", text=ENGLISH_BRIDGE),
            settings.clustering(),
            settings.max_text_chars,
        )
    with sessions() as session:
        row = repo.article_listing(session, "bridge")
        cluster = repo.get_cluster(session, result.cluster_id)
    assert row is not None and row.placed_at is None
    assert cluster is not None and cluster.first_published is None


def test_the_migration_places_stored_articles_at_their_publication(app_client, db_url):
    with app_client() as client:
        client.post("/articles", json={"id": "undated", "text": ENGLISH_BRIDGE})
        dated = {"id": "dated", "text": GERMAN_FLOOD, "published_at": "2024-06-03T08:00:00Z"}
        client.post("/articles", json=dated)
    migrate.downgrade(db_url, "4f2c8e1b7a95")  # before articles.placed_at
    migrate.upgrade(db_url)
    with app_client() as client:
        assert client.get("/articles/dated").json()["placed_at"] == "2024-06-03T08:00:00Z"
        # the arrival of an article stored before placed_at was not kept
        assert client.get("/articles/undated").json()["placed_at"] is None


def test_the_time_window_sees_an_arrival_as_a_date(app_client):
    """Placed years apart by its arrival, an undated report is outside a 7-day window
    of a dated one it would otherwise join."""
    dated = {"id": "then", "text": ENGLISH_BRIDGE, "published_at": "2018-05-10T20:00:00Z"}
    undated = {"id": "now", "text": ENGLISH_BRIDGE_OTHER_OUTLET}
    clusters = {}
    for window in (0, 7):
        with app_client(time_window_days=window) as client:
            first = client.post("/articles", json=dated).json()["cluster_id"]
            second = client.post("/articles", json=undated).json()["cluster_id"]
            clusters[window] = first == second
            for article_id in ("then", "now"):
                assert client.delete(f"/articles/{article_id}").status_code == 204
    assert clusters == {0: True, 7: False}
