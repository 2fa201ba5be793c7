"""The demo data sets come from the installed scikit-learn, whole and in the configured column layout."""

from __future__ import annotations

from collections import Counter

from oryx_cli.demos.rdf.data import DIABETES_COLUMNS, IRIS_COLUMNS, diabetes_lines, iris_lines


def test_iris_has_150_lines_of_three_named_species() -> None:
    lines = iris_lines()
    assert lines[0] == "5.1,3.5,1.4,0.2,setosa"
    assert Counter(line.rsplit(",", 1)[1] for line in lines) == {"setosa": 50, "versicolor": 50, "virginica": 50}
    assert {len(line.split(",")) for line in lines} == {len(IRIS_COLUMNS)}


def test_diabetes_has_442_raw_lines_with_the_target_last() -> None:
    lines = diabetes_lines()
    assert len(lines) == 442 and lines[0] == "59,2,32.1,101.0,157,93.2,38.0,4.0,4.8598,87,151"
    assert {line.split(",")[1] for line in lines} == {"1", "2"}
    assert {len(line.split(",")) for line in lines} == {len(DIABETES_COLUMNS)}


def test_a_seed_shuffles_reproducibly() -> None:
    assert iris_lines(seed=1) == iris_lines(seed=1) != iris_lines()
    assert sorted(iris_lines(seed=1)) == sorted(iris_lines())
