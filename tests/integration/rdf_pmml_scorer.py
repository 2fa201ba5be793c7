"""Scores rows with the independent JPMML evaluator, in its own process (its JVM never meets Spark's).

``python rdf_pmml_scorer.py model.pmml rows.json``: ``rows.json`` is a JSON list of {column: value} objects
(null for a missing value); prints a JSON list with each row's predicted target (class name or number).
"""

from __future__ import annotations

import json
import sys

from jpmml_evaluator import make_evaluator


def main(pmml_path: str, rows_path: str) -> None:
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
