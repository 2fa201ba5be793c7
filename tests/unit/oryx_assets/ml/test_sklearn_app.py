"""The scikit-learn route: columns from the input schema, lines collected and parsed, PMML out, scores in."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from sklearn.datasets import load_iris
from sklearn.metrics import log_loss
from sklearn.tree import DecisionTreeClassifier

from oryx_assets.apps.sklearn_example import DecisionTreeUpdate
from oryx_core.config import ConfigError, OryxConfig, load_config
from oryx_core.input.schema import InputSchema as InputColumns
from oryx_core.ml.pmml import find_child

IRIS = [
    'oryx.input-schema.feature-names=["id", "sepal_length", "sepal_width", "petal_length", "petal_width", "species"]',
    'oryx.input-schema.id-features=["id"]',
    'oryx.input-schema.categorical-features=["species"]',
    "oryx.input-schema.target-feature=species",
]


def config(*overrides: str) -> OryxConfig:
    return load_config(None, [*IRIS, *overrides])


def lines(spark: SparkSession, values: list[str]) -> DataFrame:
    return spark.createDataFrame([(None, v) for v in values], "key string, value string")


def iris_lines() -> list[str]:
    iris = load_iris()
    return [
        ",".join([str(i), *(f"{x:g}" for x in row), str(iris.target_names[label])])
        for i, (row, label) in enumerate(zip(iris.data, iris.target, strict=True))
    ]


def test_columns_leave_out_ids_and_split_off_the_target() -> None:
    columns = InputColumns.from_config(config())

    assert columns.predictors == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert columns.target == "species"
    assert columns.numeric == frozenset(columns.predictors)


def test_a_target_that_is_not_an_active_column_is_refused_by_key() -> None:
    with pytest.raises(ConfigError, match="oryx.input-schema.target-feature"):
        InputColumns.from_config(config("oryx.input-schema.target-feature=id"))


def test_a_schema_without_types_is_refused_by_key() -> None:
    with pytest.raises(ConfigError, match="numeric-features"):
        InputColumns.from_config(config("oryx.input-schema.categorical-features=null"))


def test_collect_parses_lines_and_skips_bad_ones(spark: SparkSession) -> None:
    app = DecisionTreeUpdate(config())
    good = ["1,5.1,3.5,1.4,0.2,setosa", '["2", "6.0", "2.2", "5.0", "1.5", "virginica"]']
    bad = ["3,5.1,3.5,1.4,setosa", "4,x,3.5,1.4,0.2,setosa", '[5, "6.0"']

    features, target, skipped = app.collect(lines(spark, good + bad))

    assert features.to_dict("list") == {
        "sepal_length": [5.1, 6.0],
        "sepal_width": [3.5, 2.2],
        "petal_length": [1.4, 5.0],
        "petal_width": [0.2, 1.5],
    }
    assert list(target) == ["setosa", "virginica"]
    assert skipped == 3


def test_too_many_lines_fail_with_the_limit(spark: SparkSession, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DecisionTreeUpdate, "max_collect_rows", 2)

    with pytest.raises(ValueError, match="max_collect_rows = 2"):
        DecisionTreeUpdate(config()).collect(lines(spark, iris_lines()[:3]))


def test_a_decision_tree_is_exported_as_pmml_and_scored_on_test_lines(spark: SparkSession, tmp_path: Path) -> None:
    app = DecisionTreeUpdate(config())
    data = iris_lines()
    train, test = lines(spark, data[0::2]), lines(spark, data[1::2])

    pmml = app.build_model(spark, train, {"max_depth": 3, "impurity": "gini"}, f"file:{tmp_path}/0")
    evaluation = app.evaluate(spark, pmml, f"file:{tmp_path}/0", test, train)

    assert pmml is not None and find_child(pmml, "TreeModel") is not None
    assert 0.9 <= evaluation.score == evaluation.metrics["accuracy"] <= 1.0
    assert evaluation.test_rows == 75
    # The first 150 Iris rows alternate into train and test: 25 of each species in each half.
    assert evaluation.baseline == "majority"
    assert evaluation.baselines["majority"]["accuracy"] == pytest.approx(25 / 75)
    assert evaluation.baselines["majority"]["log_loss"] == pytest.approx(math.log(3))
    features, target, _ = app.collect(train)
    tree = DecisionTreeClassifier(max_depth=3, criterion="gini", random_state=0).fit(features, target)
    test_features, test_target, _ = app.collect(test)
    expected = log_loss(test_target, tree.predict_proba(test_features), labels=tree.classes_)
    assert evaluation.metrics["log_loss"] == pytest.approx(expected)
    assert evaluation.beats_baseline() is True


def test_a_regressor_reports_rmse_and_mae_next_to_the_training_mean(spark: SparkSession, tmp_path: Path) -> None:
    app = DecisionTreeUpdate(
        config('oryx.input-schema.ignored-features=["species"]', "oryx.input-schema.target-feature=petal_width")
    )
    data = iris_lines()
    train, test = lines(spark, data[0::2]), lines(spark, data[1::2])
    train_widths = [float(line.split(",")[4]) for line in data[0::2]]
    test_widths = [float(line.split(",")[4]) for line in data[1::2]]
    mean = sum(train_widths) / len(train_widths)

    pmml = app.build_model(spark, train, {"max_depth": 3, "impurity": "gini"}, f"file:{tmp_path}/0")
    evaluation = app.evaluate(spark, pmml, f"file:{tmp_path}/0", test, train)

    baseline = evaluation.baselines["mean"]
    assert baseline["mae"] == pytest.approx(sum(abs(w - mean) for w in test_widths) / len(test_widths))
    assert baseline["rmse"] == pytest.approx(math.sqrt(sum((w - mean) ** 2 for w in test_widths) / len(test_widths)))
    assert evaluation.score == -evaluation.metrics["rmse"] and evaluation.baseline_score == -baseline["rmse"]
    assert evaluation.metrics["rmse"] < 0.5 * baseline["rmse"]


def test_an_app_with_its_own_score_keeps_the_metrics_but_has_no_baseline_score(
    spark: SparkSession, tmp_path: Path
) -> None:
    class MisclassifiedCount(DecisionTreeUpdate):
        def score(self, estimator: Any, features: Any, target: Any) -> float:
            return -float((estimator.predict(features) != target).sum())

    app = MisclassifiedCount(config())
    data = iris_lines()
    train, test = lines(spark, data[0::2]), lines(spark, data[1::2])

    pmml = app.build_model(spark, train, {"max_depth": 3, "impurity": "gini"}, f"file:{tmp_path}/0")
    evaluation = app.evaluate(spark, pmml, f"file:{tmp_path}/0", test, train)

    assert evaluation.score == -round(75 * (1 - evaluation.metrics["accuracy"]))
    assert evaluation.baseline_score is None and evaluation.beats_baseline() is None


def test_hyperparameters_are_read_from_the_rdf_keys() -> None:
    app = DecisionTreeUpdate(config("oryx.rdf.hyperparams.max-depth=[2, 6]"))

    values = app.hyperparameter_values(app.config)

    assert values["max_depth"].trial_values(2) == [2, 6]
    assert values["impurity"].trial_values(2) == ["entropy"]
