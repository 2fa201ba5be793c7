"""The k-means endpoints over the in-memory broker: exact IDs and distances, 400 for every malformed datum."""

from __future__ import annotations

import gzip
import io
import threading
import zipfile
from collections.abc import Callable

import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker

from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.pmml import build_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_serving.apps.kmeans.model import TOO_FAR

SCHEMA = [
    'oryx.input-schema.feature-names=["id", "x", "y", "label"]',
    'oryx.input-schema.id-features=["id"]',
    'oryx.input-schema.ignored-features=["label"]',
    "oryx.input-schema.categorical-features=[]",
]
KMEANS = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving,com.cloudera.oryx.app.serving.clustering,"
    "com.cloudera.oryx.app.serving.kmeans",
    *SCHEMA,
]
PMML = write_pmml(
    build_kmeans_pmml(kmeans_schema(load_config(None, SCHEMA)), KMeansModel.of([[0.0, 0.0], [10.0, 0.0]], [5, 5]), 0)
)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(*KMEANS)


@pytest.fixture
def loaded(app: Flask, publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]) -> Flask:
    publish("MODEL", PMML)
    caught_up(app)
    return app


def test_assign_is_503_before_any_model(app: Flask) -> None:
    assert app.test_client().get("/assign/a,1,1,x").status_code == 503


def test_ready_once_the_model_is_loaded(loaded: Flask) -> None:
    assert loaded.test_client().get("/ready").status_code == 200


def test_assign_answers_the_nearest_cluster_id(loaded: Flask) -> None:
    client = loaded.test_client()
    assert client.get("/assign/a,1,1,x").text == "0"
    assert client.get("/assign/b,8,-3,x").text == "1"
    assert client.get('/assign/["c", "9", "0", "x"]').text == "1"


def test_json_answers_are_numbers_for_one_datum_as_oryx2_wrote_them(loaded: Flask) -> None:
    """Oryx 2 wrote the bare text ``1`` and ``5.0`` (a String entity), which JSON clients read as numbers."""
    client = loaded.test_client()
    assign = client.get("/assign/b,8,-3,x", headers={"Accept": "application/json"})
    distance = client.get("/distanceToNearest/a,13,4,x", headers={"Accept": "application/json"})
    assert (assign.text, distance.text) == ("1", "5.0")


def test_bulk_assign_gives_one_id_per_line(loaded: Flask) -> None:
    response = loaded.test_client().post("/assign", data="a,1,1,x\nb,9,1,x\nc,-3,0,x\n", content_type="text/csv")
    assert response.text == "0\n1\n0\n"
    json = loaded.test_client().post("/assign", data="a,1,1,x\nb,9,1,x", headers={"Accept": "application/json"})
    assert json.get_json() == ["0", "1"]


def test_bulk_assign_reads_multipart_zip_and_gzip_parts(loaded: Flask) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("points.csv", "a,9,0,x\n")
    form = {
        "zipped": (io.BytesIO(archive.getvalue()), "points.zip", "application/zip"),
        "gzipped": (io.BytesIO(gzip.compress(b"b,0,1,x\n")), "points.gz", "application/gzip"),
    }
    response = loaded.test_client().post("/assign", data=form, content_type="multipart/form-data")
    assert sorted(response.text.split()) == ["0", "1"]


def test_distance_to_nearest_is_euclidean(loaded: Flask) -> None:
    assert float(loaded.test_client().get("/distanceToNearest/a,13,4,x").text) == 5.0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/assign/a,1,x", "Wrong number of features: expected 4, got 3"),
        ("/assign/a,1,one,x", "Bad datum: column 'y': 'one' is not a number"),
        ("/assign/a,1,,x", "Bad datum: has no value for ['y']"),
        ("/assign/%20", "Empty datum"),
        ("/distanceToNearest/a,1,x", "Wrong number of features: expected 4, got 3"),
        ("/distanceToNearest/a,1,2,3,4,5", "Wrong number of features: expected 4, got 6"),
        ("/distanceToNearest/a,inf,1,x", "Bad datum: column 'x': 'inf' is not a finite number"),
        ("/assign/a,-Infinity,1,x", "Bad datum: column 'x': '-Infinity' is not a finite number"),
        ("/assign/a,1e999,1,x", "Bad datum: column 'x': '1e999' is not a finite number"),
        ("/assign/a,NaN,1,x", "Bad datum: has no value for ['x']"),
        ("/assign/a,1e200,1,x", "Bad datum: too far from every cluster center to measure"),
        ("/distanceToNearest/a,-1e308,1e308,x", "Bad datum: too far from every cluster center to measure"),
        ('/distanceToNearest/["a", 1', "Wrong number of features: expected 4, got 2"),
        ("/distanceToNearest/a,%221,1,x", "Bad datum: "),
    ],
)
def test_malformed_datum_is_400_with_the_reason(loaded: Flask, path: str, message: str) -> None:
    response = loaded.test_client().get(path)
    assert response.status_code == 400
    assert response.text.startswith(message)


def test_bulk_assign_names_the_bad_line(loaded: Flask) -> None:
    response = loaded.test_client().post("/assign", data="a,1,1,x\nb,1,x\n", content_type="text/plain")
    assert (response.status_code, response.text) == (400, "Wrong number of features on line 2: expected 4, got 3")
    too_far = loaded.test_client().post("/assign", data="a,1,1,x\nb,1,1,x\nc,1e300,0,x\n", content_type="text/plain")
    assert (too_far.status_code, too_far.text) == (400, "Bad datum on line 3: " + TOO_FAR)


def test_a_far_point_with_one_finite_distance_is_still_assigned(loaded: Flask) -> None:
    """1e154 squared stays finite (1e308); only a point with no finite distance at all is refused."""
    response = loaded.test_client().get("/distanceToNearest/a,1e154,0,x")
    assert (response.status_code, float(response.text)) == (200, 1e154)


def test_up_replaces_one_center(
    loaded: Flask, publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> None:
    publish("UP", "[1,[2.0,0.0],6]")
    caught_up(loaded)
    assert loaded.test_client().get("/assign/a,1.5,0,x").text == "1"
    assert float(loaded.test_client().get("/distanceToNearest/a,2,3,x").text) == 3.0


def test_bad_up_is_skipped_and_the_model_kept(
    loaded: Flask, publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> None:
    publish("UP", "[7,[2.0,0.0],6]")
    publish("UP", "[1,[2.0],6]")
    caught_up(loaded)
    assert loaded.test_client().get("/assign/a,9,0,x").text == "1"


def test_add_sends_lines_unchanged(loaded: Flask, broker: InMemoryBroker) -> None:
    client = loaded.test_client()
    assert client.post("/add/a,1,1,x").status_code == 204
    assert client.post("/add", data="b,2,2,x\nnot even a point\n", content_type="text/plain").status_code == 204
    assert [m.message for m in broker.messages("OryxInput")] == ["a,1,1,x", "b,2,2,x", "not even a point"]


def test_add_is_403_in_read_only_mode(make_app: Callable[..., Flask], broker: InMemoryBroker) -> None:
    app = make_app(*KMEANS, "oryx.serving.api.read-only=true")
    assert app.test_client().post("/add/a,1,1,x").status_code == 403
    assert broker.messages("OryxInput") == []


def test_console_offers_every_kmeans_form(loaded: Flask) -> None:
    page = loaded.test_client().get("/").text
    for path in ("/assign", "/distanceToNearest", "/add"):
        assert path in page


def test_queries_during_updates_see_a_whole_model(loaded: Flask) -> None:
    # Updates alternate cluster 1 between (2, 0) and (20, 0): the point (3, 0) is 1 or 3 from its nearest center.
    manager = loaded.extensions["oryx"].model_manager
    stop = threading.Event()

    def churn() -> None:
        flip = 1.0
        while not stop.is_set():
            manager.consume_key_message("UP", f"[1,[{2.0 if flip > 0 else 20.0},0.0],5]")
            flip = -flip

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        client = loaded.test_client()
        responses = [client.get("/distanceToNearest/a,3,0,x") for _ in range(200)]
    finally:
        stop.set()
        writer.join()
    assert {r.status_code for r in responses} == {200}
    assert {float(r.text) for r in responses} <= {1.0, 3.0}
