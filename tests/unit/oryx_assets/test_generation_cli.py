"""``python -m oryx_assets``: Dagster home set-up, exit codes and the printed summary."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from oryx_assets.__main__ import main
from oryx_assets.generation import GenerationSummary, dagster_home, rollback_lines
from oryx_cli import layers


def test_dagster_home_defaults_to_the_state_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))

    home = dagster_home()

    assert home == tmp_path / "dagster"
    assert (home / "dagster.yaml").is_file()


def test_bad_configuration_exits_2_naming_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-D", "oryx.batch.storage.max-age-data-hours=-5"]) == 2
    assert "oryx.batch.storage.max-age-data-hours" in capsys.readouterr().err


def test_summary_reports_rows_model_and_errors() -> None:
    summary = GenerationSummary(
        "1700000000000",
        False,
        {
            "input_window": {"rows": 3, "window_path": "file:/d/generation=1700000000000"},
            "historical_data": {"rows": 5, "windows": 2},
            "published_model": {"model_built": True, "published": True, "words": 4},
        },
        ["published_model: boom"],
    )

    assert summary.lines() == [
        "generation 1700000000000 FAILED",
        "  new input lines: 3 (file:/d/generation=1700000000000)",
        "  past input lines: 5 in 2 window(s)",
        "  model built: True, published: True",
        "  words: 4",
        "  error: published_model: boom",
    ]


def test_summary_of_a_rejected_model_names_the_check_and_the_search() -> None:
    summary = GenerationSummary(
        "1700000000000",
        False,
        {
            "input_window": {"rows": 150, "window_path": "file:/d/generation=1700000000000"},
            "historical_data": {"rows": 0, "windows": 0},
            "tuned_model": {"ml_app": True, "candidates": "| # |", "score": 0.93, "hyperparams": {"max_depth": 4}},
        },
        ["tuned_model_model_meets_threshold: 1 blocking asset check failed"],
        {"model_meets_threshold": {"score": "0.93", "threshold": "0.99"}},
    )

    assert summary.lines()[0] == "generation 1700000000000 REJECTED: nothing published"
    assert "  best candidate: score 0.93, hyperparameters {'max_depth': 4}" in summary.lines()
    assert "  check model_meets_threshold failed: {'score': '0.93', 'threshold': '0.99'}" in summary.lines()


def test_summary_says_what_was_tested_and_lists_warnings_apart_from_failures() -> None:
    summary = GenerationSummary(
        "1700000000000",
        True,
        {
            "tuned_model": {
                "ml_app": True,
                "candidates": "| # |",
                "score": -0.9,
                "hyperparams": {"lambda": 0.1},
                "test_rows": 120,
                "test_source": "retained history and new data, the app's split",
            },
        },
        warned_checks={"model_beats_baseline": {"note": "score -1.1 vs biases -1: does not beat the baseline"}},
    )

    lines = summary.lines()
    assert lines[0] == "generation 1700000000000 succeeded"
    assert "  test lines: 120 (retained history and new data, the app's split)" in lines
    assert (
        "  check model_beats_baseline warned: {'note': 'score -1.1 vs biases -1: does not beat the baseline'}" in lines
    )


def test_summary_of_a_generation_without_test_lines_says_why_nothing_was_kept() -> None:
    note = "no test line (new data, the app's split): no model this generation, the previous model stays"
    tuned = {"ml_app": True, "kept": False, "note": note, "test_rows": 0, "test_source": "new data, the app's split"}

    lines = GenerationSummary("1700000000000", True, {"tuned_model": tuned}).lines()

    assert f"  no model kept: {note}" in lines


def test_republish_needs_the_generation_to_roll_back_to(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--republish"])
    assert exit_info.value.code == 2
    assert "--republish needs --generation" in capsys.readouterr().err


def test_roll_back_summary_names_the_generation_and_what_was_sent() -> None:
    summary = GenerationSummary(
        "1700000000000", True, {"republished_model": {"generation": "1700000000000", "message_key": "MODEL"}}
    )
    assert rollback_lines(summary) == [
        "roll back to generation 1700000000000 succeeded",
        "  generation: 1700000000000",
        "  message_key: MODEL",
    ]


def test_oryx_publish_runs_the_batch_module_with_republish(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(layers.subprocess, "call", lambda argv, env: calls.append(argv) or 0)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    layers.register(sub, lambda p: p.add_argument("-D", dest="overrides", action="append", default=[]))
    args = parser.parse_args(["publish", "--generation", "1700000000000"])
    args.conf = None
    assert args.handler(args) == 0
    [argv] = calls
    assert argv[-5:] == ["-m", "oryx_assets", "--generation", "1700000000000", "--republish"]
