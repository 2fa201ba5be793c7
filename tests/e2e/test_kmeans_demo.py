"""`oryx up` with the k-means app, then `oryx demo`, as a user runs it from the README.

`oryx demo` sends the 150 Iris flowers through `POST /add`, runs a generation through Dagster, prints the
cluster and distance of the most typical flower of each species, then adds points around one flower and waits
until the speed layer's update changes `/distanceToNearest` for it. The test checks the answers are real: three
species in three clusters, and the center moved towards the new points.
"""

from __future__ import annotations

import re
from pathlib import Path

from demo_support import run_demo
from support.ports import free_ports

BROKER_PORT, SERVING_PORT, DAGSTER_PORT = free_ports(3)

ASSIGNED = re.compile(r"^\s+(setosa|versicolor|virginica)\s+(\S+)\s+cluster (\S+)\s+distance ([0-9.]+)$", re.M)
SPEED = re.compile(r"speed update seen after ([0-9.]+) s: GET /distanceToNearest/\S+ -> ([0-9.]+) \(was ([0-9.]+)\)")


def test_demo_clusters_the_species_apart_and_moves_a_center(stack_env: dict[str, str], tmp_path: Path) -> None:
    output = run_demo(
        stack_env,
        tmp_path,
        "kmeans-example.conf",
        app_id="KMeansDemoTest",
        ports=(BROKER_PORT, SERVING_PORT, DAGSTER_PORT),
    )

    assert "sending 150 Iris flowers" in output
    assigned = ASSIGNED.findall(output)
    assert [species for species, *_ in assigned] == ["setosa", "versicolor", "virginica"], output[-3000:]
    assert len({cluster for _, _, cluster, _ in assigned}) == 3, assigned
    assert all(0.0 <= float(distance) < 1.5 for *_, distance in assigned), assigned
    speed = SPEED.search(output)
    assert speed, output[-3000:]
    seconds, after, before = map(float, speed.groups())
    assert after < before  # the setosa center moved towards the new points around the probe flower
    assert seconds < 60
