"""Oryx 2 compatible HOCON configuration: loading, typed access, validation and the topic settings.

Layering follows Typesafe Config's ``ConfigFactory.load()`` as Oryx 2 uses it: the two reference files are
merged and resolved on their own, then the user's file and the ``-D`` overrides are laid over them and their
substitutions resolved against the whole. So Oryx 2's example files load unchanged.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyhocon import ConfigFactory, ConfigParser, ConfigTree, config_parser  # type: ignore[import-untyped]
from pyhocon.exceptions import ConfigException  # type: ignore[import-untyped]
from pyparsing import NoMatch, ParseBaseException

__all__ = [
    "ConfigError",
    "OryxConfig",
    "TopicSettings",
    "load_config",
    "state_dir",
    "topic_settings",
    "validate",
    "validate_class_key",
]

_PACKAGE_DIR = Path(__file__).resolve().parent
REFERENCE_FILES: tuple[Path, ...] = (_PACKAGE_DIR / "reference.conf", _PACKAGE_DIR / "apps" / "reference.conf")

_REDACTED = "*****"
_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_HOCON_KEYWORDS = frozenset({"true", "false", "null", "include"})
_TRUE_WORDS = frozenset({"true", "yes", "on"})
_FALSE_WORDS = frozenset({"false", "no", "off"})
_MISSING = object()


class ConfigError(ValueError):
    """A configuration problem, always naming the key (or file) at fault and what would be valid."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


# ---- parsing -------------------------------------------------------------------------------------------


_PARSE_LOCK = threading.Lock()


@contextlib.contextmanager
def _without_duration_literals() -> Iterator[None]:
    """pyhocon reads unquoted ``512m`` as 512 minutes; HOCON and Oryx 2 keep it the string "512m".

    pyhocon builds its grammar on every parse from this module-level factory, so swapping it for the
    duration of one parse is enough, and the lock keeps concurrent parses from seeing a half-swapped state.
    """
    with _PARSE_LOCK:
        original = config_parser.get_period_expr
        config_parser.get_period_expr = NoMatch
        try:
            yield
        finally:
            config_parser.get_period_expr = original


def _parse(text: str, source: str, *, resolve: bool, basedir: str | None = None) -> ConfigTree:
    try:
        with _without_duration_literals():
            return ConfigFactory.parse_string(text, basedir=basedir, resolve=resolve)
    except (ConfigException, ParseBaseException) as e:
        raise ConfigError(source, f"is not valid HOCON: {e}") from e


@functools.cache
def _resolved_reference() -> ConfigTree:
    """Parsed once per process: pyhocon builds its grammar on every parse, which costs about 0.1 s here."""
    merged = ConfigTree(root=True)
    for path in REFERENCE_FILES:
        merged = ConfigTree.merge_configs(merged, _parse(path.read_text("utf-8"), str(path), resolve=False))
    _resolve(merged, "reference.conf")
    return merged


def _reference_tree() -> ConfigTree:
    return copy.deepcopy(_resolved_reference())


def _resolve(tree: ConfigTree, source: str) -> None:
    try:
        ConfigParser.resolve_substitutions(tree)
    except ConfigException as e:
        raise ConfigError(source, f"has a substitution that cannot be resolved: {e}") from e


def _user_tree(conf_file: str | os.PathLike[str]) -> ConfigTree:
    path = Path(conf_file)
    if not path.is_file():
        raise ConfigError(str(path), "config file does not exist or is not a file")
    return _parse(path.read_text("utf-8"), str(path), resolve=False, basedir=str(path.resolve().parent))


def _override_pairs(overrides: Sequence[str] | Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Accepts ``key=value``, ``-Dkey=value`` and ``-D key=value``; a lone ``-D`` (argv style) is skipped."""
    if isinstance(overrides, Mapping):
        return [(key.strip(), value) for key, value in overrides.items()]
    items = [overrides] if isinstance(overrides, str) else list(overrides)
    pairs: list[tuple[str, Any]] = []
    for item in items:
        text = item.strip()
        text = text[2:].lstrip() if text.startswith("-D") else text
        if not text:
            continue
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise ConfigError(item, "override must look like key=value (optionally prefixed by -D)")
        pairs.append((key.strip(), value))
    return pairs


def _override_value(raw: Any) -> Any:
    """Reads a value as HOCON would (``3`` an int, ``null``, ``[a, b]``), else keeps the trimmed text.

    Unquoted strings keep their exact text (HOCON would strip ``# comments`` and collapse spaces), and text
    HOCON cannot parse on its own (``local[*]``, ``a,b``) is a plain string, like a Java system property.
    """
    if isinstance(raw, Mapping):
        return ConfigFactory.from_dict(raw)
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    try:
        with _without_duration_literals():
            parsed = ConfigFactory.parse_string(f"v = {text}").get("v")
    except (ConfigException, ParseBaseException):
        return text
    if isinstance(parsed, str) and not text.startswith('"'):
        return text
    return parsed


def _overrides_tree(overrides: Sequence[str] | Mapping[str, Any]) -> ConfigTree:
    tree = ConfigTree(root=True)
    for key, raw in _override_pairs(overrides):
        try:
            tree.put(key, _override_value(raw))
        except (ConfigException, ParseBaseException) as e:
            raise ConfigError(key, f"is not a valid config key path: {e}") from e
    return tree


def load_config(
    conf_file: str | os.PathLike[str] | None = None,
    overrides: Sequence[str] | Mapping[str, Any] = (),
) -> OryxConfig:
    """Builds the effective configuration: reference files < user file < overrides, then validates it."""
    tree = _reference_tree()
    if conf_file is not None:
        tree = ConfigTree.merge_configs(tree, _user_tree(conf_file))
    tree = ConfigTree.merge_configs(tree, _overrides_tree(overrides))
    _resolve(tree, str(conf_file) if conf_file is not None else "overrides")
    config = OryxConfig(tree)
    validate(config)
    return config


# ---- plain values and rendering ----------------------------------------------------------------------


def _key_name(key: str) -> str:
    """pyhocon stores keys that contain dots with their quotes; callers want the bare name."""
    return key[1:-1] if len(key) >= 2 and key[0] == '"' and key[-1] == '"' else key


def _plain(value: Any) -> Any:
    if isinstance(value, ConfigTree):
        return {_key_name(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _render_key(name: str) -> str:
    if _BARE_KEY.fullmatch(name) and name not in _HOCON_KEYWORDS:
        return name
    return json.dumps(name, ensure_ascii=False)


def _render_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


def _render_inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_render_key(k)} = {_render_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render_inline(v) for v in value) + "]"
    return _render_scalar(value)


_SECRET_KEY = re.compile(r"secret|password|token|access[.]key", re.IGNORECASE)
"""Spark's default ``spark.redaction.regex``: Oryx 2 hid only passwords, but S3A keys for the model store
(``spark.hadoop.fs.s3a.secret.key``...) now sit in this configuration, and every layer logs it at start."""


def _is_secret(name: str) -> bool:
    return _SECRET_KEY.search(name) is not None


def _folded(name: str, value: Any) -> tuple[str, Any]:
    """Folds one-child chains into a dotted path (``spark.io.compression.codec``) so Spark keys stay legible."""
    path = _render_key(name)
    while isinstance(value, dict) and len(value) == 1:
        name, value = next(iter(value.items()))
        path = f"{path}.{_render_key(name)}"
    return path, value


def _render_tree(tree: dict[str, Any], redact: bool, indent: int = 0) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    for name, outer_value in tree.items():
        key, value = _folded(name, outer_value)
        if redact and _is_secret(key) and value is not None:
            lines.append(f"{pad}{key} = {json.dumps(_REDACTED)}")
        elif isinstance(value, dict) and value:
            lines.append(f"{pad}{key} {{")
            lines.extend(_render_tree(value, redact, indent + 1))
            lines.append(f"{pad}}}")
        else:
            lines.append(f"{pad}{key} = {_render_inline(value)}")
    return lines


def _flatten(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, value in tree.items():
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict):
            yield from _flatten(value, path)
        else:
            yield path, value


def _spark_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_spark_value(v) for v in value)
    return str(value)


# ---- typed access ------------------------------------------------------------------------------------


def _as_int(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(key, f"must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    raise ConfigError(key, f"must be an integer, got {value!r}")


def _as_float(key: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value.strip())
    raise ConfigError(key, f"must be a number, got {value!r}")


def _as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.strip().lower() in _TRUE_WORDS
    raise ConfigError(key, f"must be true or false, got {value!r}")


def _as_string(key: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return _spark_value(value)
    raise ConfigError(key, f"must be a string, got {_plain(value)!r}")


class OryxConfig:
    """The effective configuration with typed getters whose errors name the key, like Typesafe's ``Config``.

    Keys are dotted paths (``oryx.batch.ui.port``); a segment holding dots is quoted
    (``oryx.batch.streaming.config."spark.x.y"``). Null and missing keys behave as in Oryx 2: ``has`` is false
    for both, and the non-optional getters reject both.
    """

    def __init__(self, tree: ConfigTree) -> None:
        self._tree = tree

    def _lookup(self, key: str) -> Any:
        try:
            return self._tree.get(key, _MISSING)
        except (ConfigException, ParseBaseException, AttributeError, TypeError):
            return _MISSING

    def _required(self, key: str) -> Any:
        value = self._lookup(key)
        if value is _MISSING:
            raise ConfigError(key, "is missing from the configuration")
        if value is None:
            raise ConfigError(key, "is null but needs a value")
        return value

    def has(self, key: str) -> bool:
        """True when the key is present and not null (Typesafe's ``hasPath``)."""
        return self._lookup(key) not in (_MISSING, None)

    def get_value(self, key: str) -> Any:
        """The raw value as plain Python (None for null), for keys of several types such as hyperparameters."""
        value = self._lookup(key)
        if value is _MISSING:
            raise ConfigError(key, "is missing from the configuration")
        return _plain(value)

    def get_string(self, key: str) -> str:
        return _as_string(key, self._required(key))

    def get_optional_string(self, key: str) -> str | None:
        return self.get_string(key) if self.has(key) else None

    def get_int(self, key: str) -> int:
        return _as_int(key, self._required(key))

    def get_float(self, key: str) -> float:
        return _as_float(key, self._required(key))

    def get_optional_float(self, key: str) -> float | None:
        return self.get_float(key) if self.has(key) else None

    def get_bool(self, key: str) -> bool:
        return _as_bool(key, self._required(key))

    def get_list(self, key: str) -> list[Any]:
        value = self._required(key)
        if not isinstance(value, list):
            raise ConfigError(key, f"must be a list like [a, b], got {_plain(value)!r}")
        return _plain(value)

    def get_optional_list(self, key: str) -> list[Any] | None:
        return self.get_list(key) if self.has(key) else None

    def get_tree(self, key: str) -> dict[str, Any]:
        """A detached plain-dict copy of an object, so callers cannot change the shared configuration."""
        value = self._required(key)
        if not isinstance(value, ConfigTree):
            raise ConfigError(key, f"must be an object like {{ a = 1 }}, got {value!r}")
        return _plain(value)

    def as_dict(self) -> dict[str, Any]:
        return _plain(self._tree)

    def spark_conf(self, layer: str) -> dict[str, str]:
        """Every ``spark.*`` setting of ``oryx.<layer>.streaming.config`` as spark-submit ``--conf`` pairs.

        Null values are left out, so a user file can drop a default such as ``spark.speculation = null``.
        """
        if layer not in ("batch", "speed"):
            raise ConfigError("layer", f"must be 'batch' or 'speed', got {layer!r}")
        key = f"oryx.{layer}.streaming.config"
        tree = self.get_tree(key) if self.has(key) else {}
        return {
            name: _spark_value(value)
            for name, value in _flatten(tree)
            if name.startswith("spark.") and value is not None
        }

    def to_hocon(self) -> str:
        """The whole effective configuration as HOCON that ``load_config`` reads back to the same values.

        Child processes get this instead of the original file, so they see the same overrides and
        resolved substitutions as their parent.
        """
        return "\n".join(_render_tree(self.as_dict(), redact=False)) + "\n"

    def redacted(self) -> str:
        """The configuration for logs, with every value whose key names a password, secret, token or access key
        hidden (Oryx 2 hid passwords; Spark's own redaction pattern covers the S3A keys too)."""
        return "\n".join(_render_tree(self.as_dict(), redact=True)) + "\n"

    def __repr__(self) -> str:
        return f"OryxConfig(id={self.get_optional_string('oryx.id')!r})"


# ---- validation ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    key: str
    read: Callable[[OryxConfig, str], float]
    ok: Callable[[float], bool]
    valid: str


def _int(config: OryxConfig, key: str) -> float:
    return config.get_int(key)


def _float(config: OryxConfig, key: str) -> float:
    value = config.get_float(key)
    if not math.isfinite(value):
        raise ConfigError(key, f"must be a finite number, got {value!r}")
    return value


def _fraction(key: str) -> _Rule:
    return _Rule(key, _float, lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]")


def _unit_interval(key: str) -> _Rule:
    return _Rule(key, _float, lambda v: 0.0 < v <= 1.0, "a number in (0, 1]")


def _at_least(key: str, low: int) -> _Rule:
    return _Rule(key, _int, lambda v: v >= low, f"an integer >= {low}")


def _max_age(key: str) -> _Rule:
    return _Rule(key, _int, lambda v: v >= 0 or v == -1, "an integer >= 0, or -1 to keep forever")


def _port(key: str) -> _Rule:
    return _Rule(key, _int, lambda v: 0 <= v <= 65535, "a port number in 0..65535")


_MAX_KAFKA_MESSAGE = 67108864

_NUMERIC_RULES: tuple[_Rule, ...] = (
    _fraction("oryx.ml.eval.test-fraction"),
    _fraction("oryx.speed.min-model-load-fraction"),
    _fraction("oryx.serving.min-model-load-fraction"),
    _unit_interval("oryx.als.sample-rate"),
    _unit_interval("oryx.als.decay.factor"),
    _Rule("oryx.batch.streaming.generation-interval-sec", _int, lambda v: v > 0, "an integer > 0 (seconds)"),
    _Rule("oryx.speed.streaming.generation-interval-sec", _float, lambda v: v > 0, "a number > 0 (seconds)"),
    _max_age("oryx.batch.storage.max-age-data-hours"),
    _max_age("oryx.batch.storage.max-age-model-hours"),
    _at_least("oryx.ml.eval.candidates", 1),
    _at_least("oryx.ml.eval.parallelism", 1),
    _at_least("oryx.ml.eval.min-test-rows", 0),
    _at_least("oryx.rdf.num-trees", 1),
    _port("oryx.serving.api.port"),
    _port("oryx.serving.api.secure-port"),
    _at_least("oryx.serving.api.workers", 1),
    _at_least("oryx.serving.api.threads", 1),
    _at_least("oryx.serving.api.max-request-bytes", 1),
    _Rule(
        "oryx.update-topic.message.max-size",
        _int,
        lambda v: 1 <= v <= _MAX_KAFKA_MESSAGE,
        f"an integer in 1..{_MAX_KAFKA_MESSAGE} (Kafka cannot carry larger messages)",
    ),
)

_CHOICE_RULES: dict[str, frozenset[str]] = {
    "oryx.ml.eval.hyperparam-search": frozenset({"random", "grid"}),
    "oryx.ml.eval.baseline-check": frozenset({"warn", "block", "off"}),
    "oryx.kmeans.initialization-strategy": frozenset({"k-means||", "random"}),
    "oryx.kmeans.evaluation-strategy": frozenset({"DAVIES_BOULDIN", "DUNN", "SILHOUETTE", "SSE"}),
}


def _check_numeric(config: OryxConfig, rule: _Rule) -> None:
    value = rule.read(config, rule.key)
    if not rule.ok(value):
        raise ConfigError(rule.key, f"must be {rule.valid}, got {config.get_value(rule.key)!r}")


def _check_choice(config: OryxConfig, key: str, choices: frozenset[str]) -> None:
    value = config.get_string(key)
    if value not in choices:
        raise ConfigError(key, f"must be one of {', '.join(sorted(choices))}; got {value!r}")


def _check_kmeans_k(config: OryxConfig) -> None:
    """Only a fixed k is checked here; ranges and choices are the hyperparameter search's to check."""
    key = "oryx.kmeans.hyperparams.k"
    value = config.get_value(key)
    if isinstance(value, int | float | str) and not isinstance(value, bool) and _as_float(key, value) <= 1:
        raise ConfigError(key, f"must be > 1 (at least two clusters), got {value!r}")


def _check_ml_eval(config: OryxConfig) -> None:
    config.get_bool("oryx.ml.eval.refit")
    key = "oryx.ml.eval.log-scale-hyperparams"
    names = config.get_list(key)
    if not all(isinstance(name, str) and name.strip() for name in names):
        raise ConfigError(key, f'must be a list of hyperparameter names such as ["lambda", "alpha"], got {names!r}')


def validate(config: OryxConfig) -> None:
    """Fails at start, naming the key, rather than hours later in a generation that reads a bad value."""
    for rule in _NUMERIC_RULES:
        _check_numeric(config, rule)
    for key, choices in _CHOICE_RULES.items():
        _check_choice(config, key, choices)
    _check_kmeans_k(config)
    _check_ml_eval(config)


def validate_class_key(config: OryxConfig, key: str) -> type:
    """Loads the class a key names, for the layer that needs it to check it when it starts."""
    from oryx_core import classnames  # classnames imports this module for ConfigError

    name = config.get_optional_string(key)
    if name is None:
        raise ConfigError(key, "is not set; name an Oryx 2 Java class or a Python class as package.module.Class")
    return classnames.load_class(name, key)


# ---- shared typed views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicSettings:
    """The Kafka settings every layer reads; a None update broker or topic means updates are not published."""

    input_broker: str
    input_topic: str
    update_broker: str | None
    update_topic: str | None
    max_message_bytes: int

    @property
    def publishes_updates(self) -> bool:
        return self.update_broker is not None and self.update_topic is not None


def topic_settings(config: OryxConfig) -> TopicSettings:
    return TopicSettings(
        input_broker=config.get_string("oryx.input-topic.broker"),
        input_topic=config.get_string("oryx.input-topic.message.topic"),
        update_broker=config.get_optional_string("oryx.update-topic.broker"),
        update_topic=config.get_optional_string("oryx.update-topic.message.topic"),
        max_message_bytes=config.get_int("oryx.update-topic.message.max-size"),
    )


def state_dir() -> Path:
    """Where local state (broker data, checkpoints, logs) lives: ``$ORYX_STATE_DIR``, the checkout, or home.

    A source checkout keeps its state beside the code so that several checkouts never share a broker; an
    installed package has no such folder and falls back to ``~/.oryx``.
    """
    configured = os.environ.get("ORYX_STATE_DIR")
    if configured:
        return Path(configured).expanduser()
    project_root = _PACKAGE_DIR.parent
    if (project_root / "pyproject.toml").is_file():
        return project_root / ".oryx"
    return Path.home() / ".oryx"
