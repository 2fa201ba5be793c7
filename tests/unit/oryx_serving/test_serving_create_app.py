"""``create_app``: blueprints and clients from config; configuration problems fail at start, naming the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker, InMemoryProducer

from oryx_core.config import ConfigError, load_config
from oryx_serving import create_app
from oryx_serving.apps.example.manager import ExampleServingModelManager
from oryx_serving.lambda_ import model_manager as model_manager_module

EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
]


def no_kafka_clients(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replaces every real Kafka constructor the serving layer uses with one that records the attempt."""
    built: list[str] = []

    def refuse(name: str) -> Callable[..., Any]:
        def build(*args: Any, **kwargs: Any) -> Any:
            built.append(name)
            raise AssertionError(f"{name} must not be created")

        return build

    monkeypatch.setattr(model_manager_module, "build_input_producer", refuse("input producer"))
    monkeypatch.setattr(model_manager_module, "UpdateTopicConsumer", refuse("update consumer"))
    monkeypatch.setattr(model_manager_module, "TopicAdmin", refuse("topic admin"))
    return built


def test_model_manager_class_is_instantiated_with_the_config(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE)
    manager = app.extensions["oryx"].model_manager
    assert isinstance(manager, ExampleServingModelManager)
    assert manager.config.get_string("oryx.serving.application-resources") == "com.cloudera.oryx.example.serving"


def test_python_dotted_names_work_as_well_as_oryx2_java_names(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        "oryx.serving.model-manager-class=oryx_serving.apps.example.manager.ExampleServingModelManager",
        "oryx.serving.application-resources=oryx_serving.apps.example",
    )
    assert "example.distinct" in app.view_functions


def test_unknown_model_manager_class_fails_naming_the_key() -> None:
    config = load_config(None, ["oryx.serving.no-init-topics=true", "oryx.serving.model-manager-class=no.such.Manager"])
    with pytest.raises(ConfigError) as raised:
        create_app(config)
    assert raised.value.key == "oryx.serving.model-manager-class"


def test_missing_model_manager_class_fails_naming_the_key() -> None:
    with pytest.raises(ConfigError) as raised:
        create_app(load_config(None, ["oryx.serving.no-init-topics=true"]))
    assert raised.value.key == "oryx.serving.model-manager-class"


def test_a_class_that_is_not_a_model_manager_fails_naming_the_key() -> None:
    config = load_config(None, ["oryx.serving.no-init-topics=true", "oryx.serving.model-manager-class=threading.Event"])
    with pytest.raises(ConfigError) as raised:
        create_app(config)
    assert raised.value.key == "oryx.serving.model-manager-class"


def test_unknown_application_resources_package_fails_naming_the_key(fake_manager: Any) -> None:
    config = load_config(
        None, ["oryx.serving.no-init-topics=true", "oryx.serving.application-resources=no_such_package.endpoints"]
    )
    with pytest.raises(ConfigError) as raised:
        create_app(config, model_manager=fake_manager)
    assert raised.value.key == "oryx.serving.application-resources"


def test_a_resources_package_without_a_blueprint_fails_naming_the_key(fake_manager: Any) -> None:
    config = load_config(None, ["oryx.serving.no-init-topics=true", "oryx.serving.application-resources=json"])
    with pytest.raises(ConfigError) as raised:
        create_app(config, model_manager=fake_manager)
    assert raised.value.key == "oryx.serving.application-resources"


def test_context_path_prefixes_every_endpoint(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.context-path=/oryx/")
    client = app.test_client()
    assert client.get("/oryx/ready").status_code == 503
    assert client.get("/oryx/distinct").status_code == 503
    assert client.get("/ready").status_code == 404


def test_root_context_path_means_no_prefix(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.context-path=/")
    assert app.test_client().get("/ready").status_code == 503


def test_context_path_must_start_with_a_slash(fake_manager: Any) -> None:
    config = load_config(None, ["oryx.serving.no-init-topics=true", "oryx.serving.api.context-path=oryx"])
    with pytest.raises(ConfigError) as raised:
        create_app(config, model_manager=fake_manager)
    assert raised.value.key == "oryx.serving.api.context-path"


def test_no_init_topics_creates_no_kafka_client(monkeypatch: pytest.MonkeyPatch) -> None:
    built = no_kafka_clients(monkeypatch)
    app = create_app(load_config(None, ["oryx.serving.no-init-topics=true", *EXAMPLE]))
    state = app.extensions["oryx"]
    assert (built, state.input_producer, state.follower) == ([], None, None)
    state.close()


def test_read_only_creates_no_input_producer(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask], broker: InMemoryBroker
) -> None:
    built = no_kafka_clients(monkeypatch)
    config = load_config(None, ["oryx.serving.api.read-only=true", *EXAMPLE])
    app = make_app(config=config, input_producer=None)
    assert (built, app.extensions["oryx"].input_producer) == ([], None)


def test_read_only_ignores_an_injected_producer(make_app: Callable[..., Flask], broker: InMemoryBroker) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.read-only=true", input_producer=InMemoryProducer(broker, "OryxInput"))
    assert app.extensions["oryx"].input_producer is None


def test_missing_topics_fail_at_start_with_oryx2s_message(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoTopics:
        def __init__(self, brokers: str) -> None:
            pass

        def require_topics(self, *names: str) -> None:
            from oryx_core.topics.admin import TopicMissingError

            raise TopicMissingError(names[0])

    monkeypatch.setattr(model_manager_module, "TopicAdmin", NoTopics)
    with pytest.raises(RuntimeError, match="Topic OryxUpdate does not exist; did you create it?"):
        create_app(load_config(None, EXAMPLE))


def test_request_size_cap_comes_from_config(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.max-request-bytes=10")
    response = app.test_client().post("/add", data=b"x" * 11, content_type="text/plain")
    assert response.status_code == 413


def test_with_no_config_the_file_named_by_oryx_conf_is_loaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    conf = tmp_path / "serving.conf"
    conf.write_text(
        'oryx.serving { no-init-topics = true, api.context-path = "/ctx"\n'
        '  model-manager-class = "com.cloudera.oryx.example.serving.ExampleServingModelManager"\n'
        '  application-resources = "com.cloudera.oryx.example.serving" }\n'
    )
    monkeypatch.setenv("ORYX_CONF", str(conf))
    app = create_app()
    try:
        assert app.test_client().get("/ctx/ready").status_code == 503
    finally:
        app.extensions["oryx"].close()
