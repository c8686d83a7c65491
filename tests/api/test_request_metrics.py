"""Every response is counted by method, route and status, rejected bodies included."""

from prometheus_client import REGISTRY

from tests.texts import ENGLISH_BRIDGE


def requests_counted(method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("story_request_seconds_count", labels) or 0.0


def test_responses_are_counted_by_route_and_status(client, settings):
    cases = [
        ("POST", "/articles", "201"),
        ("GET", "/articles/{article_id}", "404"),
        ("POST", "unmatched", "413"),
    ]
    before = {case: requests_counted(*case) for case in cases}
    assert client.post("/articles", json={"id": "b", "text": ENGLISH_BRIDGE}).status_code == 201
    assert client.get("/articles/missing").status_code == 404
    too_big = b"x" * (settings.max_body_bytes + 1)
    headers = {"content-type": "application/json"}
    assert client.post("/articles", content=too_big, headers=headers).status_code == 413
    assert {case: requests_counted(*case) - before[case] for case in cases} == dict.fromkeys(
        cases, 1.0
    )
