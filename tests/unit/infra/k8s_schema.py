"""Strict validation of Kubernetes objects against the official Python client's generated models.

Shared by the infra tests. ``build_model`` walks a YAML value alongside the model's ``openapi_types`` and
``attribute_map``: unknown keys and wrongly typed values are errors, and constructing each model enforces its
required fields (the generated constructors raise ``ValueError`` for a missing one).
"""

from __future__ import annotations

from typing import Any

import kubernetes.client.models as k8s_models

PRIMITIVES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "bool": (bool,), "float": (int, float)}


class SchemaError(ValueError):
    """A manifest does not match the Kubernetes model at ``path``."""


def build_model(value: Any, type_name: str, path: str) -> Any:
    """``value`` as an instance of the client's ``type_name`` (e.g. "V1Deployment", "list[V1EnvVar]"), strictly."""
    if type_name.startswith("list["):
        if not isinstance(value, list):
            raise SchemaError(f"{path}: expected a list, got {value!r}")
        return [build_model(item, type_name[5:-1], f"{path}[{i}]") for i, item in enumerate(value)]
    if type_name.startswith(("dict[", "dict(")):  # "dict[str, str]" (older clients wrote "dict(str, str)")
        if not isinstance(value, dict):
            raise SchemaError(f"{path}: expected a mapping, got {value!r}")
        inner = type_name[5:-1].split(", ", 1)[1]
        return {key: build_model(item, inner, f"{path}.{key}") for key, item in value.items()}
    if type_name == "object":  # IntOrString and free-form fields
        return value
    if type_name in ("str", "datetime"):
        if not isinstance(value, str):
            raise SchemaError(f"{path}: expected a string, got {value!r} (quote numbers such as quantities)")
        return value
    if type_name in PRIMITIVES:
        expected = PRIMITIVES[type_name]
        if not isinstance(value, expected) or (type_name != "bool" and isinstance(value, bool)):
            raise SchemaError(f"{path}: expected {type_name}, got {value!r}")
        return value
    model = getattr(k8s_models, type_name)
    if not isinstance(value, dict):
        raise SchemaError(f"{path}: expected a {type_name} mapping, got {value!r}")
    fields = {json_key: attr for attr, json_key in model.attribute_map.items()}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise SchemaError(f"{path}: unknown field(s) {unknown} for {type_name}; valid: {sorted(fields)}")
    kwargs = {
        fields[key]: build_model(item, model.openapi_types[fields[key]], f"{path}.{key}") for key, item in value.items()
    }
    try:
        return model(**kwargs)
    except ValueError as error:  # the generated constructors reject missing required fields
        raise SchemaError(f"{path}: {error}") from error
