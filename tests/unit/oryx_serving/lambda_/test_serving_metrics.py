"""``/metrics``: Prometheus text format with request counts, latency histograms and model/update-topic state."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from support.readiness_table import READINESS_STATES
from support.waiting import wait_for

from oryx_core.api.readiness import is_ready
from oryx_core.api.serving import OryxServingError
from oryx_serving.lambda_.errors import require_model
from oryx_serving.lambda_.metrics import LATENCY_BUCKETS, RequestMetrics, _labels, count

LoadModel = Callable[[dict[str, int]], None]
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$")


def scrape(app: Flask) -> dict[str, float]:
    """``name{labels}`` -> value, checking every line is a comment or a well-formed sample."""
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = {}
    for line in response.text.splitlines():
        if line.startswith("# "):
            assert line.split(" ")[1] in ("HELP", "TYPE"), line
            continue
        match = SAMPLE.match(line)
        assert match, line
        samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


def test_requests_are_counted_by_route_method_and_status(example_app: Flask, load_example_model: LoadModel) -> None:
    load_example_model({"a": 1})
    client = example_app.test_client()
    client.get("/distinct/a")
    client.get("/distinct/a")
    client.get("/distinct/zzz")
    client.get("/random/probe/path")
    samples = scrape(example_app)
    assert samples['oryx_serving_requests_total{endpoint="/distinct/<path:word>",method="GET",status="200"}'] == 2
    assert samples['oryx_serving_requests_total{endpoint="/distinct/<path:word>",method="GET",status="400"}'] == 1
    assert samples['oryx_serving_requests_total{endpoint="<unmatched>",method="GET",status="404"}'] == 1


def test_latency_histogram_is_cumulative_and_ends_with_the_count(example_app: Flask) -> None:
    for _ in range(3):
        example_app.test_client().get("/ready")
    samples = scrape(example_app)
    buckets = [
        samples[f'oryx_serving_request_duration_seconds_bucket{{endpoint="/ready",le="{b!r}"}}']
        for b in LATENCY_BUCKETS
    ]
    infinite = samples['oryx_serving_request_duration_seconds_bucket{endpoint="/ready",le="+Inf"}']
    assert buckets == sorted(buckets) and infinite == 3
    assert samples['oryx_serving_request_duration_seconds_count{endpoint="/ready"}'] == 3
    assert samples['oryx_serving_request_duration_seconds_sum{endpoint="/ready"}'] > 0


def test_model_state_before_any_model(example_app: Flask) -> None:
    samples = scrape(example_app)
    assert samples["oryx_serving_model_loaded_fraction"] == 0
    assert samples["oryx_serving_model_ready"] == 0
    assert samples["oryx_serving_model_generation"] == 0
    assert math.isnan(samples["oryx_serving_update_last_applied_age_seconds"])


def test_model_generation_messages_and_lag_after_updates(
    example_app: Flask,
    load_example_model: LoadModel,
    publish: Callable[[str, str], None],
    caught_up: Callable[[Flask], None],
) -> None:
    load_example_model({"a": 1})
    publish("UP", "a,2")
    publish("UP", "broken")
    publish('SOMETHING-"ODD"', "x")
    load_example_model({"b": 1})
    caught_up(example_app)
    wait_for(lambda: example_app.extensions["oryx"].follower.lag == 0)
    samples = scrape(example_app)
    assert samples["oryx_serving_model_generation"] == 2
    assert samples["oryx_serving_model_loaded_fraction"] == 1 and samples["oryx_serving_model_ready"] == 1
    assert samples['oryx_serving_update_messages_total{key="MODEL"}'] == 2
    assert samples['oryx_serving_update_messages_total{key="UP"}'] == 2
    assert samples['oryx_serving_update_messages_total{key="MODEL-REF"}'] == 0
    assert samples['oryx_serving_update_messages_total{key="other"}'] == 1  # unknown keys add no label values
    assert samples["oryx_serving_update_messages_failed_total"] == 2
    assert samples["oryx_serving_update_lag_messages"] == 0
    assert 0 <= samples["oryx_serving_update_last_applied_age_seconds"] < 60


def test_input_lines_acknowledged_by_the_broker_are_counted(example_app: Flask) -> None:
    example_app.test_client().post("/add", data="a b\nc d\n", content_type="text/plain")
    assert scrape(example_app)["oryx_serving_input_lines_total"] == 2


def test_label_values_are_escaped() -> None:
    assert _labels([("endpoint", 'a"b\\c\nd')]) == '{endpoint="a\\"b\\\\c\\nd"}'


def test_unknown_methods_share_one_label_value() -> None:
    metrics = RequestMetrics()
    metrics.observe("/x", "BREW", 405, 0.001)
    assert list(metrics.snapshot()[0]) == [("/x", "OTHER", "405")]


def test_app_counters_are_counter_families_with_their_labels(example_app: Flask) -> None:
    with example_app.app_context():
        count("oryx_test_rows_total", "Rows of a test.", endpoint="/a", reason="missing")
        count("oryx_test_rows_total", "Rows of a test.", 4, endpoint="/a", reason="missing")
        count("oryx_test_rows_total", "Rows of a test.", reason="unseen", endpoint="/b")
    text = example_app.test_client().get("/metrics").text
    assert "# HELP oryx_test_rows_total Rows of a test.\n# TYPE oryx_test_rows_total counter\n" in text
    samples = scrape(example_app)
    assert samples['oryx_test_rows_total{endpoint="/a",reason="missing"}'] == 5
    assert samples['oryx_test_rows_total{endpoint="/b",reason="unseen"}'] == 1


# Readiness agreement: /ready, an endpoint needing the model and the ready gauge all follow the one rule.
@pytest.mark.parametrize(("fraction", "minimum", "expected"), READINESS_STATES)
def test_ready_metrics_and_endpoints_agree_with_the_readiness_rule(
    make_app: Callable[..., Flask], fake_manager: Any, fraction: float | None, minimum: float, expected: bool
) -> None:
    assert is_ready(fraction, minimum) is expected
    if fraction is not None:
        fake_manager.set_fraction(fraction)
    app = make_app(f"oryx.serving.min-model-load-fraction={minimum}", model_manager=fake_manager)
    gauge = scrape(app)["oryx_serving_model_ready"]  # scraped first: it must not depend on /ready being asked
    ready_status = app.test_client().get("/ready").status_code
    with app.app_context():
        try:
            require_model(app.extensions["oryx"])
            endpoint_ready = True
        except OryxServingError as error:
            assert error.status == 503
            endpoint_ready = False
    assert (gauge, ready_status, endpoint_ready) == (1.0 if expected else 0.0, 200 if expected else 503, expected)


def test_the_gauge_stays_ready_with_ready_once_a_new_model_is_below_the_minimum(
    make_app: Callable[..., Flask], fake_manager: Any
) -> None:
    fake_manager.set_fraction(1.0)
    app = make_app(model_manager=fake_manager)
    assert scrape(app)["oryx_serving_model_ready"] == 1
    fake_manager.set_fraction(0.1)
    assert (scrape(app)["oryx_serving_model_ready"], app.test_client().get("/ready").status_code) == (1, 200)


def test_without_a_model_the_loaded_fraction_gauge_reads_zero_and_ready_reads_zero(
    make_app: Callable[..., Flask], fake_manager: Any
) -> None:
    samples = scrape(make_app("oryx.serving.min-model-load-fraction=0.0", model_manager=fake_manager))
    assert (samples["oryx_serving_model_loaded_fraction"], samples["oryx_serving_model_ready"]) == (0, 0)
