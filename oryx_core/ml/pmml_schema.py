"""PMML ``DataDictionary`` and ``MiningSchema`` built from, and checked against, the configured input schema.

k-means and RDF write the same two elements and every layer that loads their model checks it against
``oryx.input-schema`` first (Oryx 2 does the same), so a model trained under another schema is refused with a
message rather than scoring garbage. Categorical values are listed in encoding order: the position of a value in
its ``DataField`` is its integer encoding, which the speed and serving layers read back from the model.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import PMMLError, add_child, find_child, find_children

__all__ = [
    "add_data_dictionary",
    "add_mining_schema",
    "categorical_values",
    "check_data_dictionary",
]


def add_data_dictionary(
    root: ET.Element, schema: InputSchema, categories: Mapping[str, Sequence[str]] | None = None
) -> ET.Element:
    """Every schema column as a ``DataField``: numeric ones continuous doubles, the others categorical strings.

    ``categories`` maps a categorical column to its values in encoding order (each becomes a ``Value``).
    """
    categories = categories or {}
    dictionary = add_child(root, "DataDictionary", {"numberOfFields": len(schema.names)})
    for name in schema.names:
        if schema.is_numeric(name):
            add_child(dictionary, "DataField", {"name": name, "optype": "continuous", "dataType": "double"})
            continue
        field = add_child(dictionary, "DataField", {"name": name, "optype": "categorical", "dataType": "string"})
        for value in categories.get(name, ()):
            add_child(field, "Value", {"value": value})
    return dictionary


def add_mining_schema(
    model: ET.Element, schema: InputSchema, importances: Mapping[str, float] | None = None
) -> ET.Element:
    """Predictors active (with an ``importance`` when given), the target predicted, ID and ignored columns
    supplementary — Oryx 2's layout, which independent evaluators also accept."""
    mining = add_child(model, "MiningSchema")
    for name in schema.names:
        attributes: dict[str, object] = {"name": name}
        if name == schema.target:
            attributes["usageType"] = "predicted"
        elif name in schema.predictors:
            attributes["usageType"] = "active"
            if importances is not None and name in importances:
                attributes["importance"] = float(importances[name])
        else:
            attributes["usageType"] = "supplementary"
        add_child(mining, "MiningField", attributes)
    return mining


def categorical_values(root: ET.Element) -> dict[str, list[str]]:
    """Column -> its categorical values in encoding order, read from the model's ``DataDictionary``."""
    dictionary = find_child(root, "DataDictionary")
    if dictionary is None:
        raise PMMLError("the model has no DataDictionary")
    return {
        field.get("name", ""): [value.get("value", "") for value in find_children(field, "Value")]
        for field in find_children(dictionary, "DataField")
        if field.get("optype") == "categorical"
    }


def check_data_dictionary(root: ET.Element, schema: InputSchema) -> None:
    """PMMLError unless the model's columns are the schema's columns, in order, with the same kinds."""
    dictionary = find_child(root, "DataDictionary")
    if dictionary is None:
        raise PMMLError("the model has no DataDictionary")
    fields = find_children(dictionary, "DataField")
    names = tuple(field.get("name", "") for field in fields)
    if names != schema.names:
        raise PMMLError(f"the model's columns {list(names)} differ from oryx.input-schema's {list(schema.names)}")
    for field in fields:
        name = field.get("name", "")
        model_numeric = field.get("optype") == "continuous"
        if (name in schema.predictors or name == schema.target) and model_numeric != schema.is_numeric(name):
            kind = "numeric" if model_numeric else "categorical"
            raise PMMLError(f"column {name!r} is {kind} in the model but not in oryx.input-schema")
