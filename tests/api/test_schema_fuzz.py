"""Schema-driven fuzzing: schemathesis generates requests from the app's own OpenAPI
document, valid and invalid ones, and checks every answer against that document: no
5xx, only documented statuses, bodies and headers as documented. Bounded examples per
operation keep it to seconds; it runs on SQLite and on PostgreSQL like the rest.

(Driven through schemathesis' Python API: its pytest fixture loader does not run under
pytest 9.)"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from app.main import create_app

EXAMPLES_PER_OPERATION = 100
# Every check but "schema-valid data is accepted": a schema cannot say that a text needs
# words a clusterer can use, or that exactly one of text and html is given; the service
# answers those with the documented 422.
SKIPPED_CHECKS = [positive_data_acceptance]


WRITE_KEY = "fuzz-write-key-0123456789"


@pytest.fixture
def api_schema(settings):
    # keys set, as in production: the fuzzer's calls carry a write key, and its
    # "ignored authentication" check sends wrong ones, which must get 401
    # (no rate limit: the fuzzer's thousands of requests would mostly meet 429)
    keyed = settings.model_copy(
        update={"api_keys": f"write:{WRITE_KEY}", "rate_limit_per_minute": 0}
    )
    app = create_app(keyed)
    with TestClient(app):  # runs the lifespan: engine and settings on app.state
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_every_answer_matches_the_document(api_schema, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10  # every route is in the document
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not _takes_input(operation):
            continue  # nothing to make invalid
        _fuzz(operation, mode)


def _takes_input(operation) -> bool:
    return bool(len(operation.path_parameters) + len(operation.query) + len(operation.body))


def _fuzz(operation, mode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @examples(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,  # the same examples every run: CI must not pass or fail by chance
    )
    def answer_is_documented(case) -> None:
        authorised = {"Authorization": f"Bearer {WRITE_KEY}"}
        case.call_and_validate(headers=authorised, excluded_checks=SKIPPED_CHECKS)

    answer_is_documented()
