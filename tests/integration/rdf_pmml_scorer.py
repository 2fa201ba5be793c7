"""Scores rows with the independent JPMML evaluator, in its own process (its JVM never meets Spark's).

``python rdf_pmml_scorer.py model.pmml rows.json``: ``rows.json`` is a JSON list of {column: value} objects
(null for a missing value); prints a JSON list with each row's predicted target (class name or number).
Tests call :func:`score_in_child_process`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def score_in_child_process(pmml_text: str, rows: list[dict[str, Any]], folder: Path) -> list[Any]:
    """Each row's prediction by JPMML, run as this script in a child process (files written to ``folder``)."""
    pmml_file, rows_file = folder / "published.pmml", folder / "rows.json"
    pmml_file.write_text(pmml_text, "utf-8")
    rows_file.write_text(json.dumps(rows), "utf-8")
    evaluated = subprocess.run(
        [sys.executable, __file__, str(pmml_file), str(rows_file)], capture_output=True, text=True, timeout=180
    )
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    return list(json.loads(evaluated.stdout.strip().splitlines()[-1]))


def main(pmml_path: str, rows_path: str) -> None:
    from jpmml_evaluator import make_evaluator  # only in the child process: its JVM must never meet Spark's

    evaluator = make_evaluator(pmml_path, backend="jpype").verify()
    target = evaluator.getTargetFields()[0].getName()
    with open(rows_path, encoding="utf-8") as f:
        rows = json.load(f)
    results = []
    for row in rows:
        value = evaluator.evaluate(row)[target]
        results.append(value if isinstance(value, str) else float(value))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
