"""Per-fault figures of the chaos tests: printed as a table, and appended as JSON lines to the file named by
``ORYX_CHAOS_REPORT`` when it is set (``benchmarks/chaos.py`` runs the tests at full scale and collects them).

A fault's lines are those acknowledged from the moment it struck until the next fault: for each, whether the
input topic holds it (lost when not, duplicated when more than once) and how many times the stored generation
data counts it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

REPORT_ENV = "ORYX_CHAOS_REPORT"
COLUMNS = ("fault", "acknowledged", "on_topic", "lost", "duplicated", "counted_once_in_generation", "recovery_s")


@dataclass(frozen=True)
class FaultFigures:
    fault: str
    acknowledged: int
    on_topic: int
    lost: int
    duplicated: int
    counted_once_in_generation: int | None
    """None where no generation reads the lines (the cluster test writes to Kafka only)."""
    recovery_s: float


def fault_figures(
    fault: str, lines: Sequence[str], on_topic: Counter[str], stored: Counter[str] | None, recovery_s: float
) -> FaultFigures:
    return FaultFigures(
        fault=fault,
        acknowledged=len(lines),
        on_topic=sum(1 for line in lines if on_topic[line] >= 1),
        lost=sum(1 for line in lines if on_topic[line] == 0),
        duplicated=sum(1 for line in lines if on_topic[line] > 1),
        counted_once_in_generation=None if stored is None else sum(1 for line in lines if stored[line] == 1),
        recovery_s=round(recovery_s, 1),
    )


def table(rows: Sequence[FaultFigures]) -> str:
    cells = [list(COLUMNS)] + [["-" if v is None else str(v) for v in asdict(row).values()] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in cells)


def report(rows: Sequence[FaultFigures]) -> None:
    print("\n" + table(rows))
    if path := os.environ.get(REPORT_ENV):
        with open(path, "a", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(asdict(row)) + "\n")


def read_report(path: str) -> list[FaultFigures]:
    with open(path, encoding="utf-8") as lines:
        return [FaultFigures(**json.loads(line)) for line in lines if line.strip()]
