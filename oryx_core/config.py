"""Oryx 2 compatible HOCON configuration: loading, validation at load, and the views every layer shares.

Layering follows Typesafe Config's ``ConfigFactory.load()`` as Oryx 2 uses it: the two reference files are
merged and resolved on their own, then the user's file and the ``-D`` overrides are laid over them and their
substitutions resolved against the whole. So Oryx 2's example files load unchanged.

The typed getters and ``ConfigError`` live in ``config_values``, the rules in ``config_rules`` (each app's with
the app); this module is where callers get them all: ``from oryx_core.config import OryxConfig, load_config``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyhocon import ConfigFactory, ConfigParser, ConfigTree, config_parser  # type: ignore[import-untyped]
from pyhocon.exceptions import ConfigException  # type: ignore[import-untyped]
from pyparsing import NoMatch, ParseBaseException

from oryx_core.app_registry import registered_reference_texts
from oryx_core.classnames import load_class
from oryx_core.config_rules import validate
from oryx_core.config_values import ConfigError, OryxConfig

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
    texts = [(str(path), path.read_text("utf-8")) for path in REFERENCE_FILES] + registered_reference_texts()
    for source, text in texts:
        merged = ConfigTree.merge_configs(merged, _parse(text, source, resolve=False))
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


# ---- classes named by keys ---------------------------------------------------------------------------


def validate_class_key(config: OryxConfig, key: str) -> type:
    """Loads the class a key names, for the layer that needs it to check it when it starts."""
    name = config.get_optional_string(key)
    if name is None:
        raise ConfigError(key, "is not set; name an Oryx 2 Java class or a Python class as package.module.Class")
    return load_class(name, key)


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
