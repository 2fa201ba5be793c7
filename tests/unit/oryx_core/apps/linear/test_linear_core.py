"""Linear app core: schema rules, line parsing, mergeable ridge statistics, the PMML codec and the lambda rule."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.linear.examples import linear_schema, parse_datum, parse_example, parse_examples
from oryx_core.apps.linear.model import LinearModel, RegressionStats
from oryx_core.apps.linear.pmml import build_linear_pmml, read_linear_pmml, read_target_mean
from oryx_core.config import ConfigError, OryxConfig, load_config
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import PMMLError, find_child, find_children, read_pmml, write_pmml

SCHEMA_KEYS = [
    'oryx.input-schema.feature-names=["id", "a", "b", "y"]',
    'oryx.input-schema.id-features=["id"]',
    "oryx.input-schema.categorical-features=[]",
    "oryx.input-schema.target-feature=y",
]


def config(*extra: str) -> OryxConfig:
    return load_config(None, [*SCHEMA_KEYS, *extra])


@pytest.fixture(scope="module")
def schema() -> InputSchema:
    return linear_schema(config())


def test_schema_needs_a_numeric_target() -> None:
    with pytest.raises(ConfigError, match="must be numeric for linear regression") as caught:
        linear_schema(config('oryx.input-schema.categorical-features=["y"]'))
    assert caught.value.key == "oryx.input-schema.target-feature"


def test_schema_needs_numeric_predictors() -> None:
    with pytest.raises(ConfigError, match=r"categorical: \['a'\]"):
        linear_schema(
            config('oryx.input-schema.numeric-features=["b", "y"]', "oryx.input-schema.categorical-features=null")
        )


def test_a_training_line_gives_predictors_and_target(schema: InputSchema) -> None:
    assert parse_example(schema, "u1,1.5,-2,10") == ([1.5, -2.0], 10.0)
    assert parse_example(schema, '["u1", "1.5", "-2", "10"]') == ([1.5, -2.0], 10.0)


@pytest.mark.parametrize(
    ("line", "reason"),
    [("u1,1.5,-2,", "no value for the target 'y'"), ("u1,1.5,-2", "has 3 fields, expected 4"), ("u1,x,2,3", "'x'")],
)
def test_bad_training_lines_say_why(schema: InputSchema, line: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_example(schema, line)


def test_a_datum_may_leave_the_target_empty(schema: InputSchema) -> None:
    assert parse_datum(schema, "u1,1.5,-2,") == [1.5, -2.0]
    with pytest.raises(ValueError, match=r"no value for \['b'\]"):
        parse_datum(schema, "u1,1.5,,")


def test_parse_examples_keeps_good_lines_and_names_bad_ones(schema: InputSchema) -> None:
    features, targets, bad = parse_examples(schema, ["u1,1,2,3", None, "u2,3,4,", "u3,5,6,7"])
    assert features.tolist() == [[1.0, 2.0], [5.0, 6.0]]
    assert targets.tolist() == [3.0, 7.0]
    assert bad == ["None: is null", "'u2,3,4,': has no value for the target 'y'"]


def synthetic(rows: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.normal([100.0, -5.0], [3.0, 0.01], size=(rows, 2))
    return features, 4.0 + features @ np.array([2.0, -300.0])


def test_without_penalty_the_fit_recovers_exact_coefficients() -> None:
    features, targets = synthetic(50)
    model = RegressionStats.of(features, targets).fit(0.0)
    assert model.coefficients == pytest.approx([2.0, -300.0], rel=1e-9)
    assert model.intercept == pytest.approx(4.0, abs=1e-6)


def test_statistics_merged_by_parts_equal_those_of_the_whole() -> None:
    features, targets = synthetic(101)
    whole = RegressionStats.of(features, targets)
    parts = RegressionStats.empty(2)
    for start in (0, 7, 60):
        end = {0: 7, 7: 60, 60: 101}[start]
        parts = parts.merge(RegressionStats.of(features[start:end], targets[start:end]))
    assert parts.count == 101
    np.testing.assert_allclose(parts.xx, whole.xx, rtol=1e-9)
    np.testing.assert_allclose(parts.xy, whole.xy, rtol=1e-9)
    assert parts.mean_y == pytest.approx(whole.mean_y, rel=1e-12)


def test_the_penalty_shrinks_standardised_coefficients_alike() -> None:
    """λ = 1 halves each coefficient on uncorrelated features whatever their units: (C + C) β = c."""
    rng = np.random.default_rng(0)
    features = np.column_stack([rng.choice([-1.0, 1.0], 400), 1000.0 * rng.choice([-1.0, 1.0], 400)])
    targets = features @ np.array([3.0, 0.002])
    plain = RegressionStats.of(features, targets).fit(0.0).coefficients
    shrunk = RegressionStats.of(features, targets).fit(1.0).coefficients
    np.testing.assert_allclose(shrunk / plain, [0.5, 0.5], rtol=0.05)


def test_a_constant_feature_gets_no_weight() -> None:
    features = np.column_stack([np.arange(10.0), np.full(10, 7.0)])
    model = RegressionStats.of(features, 1.0 + 2.0 * features[:, 0]).fit(0.0)
    assert model.coefficients == pytest.approx([2.0, 0.0], abs=1e-9)
    assert model.predict(np.array([3.0, 7.0])) == pytest.approx(7.0)


def test_no_rows_cannot_be_fitted() -> None:
    with pytest.raises(ValueError, match="no training rows"):
        RegressionStats.empty(2).fit(0.1)


MODEL = LinearModel(0.1, np.array([1.0 / 3.0, -2.5e-300]))


def test_pmml_is_a_regression_model_that_round_trips_exactly(schema: InputSchema) -> None:
    root = build_linear_pmml(schema, MODEL, 0.01, 2.5, 0)
    regression = find_child(root, "RegressionModel")
    assert regression is not None and regression.get("functionName") == "regression"
    table = find_child(regression, "RegressionTable")
    assert table is not None and table.get("intercept") == "0.1"
    predictors = [(p.get("name"), p.get("coefficient")) for p in find_children(table, "NumericPredictor")]
    assert predictors == [("a", repr(1.0 / 3.0)), ("b", "-2.5e-300")]
    back = read_linear_pmml(read_pmml(write_pmml(root)), schema)
    assert back.intercept == 0.1
    assert back.coefficients.tolist() == MODEL.coefficients.tolist()
    assert read_target_mean(root) == 2.5


def test_pmml_of_another_schema_or_missing_a_predictor_is_refused(schema: InputSchema) -> None:
    other = linear_schema(config('oryx.input-schema.feature-names=["id", "a", "c", "y"]'))
    with pytest.raises(PMMLError, match="differ from oryx.input-schema"):
        read_linear_pmml(build_linear_pmml(other, MODEL, 0.0, 0.0), schema)
    root = build_linear_pmml(schema, MODEL, 0.0, 0.0)
    table = find_child(find_child(root, "RegressionModel"), "RegressionTable")
    table.remove(find_children(table, "NumericPredictor")[1])
    with pytest.raises(PMMLError, match=r"missing \['b'\]"):
        read_linear_pmml(root, schema)


@pytest.mark.parametrize("value", ["-0.5", "[-1, 2]", '["a"]'])
def test_a_penalty_below_zero_or_not_a_number_stops_loading(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(None, [f"oryx.linear.hyperparams.lambda={value}"])
    assert caught.value.key == "oryx.linear.hyperparams.lambda"


def test_the_default_penalty_range_is_loaded_from_the_app_reference_conf() -> None:
    assert load_config().get_value("oryx.linear.hyperparams.lambda") == [0.000001, 1.0]
