"""``GET /metrics`` in Prometheus' text exposition format (0.0.4), written here to need no client library.

Counted per gunicorn worker process: each worker keeps its own counters, and a scrape is answered by whichever
worker takes it (the ``oryx_serving_worker_info`` series names its pid). Every worker follows the same update
topic, so the model series agree across workers; request counters and latencies are that worker's share. For
exact request totals scrape with one worker (raise ``api.threads`` instead), or sum per pid over time.
"""

from __future__ import annotations

import math
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, g, request

from oryx_core.api.serving import MetricGauge
from oryx_serving.lambda_.registry import ApiBlueprint
from oryx_serving.lambda_.state import EXTENSION_KEY, OryxServingState

METRICS_KEY = "oryx_metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds; most answers come from memory in well under 10 ms, writes wait for the broker's acknowledgement."""
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
_UNMATCHED = "<unmatched>"
"""The endpoint label of requests that matched no route, so probing random paths cannot add label values."""

blueprint = ApiBlueprint("oryx_metrics", __name__, title="Monitoring", generic=True)


@dataclass
class _Latency:
    buckets: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))
    total: float = 0.0
    count: int = 0


class RequestMetrics:
    """Request counts by (endpoint, method, status), latency histograms by endpoint, and the counters apps add
    with :func:`count`; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = {}
        self._latency: dict[str, _Latency] = {}
        self._counters: dict[str, tuple[str, dict[tuple[tuple[str, str], ...], int]]] = {}

    def add(self, name: str, help_text: str, labels: tuple[tuple[str, str], ...], n: int) -> None:
        with self._lock:
            _, series = self._counters.setdefault(name, (help_text, {}))
            series[labels] = series.get(labels, 0) + n

    def counters(self) -> dict[str, tuple[str, dict[tuple[tuple[str, str], ...], int]]]:
        with self._lock:
            return {name: (help_text, dict(series)) for name, (help_text, series) in self._counters.items()}

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        method = method if method in _KNOWN_METHODS else "OTHER"
        key = (endpoint, method, str(status))
        with self._lock:
            self._requests[key] = self._requests.get(key, 0) + 1
            latency = self._latency.setdefault(endpoint, _Latency())
            index = bisect_left(LATENCY_BUCKETS, seconds)
            if index < len(LATENCY_BUCKETS):
                latency.buckets[index] += 1
            latency.total += seconds
            latency.count += 1

    def snapshot(self) -> tuple[dict[tuple[str, str, str], int], dict[str, _Latency]]:
        with self._lock:
            latency = {k: _Latency(list(v.buckets), v.total, v.count) for k, v in self._latency.items()}
            return dict(self._requests), latency


# ---- text exposition format ---------------------------------------------------------------------------------


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    text = ",".join(f'{name}="{_escape(value)}"' for name, value in pairs)
    return f"{{{text}}}" if text else ""


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _family(name: str, kind: str, help_text: str, samples: Iterable[tuple[str, str, float]]) -> Iterator[str]:
    """``samples`` are (suffix, rendered labels, value)."""
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} {kind}"
    for suffix, labels, value in samples:
        yield f"{name}{suffix}{labels} {_number(value)}"


def _request_lines(metrics: RequestMetrics) -> Iterator[str]:
    requests, latency = metrics.snapshot()
    yield from _family(
        "oryx_serving_requests_total",
        "counter",
        "Requests answered by this worker, by endpoint (route rule), method and status code.",
        (
            ("", _labels((("endpoint", e), ("method", m), ("status", s))), n)
            for (e, m, s), n in sorted(requests.items())
        ),
    )

    def histogram() -> Iterator[tuple[str, str, float]]:
        for endpoint, data in sorted(latency.items()):
            cumulative = 0
            for bound, count in zip(LATENCY_BUCKETS, data.buckets, strict=True):
                cumulative += count
                yield "_bucket", _labels((("endpoint", endpoint), ("le", _number(bound)))), cumulative
            yield "_bucket", _labels((("endpoint", endpoint), ("le", "+Inf"))), data.count
            yield "_sum", _labels((("endpoint", endpoint),)), data.total
            yield "_count", _labels((("endpoint", endpoint),)), data.count

    yield from _family(
        "oryx_serving_request_duration_seconds",
        "histogram",
        "Time from the start of request handling to the response, by endpoint (route rule).",
        histogram(),
    )


def _counter_lines(metrics: RequestMetrics) -> Iterator[str]:
    for name, (help_text, series) in sorted(metrics.counters().items()):
        yield from _family(name, "counter", help_text, (("", _labels(k), n) for k, n in sorted(series.items())))


def _model_lines(state: OryxServingState) -> Iterator[str]:
    model, loaded, ready = state.model_status()  # the same call /ready makes, so the gauge cannot disagree with it
    fraction = 0.0 if loaded is None else loaded
    follower = state.follower
    by_key = dict(follower.consumed_by_key) if follower else {}
    gauges = (
        ("oryx_serving_model_loaded_fraction", "Fraction of the current model loaded (0 without a model).", fraction),
        ("oryx_serving_model_ready", "1 once /ready answers 200.", 1 if ready else 0),
        (
            "oryx_serving_model_generation",
            "MODEL / MODEL-REF messages applied by this process (the model generation it has reached).",
            follower.models_applied if follower else 0,
        ),
        (
            "oryx_serving_model_batch_generation",
            "The batch generation (epoch ms) the current model was published from (NaN when unknown).",
            follower.model_generation if follower and follower.model_generation is not None else math.nan,
        ),
        (
            "oryx_serving_update_lag_messages",
            "Update-topic messages not yet consumed, refreshed every few seconds (NaN when unknown).",
            follower.lag if follower and follower.lag is not None else math.nan,
        ),
        (
            "oryx_serving_update_last_applied_age_seconds",
            "Seconds since the last update-topic message was applied (NaN before any).",
            time.time() - follower.last_applied_at if follower and follower.last_applied_at else math.nan,
        ),
    )
    model_gauges: Callable[[], Iterable[MetricGauge]] | None = getattr(model, "metric_gauges", None)
    for name, help_text, value in (*gauges, *(model_gauges() if model_gauges is not None else ())):
        yield from _family(name, "gauge", help_text, (("", "", value),))
    yield from _family(
        "oryx_serving_update_messages_total",
        "counter",
        "Update-topic messages consumed, by key (MODEL, MODEL-REF, UP, ...), failed ones included.",
        (("", _labels((("key", k),)), n) for k, n in sorted(by_key.items())),
    )
    yield from _family(
        "oryx_serving_update_messages_failed_total",
        "counter",
        "Update-topic messages the app's model manager could not apply (logged and skipped).",
        (("", "", follower.failed if follower else 0),),
    )
    yield from _family(
        "oryx_serving_update_messages_stale_total",
        "counter",
        "UP messages skipped because they came from a newer model than the current one (after a roll back).",
        (("", "", follower.stale if follower else 0),),
    )
    yield from _family(
        "oryx_serving_input_lines_total",
        "counter",
        "Input lines sent to the input topic and acknowledged by the broker.",
        (("", "", state.input_lines_sent),),
    )


def render(metrics: RequestMetrics, state: OryxServingState) -> str:
    info = _family(
        "oryx_serving_worker_info",
        "gauge",
        "The worker process that answered this scrape; every other series is this worker's own.",
        (("", _labels((("pid", str(os.getpid())),)), 1),),
    )
    return "\n".join([*info, *_request_lines(metrics), *_model_lines(state), *_counter_lines(metrics)]) + "\n"


# ---- Flask wiring ---------------------------------------------------------------------------------------


def _start_timer() -> None:
    g.oryx_request_started = time.perf_counter()


def _record(response: Response) -> Response:
    started = g.pop("oryx_request_started", None)
    if started is not None:
        endpoint = request.url_rule.rule if request.url_rule is not None else _UNMATCHED
        metrics: RequestMetrics = current_app.extensions[METRICS_KEY]
        metrics.observe(endpoint, request.method, response.status_code, time.perf_counter() - started)
    return response


def count(name: str, help_text: str, n: int = 1, **labels: str) -> None:
    """Adds ``n`` to the counter ``name`` (a Prometheus counter family) for these labels, in this worker.

    For apps to count what is not a request status: e.g. rows answered although some values were missing. Label
    values must come from a small fixed set (route rules, reasons), never from request data.
    """
    metrics: RequestMetrics = current_app.extensions[METRICS_KEY]
    metrics.add(name, help_text, tuple(sorted(labels.items())), n)


def init_app(app: Flask) -> None:
    """Times every request; call before any other ``before_request`` hook so 401s are timed too."""
    app.extensions[METRICS_KEY] = RequestMetrics()
    app.before_request(_start_timer)
    app.after_request(_record)


def metrics() -> Response:
    state: OryxServingState = current_app.extensions[EXTENSION_KEY]
    return Response(render(current_app.extensions[METRICS_KEY], state), content_type=CONTENT_TYPE)


blueprint.api_route(
    "/metrics",
    metrics,
    "GET",
    summary="Prometheus metrics of the worker that answers: requests, latencies, model and update-topic state",
    produces=("text/plain",),
    console=False,
)
