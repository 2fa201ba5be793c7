"""The linear demo's synthetic data: seeded, in the example config's columns, and fitting its known coefficients."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.package_map import ROOT

from oryx_cli.demos.linear.data import COEFFICIENTS, INTERCEPT, NOISE, synthetic_lines, true_value
from oryx_cli.main import main
from oryx_core.apps.linear.examples import linear_schema, parse_examples
from oryx_core.apps.linear.model import RegressionStats
from oryx_core.config import load_config


def test_lines_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    assert synthetic_lines(5) == synthetic_lines(5)
    assert synthetic_lines(5) != synthetic_lines(5, seed=8)


def test_lines_parse_under_the_example_config_and_least_squares_finds_the_coefficients(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))
    schema = linear_schema(load_config(ROOT / "conf" / "linear-example.conf"))
    features, targets, bad = parse_examples(schema, synthetic_lines(2000))
    assert bad == [] and features.shape == (2000, 3)
    model = RegressionStats.of(features, targets).fit(0.0)
    assert model.intercept == pytest.approx(INTERCEPT, abs=5 * NOISE / np.sqrt(2000))
    assert model.coefficients == pytest.approx(COEFFICIENTS, rel=0.01)
    assert true_value((1.0, 2.0, 4.0)) == INTERCEPT + 2.0 - 3.0 + 1.0


def test_the_linear_demo_refuses_a_data_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "effective.conf").write_text("oryx {}\n")
    conf = str(ROOT / "conf" / "linear-example.conf")
    assert main(["demo", "--conf", conf, "--data-file", "x.csv"]) == 2
    assert "the linear demo reads its data set from a seeded generator" in capsys.readouterr().err
