"""The chaos proof at full scale: ``tests/chaos/test_kill_each_process.py`` and the three-node broker test, run
with many more lines than CI gives them, then one table of figures per fault.

The tests themselves are the proof (they fail on any lost, doubled or miscounted line); this script only raises
their scale (``ORYX_CHAOS_LINES``, ``ORYX_CHAOS_BATCH``) and collects the rows they report
(``ORYX_CHAOS_REPORT``). The "(none yet)" row, the lines acknowledged before the first fault, is the run's own
no-fault baseline. Per fault: lines acknowledged from its kill to the next fault, how many of them the input
topic holds, lost, duplicated, counted exactly once in the stored generation data ("-" for the cluster test,
which runs no generation), and seconds from the kill until writes were acknowledged again (restart included; for
the cluster, the longest pause between acknowledgements after the kill).

    .venv/bin/python benchmarks/chaos.py --lines 100000 --batch 100
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support.chaos_report import REPORT_ENV, read_report, table  # noqa: E402

TESTS = ["tests/chaos/test_kill_each_process.py", "tests/integration/test_kafka_cluster.py"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="lines through POST /add in each test")
    parser.add_argument("--batch", type=int, default=100, help="lines per request (each with its own key)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "chaos.jsonl"
        env = {
            **os.environ,
            "ORYX_CHAOS_LINES": str(args.lines),
            "ORYX_CHAOS_BATCH": str(args.batch),
            REPORT_ENV: str(report),
        }
        started = time.monotonic()
        command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *TESTS]
        result = subprocess.run(command, cwd=REPO, env=env, text=True, capture_output=True, check=False)
        took = time.monotonic() - started
        rows = read_report(str(report)) if report.exists() else []
    print(result.stdout[-4000:])
    print(f"{args.lines} lines per test, {args.batch} per request; {took:.0f} s; pytest exit {result.returncode}")
    print(table(rows))
    faulty = [r for r in rows if r.lost or r.duplicated]
    print(f"lost {sum(r.lost for r in rows)}, duplicated {sum(r.duplicated for r in rows)} over {len(rows)} rows")
    return 1 if result.returncode != 0 or faulty or not rows else 0


if __name__ == "__main__":
    raise SystemExit(main())
