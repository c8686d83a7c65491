"""Lines a source repeats across its articles stop counting once seen."""

from seeds.loader import seed_text
from tests.texts import (
    ENGLISH_BRIDGE,
    ENGLISH_ELECTION,
    GERMAN_FLOOD,
    GERMAN_TRUMP_UKRAINE,
)

TAZ = seed_text("taz-summit-2018-05")
# the taz page furniture: everything from the donation box on
TAZ_BLOCK = TAZ[TAZ.index("40.000 mal Danke!") :]


def with_block(text: str) -> str:
    return f"{text}\n{TAZ_BLOCK}"


def test_repeated_block_is_dropped_and_does_not_link_unrelated_articles(client):
    # the source's first articles teach the service its furniture
    for i, text in enumerate([ENGLISH_BRIDGE, ENGLISH_ELECTION]):
        client.post(
            "/articles", json={"id": f"warmup-{i}", "text": with_block(text), "source": "taz"}
        )
    flood = client.post(
        "/articles", json={"id": "flood", "text": with_block(GERMAN_FLOOD), "source": "taz"}
    ).json()
    ukraine = client.post(
        "/articles",
        json={"id": "ukraine", "text": with_block(GERMAN_TRUMP_UKRAINE), "source": "taz"},
    ).json()
    assert flood["cluster_id"] != ukraine["cluster_id"]
    assert ukraine["duplicate_of"] is None
    detail = client.get("/articles/ukraine").json()
    # the block, and the headline too: taz lists this story under "meistkommentiert"
    assert detail["boilerplate_lines"] == len(TAZ_BLOCK.split("\n")) + 1
    explained = client.get("/explain", params={"a": "ukraine", "b": "flood"}).json()
    assert explained["signals"]["story_cosine"] < 0.1


def test_block_from_another_source_is_not_dropped(client):
    for i, text in enumerate([ENGLISH_BRIDGE, ENGLISH_ELECTION]):
        client.post("/articles", json={"id": f"w{i}", "text": with_block(text), "source": "taz"})
    client.post(
        "/articles", json={"id": "other", "text": with_block(GERMAN_FLOOD), "source": "other"}
    )
    assert client.get("/articles/other").json()["boilerplate_lines"] == 0


def test_taz_boilerplate_does_not_pull_the_seed_to_an_unrelated_trump_story(client):
    # the Trump story comes first: the taz seed's "meistkommentiert" list names it
    trump = client.post("/articles", json={"id": "trump", "text": GERMAN_TRUMP_UKRAINE}).json()
    taz = client.post("/articles", json={"id": "taz", "text": TAZ, "source": "taz"}).json()
    assert taz["cluster_id"] != trump["cluster_id"]
    reuters = client.post(
        "/articles", json={"id": "reuters", "text": seed_text("reuters-summit-2018-05")}
    ).json()
    assert reuters["cluster_id"] == taz["cluster_id"] != trump["cluster_id"]
