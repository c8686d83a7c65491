"""Storylines: the level above events. A new event links into the storyline of a
candidate it is related to without being the same event; an unrelated event starts its
own. Listed, read in time order, named by their clusters, answered by /match."""

import pytest

from tests.texts import (
    ENGLISH_BRIDGE,
    ENGLISH_BRIDGE_OTHER_OUTLET,
    SUMMIT_ANNOUNCED,
    SUMMIT_CANCELLED,
)

# A strict event level and a loose storyline link: cancelled scores 0.35 against the
# announced cluster (its only candidate), so they are two events (< 0.6) of one
# storyline (>= 0.3).
STRICT_EVENTS = {"join_threshold": 0.6, "merge_threshold": 0.6, "storyline_ratio": 0.5}


def post(client, article_id, text, published_at):
    body = {"id": article_id, "text": text, "published_at": published_at, "source": article_id}
    response = client.post("/articles", json=body)
    assert response.status_code == 201, response.text
    return response.json()["cluster_id"]


@pytest.fixture
def summit(app_client):
    with app_client(**STRICT_EVENTS) as client:
        clusters = {
            "announced": post(client, "announced", SUMMIT_ANNOUNCED, "2018-05-10T20:00:00Z"),
            "bridge": post(client, "bridge", ENGLISH_BRIDGE, "2018-05-12T08:00:00Z"),
            "cancelled": post(client, "cancelled", SUMMIT_CANCELLED, "2018-05-24T15:00:00Z"),
        }
        yield client, clusters


def storyline_of(client, cluster_id):
    return client.get(f"/clusters/{cluster_id}").json()["storyline_id"]


def test_two_events_of_one_story_share_a_storyline_and_an_unrelated_one_does_not(summit):
    client, clusters = summit
    assert clusters["announced"] != clusters["cancelled"]  # two events
    storyline = storyline_of(client, clusters["announced"])
    assert storyline_of(client, clusters["cancelled"]) == storyline
    assert storyline_of(client, clusters["bridge"]) != storyline

    page = client.get(f"/storylines/{storyline}").json()
    assert [e["id"] for e in page["event_clusters"]] == [
        clusters["announced"],
        clusters["cancelled"],
    ]  # in time order
    assert (page["events"], page["articles"]) == (2, 2)
    assert page["first_published"] == "2018-05-10T20:00:00Z"
    assert page["last_published"] == "2018-05-24T15:00:00Z"
    assert {"Trump", "Kim"} <= set(page["label"]["terms"])
    # the storyline's languages and sources count all its events, not its largest one
    assert (page["label"]["languages"], page["label"]["sources"]) == ({"en": 2}, 2)
    assert [e["label"]["sources"] for e in page["event_clusters"]] == [1, 1]
    assert all(e["label"]["headline"] for e in page["event_clusters"])


def test_storylines_are_listed_and_paged_with_updated_since(summit):
    client, _ = summit
    listed = client.get("/storylines").json()
    assert len(listed["storylines"]) == 2 and listed["next_cursor"] is None
    first = client.get("/storylines", params={"limit": 1}).json()
    rest = client.get("/storylines", params={"cursor": first["next_cursor"]}).json()
    assert [s["id"] for s in first["storylines"] + rest["storylines"]] == [
        s["id"] for s in listed["storylines"]
    ]
    future = client.get("/storylines", params={"updated_since": "2999-01-01T00:00:00Z"})
    assert future.json()["storylines"] == []


def test_match_names_the_storyline_a_text_would_join(summit):
    client, clusters = summit
    storyline = storyline_of(client, clusters["announced"])
    follow_up = SUMMIT_CANCELLED.replace("Thursday", "Friday")
    assert client.post("/match", json={"text": follow_up}).json()["storyline_id"] == storyline
    unrelated = client.post("/match", json={"text": "Quarterly wheat harvest figures rose."})
    assert unrelated.json()["storyline_id"] is None


def test_an_unknown_storyline_is_404(summit):
    client, _ = summit
    response = client.get("/storylines/999999")
    assert response.status_code == 404 and response.json()["error"] == "NotFound"


def test_with_the_shipped_defaults_every_event_has_a_storyline_of_its_own(client):
    ids = [post(client, a, t, None) for a, t in [("b", ENGLISH_BRIDGE), ("s", SUMMIT_ANNOUNCED)]]
    storylines = {client.get(f"/clusters/{i}").json()["storyline_id"] for i in ids}
    assert len(storylines) == 2 and None not in storylines


def test_two_events_merged_into_one_merge_their_storylines(app_client):
    with app_client(join_threshold=0.2, merge_threshold=0.2) as client:
        bridge = post(client, "bridge", ENGLISH_BRIDGE, None)
        summit = post(client, "summit", SUMMIT_ANNOUNCED, None)
        bridge_storyline = storyline_of(client, bridge)
        summit_storyline = storyline_of(client, summit)
        assert bridge != summit and bridge_storyline != summit_storyline
        # other outlets' reports of both events in one article: it joins one, merges both
        both_text = f"{ENGLISH_BRIDGE_OTHER_OUTLET}\n{SUMMIT_CANCELLED}"
        both = post(client, "both", both_text, None)
        assert client.get(f"/clusters/{bridge}").json()["id"] == both  # merged
        assert client.get(f"/clusters/{summit}").json()["id"] == both
        survivor = storyline_of(client, both)
        for requested in (bridge_storyline, summit_storyline):
            page = client.get(f"/storylines/{requested}").json()
            assert page["id"] == survivor and page["requested_id"] == requested
            assert (page["events"], page["articles"]) == (1, 3)
        assert len(client.get("/storylines").json()["storylines"]) == 1
