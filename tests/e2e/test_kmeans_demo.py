"""`oryx up` with the k-means app, then `oryx demo`, as a user runs it from the README.

`oryx demo` sends the 150 Iris flowers through `POST /add`, runs a generation through Dagster, prints the
cluster and distance of the most typical flower of each species, then adds points around one flower and waits
until the speed layer's update changes `/distanceToNearest` for it. The test checks the answers are real: three
species in three clusters, and the center moved towards the new points.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BROKER_PORT, SERVING_PORT, DAGSTER_PORT = 19492, 18280, 13200
ORYX = [sys.executable, "-m", "oryx_core.cli"]

CONFIG = """
include file("%(base)s")
oryx {
  id = "KMeansDemoTest"
  input-topic.broker = "127.0.0.1:%(broker)d"
  update-topic.broker = "127.0.0.1:%(broker)d"
  batch.streaming { master = "local[2]", generation-interval-sec = 3600, driver-memory = "1g" }
  speed.streaming { master = "local[1]", generation-interval-sec = 1, driver-memory = "512m" }
  serving.api { port = %(serving)d, workers = 1, threads = 4 }
}
"""
ASSIGNED = re.compile(r"^\s+(setosa|versicolor|virginica)\s+(\S+)\s+cluster (\S+)\s+distance ([0-9.]+)$", re.M)
SPEED = re.compile(r"speed update seen after ([0-9.]+) s: GET /distanceToNearest/\S+ -> ([0-9.]+) \(was ([0-9.]+)\)")


def test_demo_clusters_the_species_apart_and_moves_a_center(stack_env: dict[str, str], tmp_path: Path) -> None:
    conf = tmp_path / "kmeans.conf"
    base = REPO / "conf" / "kmeans-example.conf"
    conf.write_text(CONFIG % {"base": base, "broker": BROKER_PORT, "serving": SERVING_PORT})

    def oryx(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*ORYX, *args], env=stack_env, cwd=tmp_path, text=True, capture_output=True, timeout=timeout
        )

    up = oryx("up", "--conf", str(conf), "--dagster-port", str(DAGSTER_PORT), "--timeout", "240")
    assert up.returncode == 0, up.stdout + up.stderr
    demo = oryx("demo", "--conf", str(conf))
    output = demo.stdout
    assert demo.returncode == 0, output[-4000:] + demo.stderr[-4000:]

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
