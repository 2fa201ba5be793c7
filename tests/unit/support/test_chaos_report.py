"""The chaos tests' per-fault figures: counted from the topic and the stored data, and the JSON-lines round trip
``benchmarks/chaos.py`` reads."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from support.chaos_report import REPORT_ENV, fault_figures, read_report, report, table


def test_a_fault_counts_its_own_lines_against_the_topic_and_the_stored_data() -> None:
    on_topic = Counter({"a": 1, "b": 2, "d": 1})
    stored = Counter({"a": 1, "b": 2})
    row = fault_figures("serving", ["a", "b", "c"], on_topic, stored, 4.26)
    assert (row.acknowledged, row.on_topic, row.lost, row.duplicated) == (3, 2, 1, 1)
    assert (row.counted_once_in_generation, row.recovery_s) == (1, 4.3)
    assert fault_figures("cluster", ["a"], on_topic, None, 0).counted_once_in_generation is None


def test_rows_are_printed_and_appended_for_the_benchmark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "report.jsonl"
    monkeypatch.setenv(REPORT_ENV, str(path))
    rows = [fault_figures("broker", ["x"], Counter({"x": 1}), None, 18.0)]
    report(rows)
    report(rows)
    assert read_report(str(path)) == rows * 2
    assert table(rows).splitlines()[1].split() == ["broker", "1", "1", "0", "0", "-", "18.0"]
