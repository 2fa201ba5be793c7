"""Where the demo data sets are read, in place (never copied into the repository), and the Iris probes the
k-means and RDF demos both query.

* MovieLens (ALS and word-count demos): ``$ORYX_DATA_DIR/movielens-latest-small``, by default
  ``../shared/data/movielens-latest-small`` beside the repository.
* Iris and diabetes (k-means and RDF demos): ``sklearn/datasets/data`` of the installed scikit-learn (already a
  dependency), found without importing scikit-learn.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Sequence
from pathlib import Path

from oryx_core.config import ConfigError

__all__ = [
    "DATA_DIR_ENV",
    "data_root",
    "default_movielens_dir",
    "given_or_default",
    "iris_csv_path",
    "refuse_data_file",
    "sklearn_data_dir",
    "typical_flowers",
]

DATA_DIR_ENV = "ORYX_DATA_DIR"
"""One variable for the demo, the tests and the benchmarks: the folder holding ``movielens-latest-small/``."""
_REPO = Path(__file__).resolve().parents[2]


def data_root() -> Path:
    """``$ORYX_DATA_DIR``, else ``../shared/data`` next to the repository (read in place, never copied)."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else _REPO.parent / "shared" / "data"


def default_movielens_dir() -> Path:
    return data_root() / "movielens-latest-small"


def given_or_default(given: str | None, default: Path, option: str) -> Path:
    """``--data-file`` when given, else the default; ConfigError naming ``option`` when that file is missing, so a
    demo fails before it touches the stack."""
    path = Path(given) if given else default
    if not path.is_file():
        raise ConfigError(
            option,
            f"demo data {path} not found: get MovieLens ml-latest-small from GroupLens "
            f"(https://grouplens.org/datasets/movielens/) and set {DATA_DIR_ENV} to the folder holding it",
        )
    return path


def refuse_data_file(given: str | None, app: str, source: str) -> None:
    """Demos whose data is fixed say so when a ``--data-file`` is given."""
    if given:
        raise ConfigError("--data-file", f"the {app} demo reads its data set from {source}")


def sklearn_data_dir() -> Path:
    """``sklearn/datasets/data`` of the installed scikit-learn; FileNotFoundError saying so when it is absent."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("scikit-learn is not installed; the k-means and RDF demos read their data from it")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def iris_csv_path() -> Path:
    """``iris.csv`` inside the installed scikit-learn: a header line ``150,4,setosa,versicolor,virginica``, then
    150 lines of four measurements in centimetres and the species as 0, 1 or 2."""
    path = sklearn_data_dir() / "iris.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed scikit-learn")
    return path


def _measurements(line: str) -> list[float]:
    return [float(value) for value in line.split(",")[:4]]


def typical_flowers(lines: Sequence[str]) -> dict[str, str]:
    """Per species (the last field), the flower nearest the species' mean measurements, in first-seen order.

    The first flower of a species can sit on a border (Iris's flower 51, a versicolor, usually lands in the
    virginica cluster); the most typical one shows what the model learnt about the species.
    """
    by_species: dict[str, list[str]] = {}
    for line in lines:
        by_species.setdefault(line.rsplit(",", 1)[-1], []).append(line)
    typical = {}
    for species, members in by_species.items():
        points = [_measurements(line) for line in members]
        mean = [sum(column) / len(points) for column in zip(*points, strict=True)]
        typical[species] = min(members, key=lambda line: math.dist(_measurements(line), mean))
    return typical
