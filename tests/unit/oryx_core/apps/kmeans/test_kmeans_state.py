"""The k-means model state: serving applies ``UP [id, center, count]``; the speed layer ignores it and advances."""

from __future__ import annotations

import pytest

from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.pmml import build_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema
from oryx_core.apps.kmeans.state import KMeansState
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml

CONFIG = load_config(None, ['oryx.input-schema.feature-names=["x", "y"]', "oryx.input-schema.categorical-features=[]"])
PMML = write_pmml(build_kmeans_pmml(kmeans_schema(CONFIG), KMeansModel.of([[0.0, 0.0], [4.0, 4.0]], [1, 1]), 0))


def loaded(apply_updates: bool) -> KMeansState:
    state = KMeansState.from_config(CONFIG, apply_updates=apply_updates)
    state.consume_key_message("MODEL", PMML)
    return state


def test_serving_state_replaces_one_cluster_per_up() -> None:
    state = loaded(apply_updates=True)
    before = state.model
    state.consume_key_message("UP", "[0,[1.0,1.0],3]")
    assert state.model is not None and state.model.centers.tolist() == [[1.0, 1.0], [4.0, 4.0]]
    assert state.model.counts.tolist() == [3, 1]
    assert before is not None and before.centers.tolist() == [[0.0, 0.0], [4.0, 4.0]], "readers keep snapshots"


def test_speed_state_ignores_up_and_advances_by_running_means() -> None:
    state = loaded(apply_updates=False)
    state.consume_key_message("UP", "[0,[9.0,9.0],3]")
    updates = state.advance([[1.0, 1.0], [0.0, 2.0]])
    assert updates is not None and [(u.cluster_id, u.center, u.count) for u in updates] == [(0, (1 / 3, 1.0), 3)]
    assert state.model is not None and state.model.counts.tolist() == [3, 1]


def test_advance_without_a_model_makes_no_updates() -> None:
    assert KMeansState.from_config(CONFIG, apply_updates=False).advance([[1.0, 1.0]]) is None


def test_an_up_for_an_unknown_cluster_raises_and_leaves_the_model() -> None:
    state = loaded(apply_updates=True)
    before = state.model
    with pytest.raises(ValueError, match="7"):
        state.consume_key_message("UP", "[7,[1.0,1.0],3]")
    assert state.model is before
