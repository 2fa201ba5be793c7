"""The k-means part of ``oryx demo``: Fisher's Iris in through ``/add``, a generation, clusters per species.

As a user's client would: ``POST /add`` (the serving layer writes the lines to the input topic), ``oryx batch``
(one Dagster generation), ``GET /assign`` and ``/distanceToNearest`` for the most typical flower of each species,
then a few new points around one flower through ``POST /add``; the speed layer moves that flower's center
towards them and ``/distanceToNearest`` for it changes once the serving layer applies the ``UP``.
The species column is sent but ignored by k-means (``conf/kmeans-example.conf``), so the clusters are found from
the measurements alone and the printed species show whether they match.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from oryx_cli.demos.datasets import iris_csv_path, refuse_data_file, typical_flowers
from oryx_cli.demos.http import datum_path, get_status, get_text, post_lines, wait_for
from oryx_cli.demos.kmeans.data import IRIS_COLUMNS, iris_lines
from oryx_core.config import ConfigError, OryxConfig
from oryx_core.input.schema import InputSchema

NUDGE = 0.1
"""How far (cm) the new points lie from the probe flower, in sepal length and width; their mean is the probe."""


def check_schema(config: OryxConfig) -> None:
    """The demo sends Iris lines: the config must name Iris's columns, as conf/kmeans-example.conf does."""
    names = InputSchema.from_config(config, require_target=False).names
    if names != IRIS_COLUMNS:
        raise ConfigError(
            "oryx.input-schema.feature-names",
            f"the k-means demo sends Iris lines {list(IRIS_COLUMNS)} (see conf/kmeans-example.conf), got {list(names)}",
        )


def species_names(path: Path) -> list[str]:
    """Class names from iris.csv's header (``150,4,setosa,versicolor,virginica``), in label order."""
    with path.open(encoding="utf-8") as handle:
        return handle.readline().strip().split(",")[2:]


def nudged(line: str, step: float = NUDGE) -> list[str]:
    """The flower and four points around it (± step in sepal length, then width): their mean is the flower."""
    fields = line.split(",")
    points = [line]
    for column in (0, 1):
        for sign in (1, -1):
            moved = list(fields)
            moved[column] = f"{float(fields[column]) + sign * step:g}"
            points.append(",".join(moved))
    return points


def kmeans_demo(config: OryxConfig, base: str, run_generation: Callable[[], None]) -> None:
    check_schema(config)
    path = iris_csv_path()
    lines = iris_lines(path)
    names = species_names(path)
    print(f"sending {len(lines)} Iris flowers from {path} to {base}/add ...", flush=True)
    post_lines(base, "/add", lines)
    run_generation()
    wait_for(lambda: get_status(f"{base}/ready") == 200, 300, "the serving layer to load the k-means model")

    flowers = {names[int(label)]: flower for label, flower in typical_flowers(lines).items()}
    print("\nGET /assign and /distanceToNearest for the most typical flower of each species:")
    for species, flower in flowers.items():
        cluster = get_text(base + datum_path("/assign", flower)).strip()
        distance = float(get_text(base + datum_path("/distanceToNearest", flower)))
        print(f"  {species:<12} {flower:<20} cluster {cluster:<4} distance {distance:.4f}")

    species, probe = next(iter(flowers.items()))
    distance_url = base + datum_path("/distanceToNearest", probe)
    before = float(get_text(distance_url))
    points = nudged(probe)
    print(
        f"\nPOST /add {len(points)} new points around {probe} ({species}); waiting for the speed layer's UP ...",
        flush=True,
    )
    sent = time.monotonic()
    post_lines(base, "/add", points)
    wait_for(lambda: float(get_text(distance_url)) != before, 120, "the speed layer to move the center")
    after = float(get_text(distance_url))
    print(
        f"speed update seen after {time.monotonic() - sent:.1f} s: "
        f"GET /distanceToNearest/{probe} -> {after:.4f} (was {before:.4f})"
    )


def prepare_demo(
    config: OryxConfig, data_file: str | None, run_generation: Callable[[], None]
) -> Callable[[str], None]:
    """The registered demo entry (``oryx demo``): checks its inputs first, returns the run for a serving URL."""
    refuse_data_file(data_file, "kmeans", "the installed scikit-learn")
    return lambda base: kmeans_demo(config, base, run_generation)
