"""Property tests: any forest read from PMML, fed any row, answers what a plain walk over the PMML answers.

Forests are random (depths up to 6, numeric ``greaterThan``/``greaterOrEqual`` and categorical splits, the ``True``
child second or first, ``defaultChild`` or ``none`` missing-value strategies, nodes naming a ``defaultChild`` or
not, weighted segments); rows carry hostile numbers (-2, ±1e308, ±inf, NaN, -0.0, subnormals), unseen and
missing categories. The compiled forest is what bulk ``/predict`` and the batch layer's evaluation
(``oryx_assets.apps.rdf``) run, so it is checked here directly; the object forest is what single
``/predict`` runs. Examples come from the ``oryx`` Hypothesis profile (``tests/hypothesis_profiles.py``).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from support.rdf_forests import all_close, forests, oracle, rows, schema_overrides

from oryx_core.apps.rdf.compiled import CompiledForest
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_from_pmml
from oryx_core.apps.rdf.trees import Forest
from oryx_core.config import load_config
from oryx_core.input.lines import parse_line
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import read_pmml

SCHEMAS = {kind: InputSchema.from_config(load_config(None, schema_overrides(kind))) for kind in (True, False)}


def read(text: str, classification: bool) -> tuple[Forest, Encodings]:
    return forest_from_pmml(read_pmml(text), SCHEMAS[classification])


def vectors(encodings: Encodings, lines: list[str]) -> np.ndarray:
    return np.array([encodings.prediction_features(parse_line(line)).vector for line in lines], dtype=np.float64)


@given(document=forests(classification=True), lines=st.lists(rows, min_size=1, max_size=25))
def test_classification_forests_answer_like_the_pmml_walk(document: str, lines: list[str]) -> None:
    forest, encodings = read(document, True)
    x = vectors(encodings, lines)
    compiled = CompiledForest(forest)
    distributions = compiled.distributions(x)
    indices = compiled.predict_class_indices(x)
    for line, vector, row, index in zip(lines, x, distributions, indices, strict=True):
        expected = oracle(document, line)
        assert all_close(forest.distribution(list(vector)).tolist(), expected.probabilities or ()), line
        assert all_close(row.tolist(), expected.probabilities or ()), line
        assert expected.accepts_class(int(index)), (line, row.tolist(), expected)
    # Single and bulk /predict never disagree: both sum the same products in the same order.
    assert compiled.predict(x) == [forest.predict(list(vector)) for vector in x]


@given(document=forests(classification=False), lines=st.lists(rows, min_size=1, max_size=25))
def test_regression_forests_answer_like_the_pmml_walk(document: str, lines: list[str]) -> None:
    forest, encodings = read(document, False)
    x = vectors(encodings, lines)
    values = CompiledForest(forest).predict_values(x)
    for line, vector, value in zip(lines, x, values, strict=True):
        expected = oracle(document, line)
        assert expected.accepts_value(float(value)), (line, float(value), expected)
        assert forest.predict_value(list(vector)) == float(value), line


any_float = st.one_of(st.floats(), st.sampled_from([-2.0, -1e308, 1e308, math.inf, -math.inf, -0.0, 5e-324, 2.5]))


@given(
    document=forests(classification=True),
    x=st.lists(st.lists(any_float, min_size=4, max_size=4), min_size=1, max_size=25),
)
def test_any_float_in_any_column_routes_the_compiled_forest_like_the_object_forest(
    document: str, x: list[list[float]]
) -> None:
    """Vectors no encoder makes (fractional or negative codes, ±inf in a categorical column) included."""
    forest, _ = read(document, True)
    compiled = CompiledForest(forest).distributions(np.array(x, dtype=np.float64))
    assert compiled.tolist() == [forest.distribution(vector).tolist() for vector in x]
