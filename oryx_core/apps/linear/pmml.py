"""The linear model's PMML: a ``RegressionModel`` (``functionName="regression"``) with one ``RegressionTable``.

``DataDictionary`` and ``MiningSchema`` come from ``oryx.input-schema``; the table's ``intercept`` and one
``NumericPredictor`` (``exponent`` 1) per active feature hold the model. Numbers are written in Python's shortest
round-trip form, so a model read back predicts bit for bit what the batch layer evaluated. On read, the
document is checked against the configured schema and every predictor must be named exactly once.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from oryx_core.apps.linear.model import LinearModel
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import (
    PMMLError,
    add_child,
    add_extension,
    find_child,
    find_children,
    get_extension,
    pmml_skeleton,
)
from oryx_core.ml.pmml_schema import add_data_dictionary, add_mining_schema, check_data_dictionary

__all__ = ["TARGET_MEAN", "build_linear_pmml", "read_linear_pmml", "read_target_mean"]

TARGET_MEAN = "trainingTargetMean"


def build_linear_pmml(
    schema: InputSchema, model: LinearModel, penalty: float, target_mean: float, timestamp_ms: int | None = None
) -> ET.Element:
    """The whole document; ``penalty`` (λ) is recorded in ``algorithmName`` for operators, and the training
    targets' mean in an Oryx-style ``Extension``: the baseline the batch layer scores the model against."""
    if len(model.coefficients) != len(schema.predictors):
        raise ValueError(f"{len(model.coefficients)} coefficients for {len(schema.predictors)} predictors")
    root = pmml_skeleton(timestamp_ms)
    add_extension(root, TARGET_MEAN, repr(float(target_mean)))
    add_data_dictionary(root, schema)
    regression = add_child(
        root,
        "RegressionModel",
        {"functionName": "regression", "algorithmName": f"ridge(lambda={penalty!r})"},
    )
    add_mining_schema(regression, schema)
    table = add_child(regression, "RegressionTable", {"intercept": repr(model.intercept)})
    for name, coefficient in zip(schema.predictors, model.coefficients, strict=True):
        add_child(table, "NumericPredictor", {"name": name, "exponent": 1, "coefficient": repr(float(coefficient))})
    return root


def _number(element: ET.Element, attribute: str) -> float:
    text = element.get(attribute)
    try:
        value = float(text) if text is not None else float("nan")
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise PMMLError(f"{element.tag.rsplit('}', 1)[-1]} has no finite {attribute}: {text!r}")
    return value


def read_linear_pmml(root: ET.Element, schema: InputSchema) -> LinearModel:
    """The model in ``root``; PMMLError for another schema, another model kind or a missing coefficient."""
    check_data_dictionary(root, schema)
    models = find_children(root, "RegressionModel")
    if len(models) != 1:
        raise PMMLError(f"a linear model needs exactly one RegressionModel, found {len(models)}")
    tables = find_children(models[0], "RegressionTable")
    if len(tables) != 1:
        raise PMMLError(f"a linear model needs exactly one RegressionTable, found {len(tables)}")
    coefficients: dict[str, float] = {}
    for predictor in find_children(tables[0], "NumericPredictor"):
        name = predictor.get("name", "")
        if name not in schema.predictors or name in coefficients:
            raise PMMLError(f"NumericPredictor {name!r} is not a predictor of the schema, or is repeated")
        if predictor.get("exponent", "1") not in ("1", "1.0"):
            raise PMMLError(f"NumericPredictor {name!r} has exponent {predictor.get('exponent')!r}; only 1 is read")
        coefficients[name] = _number(predictor, "coefficient")
    missing = [name for name in schema.predictors if name not in coefficients]
    if missing or find_child(tables[0], "CategoricalPredictor") is not None:
        raise PMMLError(f"the RegressionTable must have one NumericPredictor per predictor; missing {missing}")
    vector = np.array([coefficients[name] for name in schema.predictors], dtype=np.float64)
    return LinearModel(_number(tables[0], "intercept"), vector)


def read_target_mean(root: ET.Element) -> float:
    """The training targets' mean recorded by :func:`build_linear_pmml`; PMMLError when absent."""
    text = get_extension(root, TARGET_MEAN)
    if text is None:
        raise PMMLError(f"the model has no {TARGET_MEAN} Extension")
    return float(text)
