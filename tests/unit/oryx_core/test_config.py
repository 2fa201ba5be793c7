"""Configuration: Oryx 2 defaults, layering, overrides, validation and serialization."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_core.config import (
    ConfigError,
    OryxConfig,
    TopicSettings,
    load_config,
    state_dir,
    topic_settings,
    validate_class_key,
)

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = sorted(FIXTURES.glob("*-example.conf"))


def write_conf(tmp_path: Path, text: str, name: str = "user.conf") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def defaults() -> OryxConfig:
    return load_config()


# ---- defaults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("oryx.id", None),
        ("oryx.input-topic.broker", "localhost:9092"),
        ("oryx.input-topic.lock.master", "localhost:2181"),
        ("oryx.input-topic.message.topic", "OryxInput"),
        ("oryx.update-topic.message.topic", "OryxUpdate"),
        ("oryx.update-topic.message.max-size", 16777216),
        ("oryx.batch.streaming.deploy-mode", "client"),
        ("oryx.batch.streaming.generation-interval-sec", 21600),
        ("oryx.batch.streaming.executor-memory", "2g"),
        ("oryx.batch.update-class", None),
        ("oryx.batch.storage.data-dir", "file:/tmp/Oryx/data/"),
        ("oryx.batch.storage.max-age-data-hours", -1),
        ("oryx.batch.ui.port", 4040),
        ("oryx.speed.streaming.generation-interval-sec", 10),
        ("oryx.speed.streaming.driver-memory", "512m"),
        ("oryx.speed.min-model-load-fraction", 0.8),
        ("oryx.serving.memory", "4000m"),
        ("oryx.serving.yarn.cores", "4"),
        ("oryx.serving.api.port", 80),
        ("oryx.serving.api.secure-port", 443),
        ("oryx.serving.api.context-path", "/"),
        ("oryx.serving.api.read-only", False),
        ("oryx.serving.application-resources", None),
        ("oryx.ml.eval.test-fraction", 0.1),
        ("oryx.ml.eval.candidates", 8),
        ("oryx.ml.eval.hyperparam-search", "random"),
        ("oryx.ml.eval.threshold", None),
        ("oryx.als.iterations", 10),
        ("oryx.als.implicit", True),
        ("oryx.als.hyperparams.epsilon", 0.00001),
        ("oryx.als.decay.factor", 1.0),
        ("oryx.als.sample-rate", 1.0),
        ("oryx.kmeans.initialization-strategy", "k-means||"),
        ("oryx.kmeans.evaluation-strategy", "SILHOUETTE"),
        ("oryx.kmeans.hyperparams.k", 10),
        ("oryx.rdf.num-trees", 20),
        ("oryx.rdf.hyperparams.impurity", "entropy"),
        ("oryx.input-schema.feature-names", []),
        ("oryx.input-schema.numeric-features", None),
    ],
)
def test_default_is_oryx_2_default(defaults: OryxConfig, key: str, expected: object) -> None:
    assert defaults.get_value(key) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("oryx.batch.streaming.master", "local[*]"),
        ("oryx.speed.streaming.master", "local[*]"),
        ("oryx.speed.streaming.checkpoint-dir", None),
        ("oryx.serving.api.workers", 2),
        ("oryx.serving.api.threads", 8),
        ("oryx.serving.api.max-request-bytes", 67108864),
        ("oryx.serving.api.cert-file", None),
        ("oryx.serving.api.key-file", None),
    ],
)
def test_default_of_our_own_keys(defaults: OryxConfig, key: str, expected: object) -> None:
    assert defaults.get_value(key) == expected


def test_default_streaming_config_is_copied_into_both_layers(defaults: OryxConfig) -> None:
    expected = {
        "spark.io.compression.codec": "lzf",
        "spark.speculation": "true",
        "spark.logConf": "true",
        "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
        "spark.ui.showConsoleProgress": "false",
    }
    assert defaults.spark_conf("batch") == expected
    assert defaults.spark_conf("speed") == expected


# ---- layering and overrides --------------------------------------------------------------------------


def test_user_file_overrides_reference_and_keeps_the_rest(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "oryx { id = mine, als.iterations = 3 }")
    config = load_config(conf)
    assert config.get_string("oryx.id") == "mine"
    assert config.get_int("oryx.als.iterations") == 3
    assert config.get_bool("oryx.als.implicit") is True


def test_overrides_win_over_user_file(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "oryx.ml.eval.candidates = 2")
    config = load_config(conf, ["-D oryx.ml.eval.candidates=5"])
    assert config.get_int("oryx.ml.eval.candidates") == 5


def test_user_streaming_config_merges_with_the_spark_defaults(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, 'oryx.batch.streaming.config { spark.executor.cores = 2, "spark.a.b" = x }')
    spark = load_config(conf).spark_conf("batch")
    assert spark["spark.executor.cores"] == "2"
    assert spark["spark.a.b"] == "x"
    assert spark["spark.io.compression.codec"] == "lzf"


def test_null_spark_setting_removes_the_default(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "oryx.speed.streaming.config.spark.speculation = null")
    assert "spark.speculation" not in load_config(conf).spark_conf("speed")


def test_user_substitution_sees_reference_values_and_overrides(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "oryx.speed.ui.port = ${oryx.batch.ui.port}")
    assert load_config(conf).get_int("oryx.speed.ui.port") == 4040
    assert load_config(conf, ["oryx.batch.ui.port=5050"]).get_int("oryx.speed.ui.port") == 5050


@pytest.mark.parametrize(
    ("override", "key", "expected"),
    [
        ("-D oryx.ml.eval.candidates=3", "oryx.ml.eval.candidates", 3),
        ("-Doryx.ml.eval.test-fraction=0.25", "oryx.ml.eval.test-fraction", 0.25),
        ("oryx.serving.api.read-only=true", "oryx.serving.api.read-only", True),
        ("-D oryx.id=foo", "oryx.id", "foo"),
        ('-D oryx.id="42"', "oryx.id", "42"),
        ("-D oryx.ml.eval.threshold=null", "oryx.ml.eval.threshold", None),
        ("oryx.rdf.hyperparams.max-depth=[4, 8]", "oryx.rdf.hyperparams.max-depth", [4, 8]),
        ("oryx.batch.streaming.master=local[2]", "oryx.batch.streaming.master", "local[2]"),
        ("oryx.input-topic.broker=h1:9092,h2:9092", "oryx.input-topic.broker", "h1:9092,h2:9092"),
        ("oryx.serving.memory=512m", "oryx.serving.memory", "512m"),
    ],
)
def test_override_value_is_read_as_hocon_or_kept_as_text(override: str, key: str, expected: object) -> None:
    assert load_config(overrides=[override]).get_value(key) == expected


def test_overrides_as_mapping_are_typed() -> None:
    config = load_config(overrides={"oryx.ml.eval.candidates": "4", "oryx.ml.eval.parallelism": 2})
    assert config.get_value("oryx.ml.eval.candidates") == 4
    assert config.get_value("oryx.ml.eval.parallelism") == 2


def test_argv_style_lone_dash_d_is_skipped() -> None:
    assert load_config(overrides=["-D", "oryx.id=x"]).get_string("oryx.id") == "x"


def test_override_without_equals_names_it() -> None:
    with pytest.raises(ConfigError, match="oryx.id"):
        load_config(overrides=["-Doryx.id"])


def test_unquoted_duration_like_value_in_file_stays_a_string(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "oryx.speed.streaming.driver-memory = 768m")
    assert load_config(conf).get_string("oryx.speed.streaming.driver-memory") == "768m"


def test_missing_config_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.conf"):
        load_config(tmp_path / "nope.conf")


def test_syntax_error_names_the_file(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "oryx { id = ", name="broken.conf")
    with pytest.raises(ConfigError, match="broken.conf"):
        load_config(conf)


# ---- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("oryx.ml.eval.test-fraction", "1.5"),
        ("oryx.ml.eval.test-fraction", "-0.1"),
        ("oryx.speed.min-model-load-fraction", "1.01"),
        ("oryx.serving.min-model-load-fraction", "-1"),
        ("oryx.als.sample-rate", "0"),
        ("oryx.als.sample-rate", "1.1"),
        ("oryx.als.decay.factor", "0"),
        ("oryx.als.decay.factor", "2"),
        ("oryx.batch.streaming.generation-interval-sec", "0"),
        ("oryx.batch.streaming.generation-interval-sec", "1.5"),
        ("oryx.speed.streaming.generation-interval-sec", "0"),
        ("oryx.speed.streaming.generation-interval-sec", "-0.5"),
        ("oryx.batch.storage.max-age-data-hours", "-2"),
        ("oryx.batch.storage.max-age-model-hours", "-5"),
        ("oryx.ml.eval.candidates", "0"),
        ("oryx.ml.eval.parallelism", "0"),
        ("oryx.ml.eval.hyperparam-search", "bayesian"),
        ("oryx.kmeans.hyperparams.k", "1"),
        ("oryx.rdf.num-trees", "0"),
        ("oryx.kmeans.initialization-strategy", "kmeans++"),
        ("oryx.kmeans.evaluation-strategy", "silhouette"),
        ("oryx.serving.api.port", "65536"),
        ("oryx.serving.api.port", "-1"),
        ("oryx.update-topic.message.max-size", "0"),
        ("oryx.update-topic.message.max-size", "67108865"),
        ("oryx.ml.eval.candidates", "many"),
        ("oryx.ml.eval.test-fraction", "null"),
        ("oryx.serving.api.workers", "0"),
    ],
)
def test_invalid_value_error_names_its_key(key: str, bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(overrides=[f"{key}={bad}"])
    assert caught.value.key == key
    assert key in str(caught.value)


@pytest.mark.parametrize(
    ("key", "edge"),
    [
        ("oryx.ml.eval.test-fraction", 0),
        ("oryx.ml.eval.test-fraction", 1),
        ("oryx.als.sample-rate", 1),
        ("oryx.speed.streaming.generation-interval-sec", 0.5),
        ("oryx.batch.storage.max-age-data-hours", 0),
        ("oryx.batch.storage.max-age-model-hours", -1),
        ("oryx.serving.api.port", 0),
        ("oryx.update-topic.message.max-size", 67108864),
        ("oryx.kmeans.hyperparams.k", [2, 20]),
        ("oryx.ml.eval.hyperparam-search", "grid"),
    ],
)
def test_edge_values_are_accepted(key: str, edge: object) -> None:
    assert load_config(overrides={key: edge}).get_value(key) == edge


def test_validate_class_key_names_the_unset_key(defaults: OryxConfig) -> None:
    with pytest.raises(ConfigError, match="oryx.batch.update-class"):
        validate_class_key(defaults, "oryx.batch.update-class")


# ---- typed getters -----------------------------------------------------------------------------------


def test_wrong_type_error_names_key_and_value(defaults: OryxConfig) -> None:
    with pytest.raises(ConfigError, match=r"oryx\.batch\.storage\.data-dir.*integer"):
        defaults.get_int("oryx.batch.storage.data-dir")


def test_missing_key_error_names_key(defaults: OryxConfig) -> None:
    with pytest.raises(ConfigError, match="oryx.no.such.key"):
        defaults.get_string("oryx.no.such.key")


def test_null_is_absent_for_has_and_optional_getters(defaults: OryxConfig) -> None:
    assert not defaults.has("oryx.id")
    assert defaults.get_optional_string("oryx.id") is None
    assert defaults.get_optional_float("oryx.ml.eval.threshold") is None
    with pytest.raises(ConfigError, match="oryx.id.*null"):
        defaults.get_string("oryx.id")


def test_numeric_strings_are_read_as_numbers_like_typesafe(tmp_path: Path) -> None:
    config = load_config(write_conf(tmp_path, 'oryx.serving.api.port = "8080"\noryx.serving.api.read-only = "yes"'))
    assert config.get_int("oryx.serving.api.port") == 8080
    assert config.get_bool("oryx.serving.api.read-only") is True
    assert config.get_string("oryx.batch.ui.port") == "4040"


def test_get_tree_is_a_detached_plain_dict(defaults: OryxConfig) -> None:
    tree = defaults.get_tree("oryx.kmeans.hyperparams")
    assert tree == {"k": 10}
    tree["k"] = 99
    assert defaults.get_int("oryx.kmeans.hyperparams.k") == 10


def test_spark_conf_rejects_unknown_layer(defaults: OryxConfig) -> None:
    with pytest.raises(ConfigError, match="serving"):
        defaults.spark_conf("serving")


# ---- serialization -----------------------------------------------------------------------------------


def test_redacted_hides_passwords(tmp_path: Path) -> None:
    conf = write_conf(
        tmp_path,
        'oryx.serving.api { user-name = "ann", password = "s3cret", keystore-password = "k3y" }',
    )
    text = load_config(conf).redacted()
    assert "s3cret" not in text
    assert "k3y" not in text
    assert 'password = "*****"' in text
    assert '"ann"' in text


def test_redacted_hides_s3a_keys_and_tokens_as_spark_does(tmp_path: Path) -> None:
    conf = write_conf(
        tmp_path,
        'oryx.batch.streaming.config { "spark.hadoop.fs.s3a.access.key" = "AKIA1", '
        '"spark.hadoop.fs.s3a.secret.key" = "SK2", "spark.hadoop.fs.s3a.session.token" = "T3", '
        '"spark.hadoop.fs.s3a.endpoint" = "http://127.0.0.1:9000" }',
    )
    text = load_config(conf).redacted()
    assert [secret for secret in ("AKIA1", "SK2", "T3") if secret in text] == []
    assert text.count('"*****"') == 3
    assert '"http://127.0.0.1:9000"' in text


def test_to_hocon_round_trips_through_load_config(tmp_path: Path) -> None:
    original = load_config(
        FIXTURES / "rdf-classification-example.conf",
        {
            "oryx.id": '"quote\\" back\\\\slash ${not} #hash é"',
            'oryx.batch.streaming.config."spark.a.b"': "1",
            "oryx.serving.api.password": "pw",
            "oryx.rdf.hyperparams.impurity": '["gini", "entropy"]',
            "oryx.als.hyperparams.lambda": "[0.0001, 1]",
        },
    )
    reloaded = load_config(write_conf(tmp_path, original.to_hocon(), name="effective.conf"))
    assert reloaded.as_dict() == original.as_dict()
    assert reloaded.get_string("oryx.id") == 'quote" back\\slash ${not} #hash é'
    assert reloaded.spark_conf("batch")["spark.a.b"] == "1"


# ---- topic settings and state folder -----------------------------------------------------------------


def test_topic_settings_defaults(defaults: OryxConfig) -> None:
    assert topic_settings(defaults) == TopicSettings(
        input_broker="localhost:9092",
        input_topic="OryxInput",
        update_broker="localhost:9092",
        update_topic="OryxUpdate",
        max_message_bytes=16777216,
    )


def test_null_update_topic_turns_publishing_off() -> None:
    settings = topic_settings(load_config(overrides=["oryx.update-topic.message.topic=null"]))
    assert settings.update_topic is None
    assert not settings.publishes_updates


def test_state_dir_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path / "state"))
    assert state_dir() == tmp_path / "state"


def test_state_dir_defaults_to_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORYX_STATE_DIR", raising=False)
    import oryx_core

    project_root = Path(oryx_core.__file__).resolve().parent.parent
    assert (project_root / "pyproject.toml").is_file()
    assert state_dir() == project_root / ".oryx"
