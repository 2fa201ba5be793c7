"""The k-means, RDF and linear demos against a fake serving layer on a real local HTTP socket.

The demos run unchanged (real urllib requests, real data from scikit-learn, real printing); only the serving
layer is a stand-in whose answers change once the demo's second POST arrives, as the speed layer's UP would make
them change. The real stack runs in tests/e2e/test_kmeans_demo.py and test_rdf_demo.py (classification); the
regression demo is covered here.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from oryx_cli.demos.kmeans.data import iris_lines as kmeans_iris_lines
from oryx_cli.demos.kmeans.demo import kmeans_demo
from oryx_cli.demos.linear.data import synthetic_lines, true_value
from oryx_cli.demos.linear.demo import EXAMPLES, PROBES, linear_demo
from oryx_cli.demos.rdf.data import diabetes_lines
from oryx_cli.demos.rdf.data import iris_lines as rdf_iris_lines
from oryx_cli.demos.rdf.demo import rdf_demo
from oryx_core.config import load_config

REPO = Path(__file__).resolve().parents[3]
Answer = Callable[["FakeServing", str], object]


class FakeServing:
    """Records POSTed bodies; answers GETs from ``answers`` (path prefix -> function of the datum)."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers
        self.posts: list[tuple[str, list[str]]] = []
        self.model_loaded = False

    @property
    def updated(self) -> bool:
        """The demo's second POST is the speed-layer step."""
        return len(self.posts) > 1

    def get(self, path: str, accept: str) -> tuple[int, str]:
        """Like the serving layer: JSON when asked for, else text (a scalar's string form)."""
        if path == "/ready":
            return (200 if self.model_loaded else 503), ""
        for prefix, answer in self.answers.items():
            if path.startswith(prefix):
                value = answer(self, urllib.parse.unquote(path[len(prefix) :]))
                return 200, json.dumps(value) if accept == "application/json" else str(value)
        return 404, path


@pytest.fixture
def serve() -> Iterator[Callable[[FakeServing], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(fake: FakeServing) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                status, body = fake.get(self.path, self.headers.get("Accept", ""))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(body.encode())

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                fake.posts.append((self.path, body.split("\n")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))


def load_model(fake: FakeServing) -> Callable[[], None]:
    """Stands in for `oryx batch`: the generation's model is served afterwards."""

    def run_generation() -> None:
        assert fake.posts, "the data must be sent before the generation runs"
        fake.model_loaded = True

    return run_generation


def test_kmeans_demo_sends_iris_prints_each_species_cluster_and_the_speed_update(
    serve: Callable[[FakeServing], str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeServing(
        {
            "/assign/": lambda _, datum: int(datum.rsplit(",", 1)[1]),  # cluster = species label
            "/distanceToNearest/": lambda f, _: 0.25 if f.updated else 0.5,
        }
    )
    config = load_config(REPO / "conf" / "kmeans-example.conf")
    kmeans_demo(config, serve(fake), load_model(fake))
    output = capsys.readouterr().out

    assert fake.posts[0] == ("/add", kmeans_iris_lines())
    assert fake.posts[1] == (
        "/add",
        [f"{x},3.4,1.5,0.2,0" for x in ("5.0", "5.1", "4.9")]
        + [
            "5.0,3.5,1.5,0.2,0",
            "5.0,3.3,1.5,0.2,0",
        ],
    )
    assert "  setosa       5.0,3.4,1.5,0.2,0    cluster 0    distance 0.5000" in output
    assert "  versicolor   5.7,2.9,4.2,1.3,1    cluster 1    distance 0.5000" in output
    assert "  virginica    6.8,3.0,5.5,2.1,2    cluster 2    distance 0.5000" in output
    assert "GET /distanceToNearest/5.0,3.4,1.5,0.2,0 -> 0.2500 (was 0.5000)" in output


def test_rdf_regression_demo_prints_predictions_against_true_targets_and_the_speed_update(
    serve: Callable[[FakeServing], str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeServing(
        {
            "/predict/": lambda f, _: 200.25 if f.updated else 150.5,
            "/feature/importance": lambda *_: [0.05, 0.0, 0.4, 0.1, 0.05, 0.05, 0.05, 0.05, 0.2, 0.05, 0.0],
        }
    )
    config = load_config(REPO / "conf" / "rdf-regression-example.conf")
    rdf_demo(config, serve(fake), load_model(fake))
    output = capsys.readouterr().out

    lines = diabetes_lines()
    assert fake.posts[0] == ("/train", lines)
    max_target = max(lines, key=lambda line: float(line.rsplit(",", 1)[1])).rsplit(",", 1)[1]
    assert fake.posts[1] == ("/train", [f"{lines[0].rsplit(',', 1)[0]},{max_target}"] * 5)
    assert "sending 442 diabetes examples" in output
    first = lines[0].rsplit(",", 1)[0] + ","
    assert f"  {first:<50} predicted    150.5   true  151.0" in output
    assert "  bmi            0.4000" in output and "progression" not in output.split("/feature/importance")[1][:300]
    assert f"GET /predict/{first} -> 200.2 (was 150.5)" in output


def test_rdf_classification_demo_prints_predicted_and_true_species_and_the_changed_distribution(
    serve: Callable[[FakeServing], str], capsys: pytest.CaptureFixture[str]
) -> None:
    def distribution(fake: FakeServing, _: str) -> list[dict[str, object]]:
        virginica = 0.2 if fake.updated else 0.0
        return [
            {"id": "setosa", "value": 0.0},
            {"id": "versicolor", "value": 1.0 - virginica},
            {"id": "virginica", "value": virginica},
        ]

    fake = FakeServing(
        {
            "/predict/": lambda _, datum: {"5.0": "setosa", "5.7": "versicolor"}.get(datum[:3], "virginica"),
            "/classificationDistribution/": distribution,
            "/feature/importance": lambda *_: [0.1, 0.0, 0.5, 0.4, 0.0],
        }
    )
    config = load_config(REPO / "conf" / "rdf-classification-example.conf")
    rdf_demo(config, serve(fake), load_model(fake))
    output = capsys.readouterr().out

    assert fake.posts[0] == ("/train", rdf_iris_lines())
    assert fake.posts[1] == ("/train", ["5.7,2.9,4.2,1.3,virginica"] * 5)
    assert "  5.0,3.4,1.5,0.2,     predicted setosa       true setosa" in output
    assert "  6.8,3.0,5.5,2.1,     predicted virginica    true virginica" in output
    assert "  virginica    0.2000  (was 0.0000)" in output
    assert "  versicolor   0.8000  (was 1.0000)" in output


def test_linear_demo_trains_on_synthetic_examples_and_prints_predictions_next_to_the_truth(
    serve: Callable[[FakeServing], str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeServing({"/predict/": lambda _, datum: true_value(tuple(float(v) for v in datum.split(",")[:3])) + 0.01})
    linear_demo(serve(fake), load_model(fake))
    output = capsys.readouterr().out

    assert fake.posts == [("/train", synthetic_lines(EXAMPLES))]
    assert f"sending {EXAMPLES} synthetic examples" in output
    for probe in PROBES:
        datum = ",".join(str(v) for v in probe) + ","
        truth = true_value(probe)
        assert f"  {datum:<20} predicted {truth + 0.01:10.4f}   true {truth:10.4f}" in output
