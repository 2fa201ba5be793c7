"""Every endpoint of every app, fuzzed from the app's own OpenAPI document (schemathesis): no request is a 5xx.

Schemathesis reads ``/openapi.json`` (the document serving publishes) and, for each operation, generates
requests that fit it (positive) and requests that break it (negative: wrong types, missing or extra parameters,
bodies the endpoint does not take), against each app serving Oryx 2's fixed test model. Every answer must be
below 500, and every 4xx must say why in its body. Hand-probing once found request classes that answered 500
(bulk forest ``/predict`` on negative values, deeply nested JSON): a fuzzer over the documented surface finds such
classes itself. ``ORYX_FUZZ_EXAMPLES`` sets the requests per operation and mode (default 150; Hypothesis stops
early on small input spaces): about 11,500 requests in all, read-only ALS included.

Schemathesis's own pytest plugin does not run under this pytest (9), so each operation's Hypothesis strategies
are driven here directly, through Hypothesis's ``@given`` as the plugin does.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

EXAMPLES = int(os.environ.get("ORYX_FUZZ_EXAMPLES", "150"))
APPS = ["als", "als_read_only", "kmeans", "rdf", "rdf_classification"]


def operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(operation: Any, mode: GenerationMode, statuses: Counter[int]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def one_request(case: Any) -> None:
        response = case.call()
        statuses[response.status_code] += 1
        request = f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]}"
        assert response.status_code < 500, f"{request}: {response.status_code}\n{response.text[:500]}"
        if 400 <= response.status_code < 500:
            # Not stripped: a 404's body is the unknown ID itself, as in Oryx 2, and an ID may be "\r".
            assert response.text, f"{request}: {response.status_code} without a message"

    try:
        one_request()
    except Unsatisfiable:
        # Nothing to break in an operation without parameters or body: negative generation has no input.
        if mode is not GenerationMode.NEGATIVE:
            raise


@pytest.mark.parametrize("app_name", APPS)
def test_no_generated_request_fails_the_server(app_name: str, request: pytest.FixtureRequest) -> None:
    server = request.getfixturevalue(f"_{app_name}")
    statuses: Counter[int] = Counter()
    found = operations(server.app)
    assert len(found) >= 5, [operation.label for operation in found]
    for operation in found:
        before = sum(statuses.values())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode, statuses)
        assert sum(statuses.values()) > before, f"{operation.label}: no request generated"
    print(f"{app_name}: {sum(statuses.values())} requests over {len(found)} operations, statuses {dict(statuses)}")
    assert any(200 <= status < 300 for status in statuses), statuses  # the fuzzer also reached real answers
