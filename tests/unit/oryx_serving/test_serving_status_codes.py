"""Every status code of Oryx 2's contract, each from the situation that should produce it (spec section 4)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker

EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
]
LoadModel = Callable[[dict[str, int]], None]


@pytest.fixture
def loaded(example_app: Flask, load_example_model: LoadModel) -> Flask:
    load_example_model({"apple": 2, "banana": 1})
    return example_app


def test_200_with_a_csv_answer(loaded: Flask) -> None:
    response = loaded.test_client().get("/distinct/apple")
    assert (response.status_code, response.mimetype, response.text) == (200, "text/plain", "2")


def test_204_for_a_write(loaded: Flask, broker: InMemoryBroker) -> None:
    response = loaded.test_client().post("/add", data="apple cherry\n", content_type="text/plain")
    assert (response.status_code, response.data) == (204, b"")
    assert [m.message for m in broker.messages("OryxInput")] == ["apple cherry"]


def test_400_with_the_message_for_bad_input(loaded: Flask) -> None:
    response = loaded.test_client().get("/distinct/zebra")
    assert (response.status_code, response.mimetype, response.text) == (400, "text/plain", "No such word")


def test_400_for_a_corrupt_gzip_body(loaded: Flask) -> None:
    response = loaded.test_client().post(
        "/add", data=b"\x1f\x8bnot gzip", headers={"Content-Encoding": "gzip"}, content_type="text/plain"
    )
    assert response.status_code == 400 and "not valid gzip" in response.text


def test_401_without_credentials_when_auth_is_configured(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.user-name=u", "oryx.serving.api.password=p")
    response = app.test_client().get("/distinct/apple")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Digest ")


def test_403_for_a_write_in_read_only_mode(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.read-only=true")
    response = app.test_client().post("/add", data="a b", content_type="text/plain")
    assert (response.status_code, response.text) == (403, "Serving Layer is read-only")


def test_404_for_an_unknown_path(loaded: Flask) -> None:
    response = loaded.test_client().get("/no/such/endpoint")
    assert (response.status_code, response.mimetype) == (404, "text/plain")


def test_405_for_a_wrong_method(loaded: Flask) -> None:
    response = loaded.test_client().delete("/distinct/apple")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"GET"}


def test_406_when_no_offered_type_is_acceptable(loaded: Flask) -> None:
    response = loaded.test_client().get("/distinct/apple", headers={"Accept": "image/png"})
    assert response.status_code == 406 and "application/json" in response.text


def test_413_for_a_body_over_the_size_cap(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.max-request-bytes=100")
    response = app.test_client().post("/add", data="x" * 101, content_type="text/plain")
    assert response.status_code == 413


def test_413_for_a_chunked_body_over_the_size_cap(make_app: Callable[..., Flask]) -> None:
    """No Content-Length to check up front: the cap applies while the stream is read."""
    app = make_app(*EXAMPLE, "oryx.serving.api.max-request-bytes=100")
    response = app.test_client().post(
        "/add",
        input_stream=io.BytesIO(b"y" * 1000),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "text/plain"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413


def test_415_for_an_undeclared_content_type(loaded: Flask, broker: InMemoryBroker) -> None:
    response = loaded.test_client().post("/add", data=b"<a/>", content_type="application/xml")
    assert response.status_code == 415 and "text/plain" in response.text
    assert broker.messages("OryxInput") == []


def test_415_for_an_unsupported_content_encoding(loaded: Flask) -> None:
    response = loaded.test_client().post(
        "/add", data=b"a b", headers={"Content-Encoding": "br"}, content_type="text/plain"
    )
    assert response.status_code == 415


def test_a_body_without_content_type_is_read_as_plain_text(loaded: Flask, broker: InMemoryBroker) -> None:
    response = loaded.test_client().post("/add", data=b"plain words")
    assert response.status_code == 204
    assert [m.message for m in broker.messages("OryxInput")] == ["plain words"]


def test_503_before_any_model(example_app: Flask) -> None:
    response = example_app.test_client().get("/distinct/apple")
    assert (response.status_code, response.text) == (503, "Model not yet available")


def test_500_in_plain_text_for_an_unexpected_error(loaded: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("secret internals")

    loaded.add_url_rule("/broken", view_func=broken)
    response = loaded.test_client().get("/broken")
    assert (response.status_code, response.mimetype) == (500, "text/plain")
    # Oryx 2's first line; no message or trace leaks to the client
    assert response.text == "Error 500 : /broken\nInternal server error: RuntimeError"


def test_413_for_a_chunked_multipart_body_over_the_size_cap(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.max-request-bytes=300")
    body = (
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\n'
        + b"z " * 400
        + b"\r\n--b--\r\n"
    )
    response = app.test_client().post(
        "/add",
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "multipart/form-data; boundary=b"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413, response.text


def test_a_chunked_body_exactly_at_the_size_cap_is_accepted(
    make_app: Callable[..., Flask], broker: InMemoryBroker
) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.max-request-bytes=100")
    response = app.test_client().post(
        "/add",
        input_stream=io.BytesIO(b"w" * 100),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "text/plain"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 204
    assert [m.message for m in broker.messages("OryxInput")] == ["w" * 100]
