"""`oryx up` with the RDF classification app, then `oryx demo`, as a user runs it from the README.

`oryx demo` sends the 150 Iris flowers through `POST /train`, runs a generation through Dagster, prints
`/predict` for the most typical flower of each species next to its true species, one flower's
`/classificationDistribution` and `/feature/importance`, then trains a few copies of that flower under another
species and waits until the speed layer's leaf updates change its distribution. Regression prints the same way
(tests/unit/oryx_cli/test_demo_fake_serving.py); one real stack run is enough for the 2-core machine.
"""

from __future__ import annotations

import re
from pathlib import Path

from demo_support import run_demo
from support.ports import free_ports

BROKER_PORT, SERVING_PORT, DAGSTER_PORT = free_ports(3)

PREDICTED = re.compile(r"^\s+\S+,\s+predicted (\S+)\s+true (\S+)$", re.M)
IMPORTANCE = re.compile(r"^\s+(sepal_length|sepal_width|petal_length|petal_width)\s+([0-9.]+)$", re.M)
CHANGED = re.compile(r"^\s+(setosa|versicolor|virginica)\s+([0-9.]+)\s+\(was ([0-9.]+)\)$", re.M)


def test_demo_predicts_the_species_and_shows_a_speed_update(stack_env: dict[str, str], tmp_path: Path) -> None:
    output = run_demo(
        stack_env,
        tmp_path,
        "rdf-classification-example.conf",
        app_id="RDFDemoTest",
        ports=(BROKER_PORT, SERVING_PORT, DAGSTER_PORT),
        extra="  ml.eval.candidates = 1",
    )

    assert "sending 150 Iris examples" in output
    predicted = PREDICTED.findall(output)
    assert [true for _, true in predicted] == ["setosa", "versicolor", "virginica"], output[-3000:]
    assert all(guess == true for guess, true in predicted), predicted
    importances = {name: float(value) for name, value in IMPORTANCE.findall(output)}
    assert len(importances) == 4 and abs(sum(importances.values()) - 1.0) < 1e-3, importances
    assert max(importances, key=importances.__getitem__).startswith("petal"), importances
    assert re.search(r"speed update seen after [0-9.]+ s", output), output[-3000:]
    changed = {species: (float(now), float(was)) for species, now, was in CHANGED.findall(output)}
    assert changed["virginica"][0] > changed["virginica"][1], changed  # the new examples were labelled virginica
    assert abs(sum(now for now, _ in changed.values()) - 1.0) < 1e-6, changed
