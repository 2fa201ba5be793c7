"""The effective configuration as typed values: ``OryxConfig``'s getters, whose errors name the key, and
``ConfigError``, the one configuration error every layer reports.

Loading (reference files, the user's file, ``-D`` overrides) is ``oryx_core.config``'s; the rules a value must
meet are ``oryx_core.config_rules``'s.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pyhocon import ConfigTree  # type: ignore[import-untyped]
from pyhocon.exceptions import ConfigException  # type: ignore[import-untyped]
from pyparsing import ParseBaseException

from oryx_core.config_rendering import flatten, render_hocon, spark_value

__all__ = ["ConfigError", "OryxConfig"]

_TRUE_WORDS = frozenset({"true", "yes", "on"})
_FALSE_WORDS = frozenset({"false", "no", "off"})
_MISSING = object()


class ConfigError(ValueError):
    """A configuration problem, always naming the key (or file) at fault and what would be valid."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def _key_name(key: str) -> str:
    """pyhocon stores keys that contain dots with their quotes; callers want the bare name."""
    return key[1:-1] if len(key) >= 2 and key[0] == '"' and key[-1] == '"' else key


def _plain(value: Any) -> Any:
    if isinstance(value, ConfigTree):
        return {_key_name(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


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
        return spark_value(value)
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
            name: spark_value(value) for name, value in flatten(tree) if name.startswith("spark.") and value is not None
        }

    def to_hocon(self) -> str:
        """The whole effective configuration as HOCON that ``load_config`` reads back to the same values.

        Child processes get this instead of the original file, so they see the same overrides and
        resolved substitutions as their parent.
        """
        return render_hocon(self.as_dict(), redact=False)

    def redacted(self) -> str:
        """The configuration for logs, with every value whose key names a password, secret, token or access key
        hidden (Oryx 2 hid passwords; Spark's own redaction pattern covers the S3A keys too)."""
        return render_hocon(self.as_dict(), redact=True)

    def __repr__(self) -> str:
        return f"OryxConfig(id={self.get_optional_string('oryx.id')!r})"
