"""The effective configuration written out as text: HOCON that reads back to the same values (handed to child
processes), the same with secrets hidden (for logs), and flat ``spark.*`` pairs (for spark-submit).

Works on the plain nested dicts of ``OryxConfig.as_dict()``, so it needs nothing of pyhocon.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["flatten", "render_hocon", "spark_value"]

_REDACTED = "*****"
_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_HOCON_KEYWORDS = frozenset({"true", "false", "null", "include"})


def render_hocon(tree: dict[str, Any], *, redact: bool) -> str:
    """HOCON text of a plain nested dict; with ``redact``, every value whose key names a secret is hidden."""
    return "\n".join(_render_tree(tree, redact)) + "\n"


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


def flatten(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf as (dotted path, value), for settings such as Spark's that are flat ``a.b.c`` names."""
    for name, value in tree.items():
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict):
            yield from flatten(value, path)
        else:
            yield path, value


def spark_value(value: Any) -> str:
    """A value as Spark reads it from ``--conf``: ``true``/``false``, lists comma-joined, the rest as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(spark_value(v) for v in value)
    return str(value)
