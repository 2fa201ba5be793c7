"""The HNSW graph behind ``oryx.als.ann.enabled``: it follows the store, never answers from a stale vector, keeps
exclusions, filters and rescorers, reaches its target recall, and falls back to a scan when it cannot help."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
from flask import Flask

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.apps.als.vectors import FeatureVectors
from oryx_core.ml.pmml import write_pmml
from oryx_serving.apps.als.ann_graph import HnswItemGraph, ReadersWriterLock
from oryx_serving.apps.als.ann_search import AnnItemSearch
from oryx_serving.apps.als.model import ALSServingModel

FEATURES = 8


def _store(items: int, seed: int = 0) -> tuple[FeatureVectors, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((items, FEATURES)).astype(np.float32)
    ids = [f"i{n}" for n in range(items)]
    store = FeatureVectors(FEATURES)
    store.set_many(ids, matrix)
    return store, matrix, ids


def _exact(matrix: np.ndarray, ids: list[str], query: np.ndarray, how_many: int) -> list[str]:
    order = np.argsort(-(matrix @ query), kind="stable")
    return [ids[row] for row in order[:how_many]]


def _ids(pairs: list[tuple[str, float]]) -> list[str]:
    return [id_ for id_, _ in pairs]


def test_graph_replaces_and_removes_ids_and_answers_only_live_ones() -> None:
    graph = HnswItemGraph(2)
    graph.add(["a", "b", "c"], np.array([[1, 0], [0, 1], [-1, 0]], dtype=np.float32))
    assert graph.search(np.array([1, 0], dtype=np.float32), 1, 16) == [("a", 1.0)]
    graph.add(["a"], np.array([[-2, 0]], dtype=np.float32))  # a now points away
    assert _ids(graph.search(np.array([1, 0], dtype=np.float32), 2, 16)) == ["b", "c"]
    graph.remove(["b", "unknown"])
    assert graph.search(np.array([1, 0], dtype=np.float32), 3, 16) == [("c", -1.0), ("a", -2.0)]
    assert (graph.live, graph.dead) == (2, 2)
    graph.add(["d", "d"], np.array([[5, 0], [-5, 0]], dtype=np.float32))  # repeated in one call: last row wins
    assert _ids(graph.search(np.array([-1, 0], dtype=np.float32), 1, 16)) == ["d"]
    assert graph.memory_bytes() >= graph.live * 2 * 4


def test_readers_share_the_lock_and_a_writer_waits_for_them() -> None:
    lock = ReadersWriterLock()
    events: list[str] = []
    with lock.reading(), lock.reading():  # two readers at once
        writer = threading.Thread(target=lambda: _write(lock, events))
        writer.start()
        writer.join(0.2)
        assert writer.is_alive() and events == []  # blocked by the readers
    writer.join(5)
    assert events == ["wrote"]


def _write(lock: ReadersWriterLock, events: list[str]) -> None:
    with lock.writing():
        events.append("wrote")


def test_answers_reach_the_target_recall_and_match_exact_scores() -> None:
    store, matrix, ids = _store(5_000)
    search = AnnItemSearch(store, 0.95)
    try:
        assert search.caught_up(60)
        assert search.measured_recall >= 0.95
        queries = np.random.default_rng(1).standard_normal((50, FEATURES)).astype(np.float32)
        hits = 0
        for query in queries:
            found = search.top_n(query, 10)
            assert found is not None and len(found) == 10
            for id_, score in found:  # scores are the store's dot products, best first
                assert score == pytest.approx(float(matrix[int(id_[1:])] @ query), rel=1e-5)
            assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
            hits += len(set(_exact(matrix, ids, query, 10)) & {id_ for id_, _ in found})
        assert hits / 500 >= 0.9
    finally:
        search.close()


def test_a_changed_vector_is_answered_at_once_even_before_the_graph_has_it() -> None:
    store, _, _ = _store(3_000)
    search = AnnItemSearch(store, 0.9)
    try:
        assert search.caught_up(60)
        query = np.ones(FEATURES, dtype=np.float32)
        store.set("i7", 100 * query)  # now the best item by far, and stale in the graph
        found = search.top_n(query, 3)
        assert found is not None and found[0][0] == "i7"
        store.remove("i7")
        found = search.top_n(query, 3)
        assert found is not None and "i7" not in {id_ for id_, _ in found}
        store.set("new", 50 * query)
        assert search.caught_up(30) and search.stale == 0
        found = search.top_n(query, 1)
        assert found == [("new", pytest.approx(50.0 * FEATURES))]
    finally:
        search.close()


def test_exclusions_filters_and_rescorers_apply_to_candidates() -> None:
    store, matrix, ids = _store(4_000)
    search = AnnItemSearch(store, 0.95)
    try:
        assert search.caught_up(60)
        query = matrix[0]
        best = _exact(matrix, ids, query, 30)
        excluded = set(best[:5])
        found = search.top_n(query, 10, excluded)
        assert found is not None and not excluded & {id_ for id_, _ in found}
        odd = search.top_n(query, 10, is_filtered=lambda id_: int(id_[1:]) % 2 == 0)
        assert odd is not None and len(odd) == 10 and all(int(id_[1:]) % 2 for id_, _ in odd)
        negated = search.top_n(query, 5, rescore=lambda id_, score: float("nan") if id_ == best[0] else -score)
        assert negated is not None and best[0] not in {id_ for id_, _ in negated}
        assert [s for _, s in negated] == sorted((s for _, s in negated), reverse=True)
    finally:
        search.close()


def test_scans_instead_while_too_stale_or_too_wide() -> None:
    store = FeatureVectors(FEATURES)
    search = AnnItemSearch(store, 0.9)
    try:
        query = np.ones(FEATURES, dtype=np.float32)
        assert search.top_n(query, 10) is None  # an empty graph
        _, matrix, ids = _store(3_000)
        store.set_many(ids, matrix)
        assert search.caught_up(60)
        assert search.top_n(query, 10) is not None
        assert search.top_n(query, 10, exclude=set(ids[:2_000])) is None  # asking for most of the items
    finally:
        search.close()


def test_a_new_generation_resending_every_vector_rebuilds_the_graph() -> None:
    store, _, ids = _store(12_000)
    search = AnnItemSearch(store, 0.9)
    try:
        assert search.caught_up(120)
        rebuilds = search.rebuilds
        fresh = np.random.default_rng(5).standard_normal((len(ids), FEATURES)).astype(np.float32)
        store.set_many(ids, fresh)
        assert search.caught_up(120)
        assert search.rebuilds > rebuilds and search.graph_size == len(ids)
        query = fresh[3]
        found = search.top_n(query, 1)
        assert found is not None and found[0][0] == _exact(fresh, ids, query, 1)[0]
    finally:
        search.close()


def test_serving_model_answers_from_the_graph_with_oryx_scores() -> None:
    model = ALSServingModel(FEATURES, True, ann_target_recall=0.95)
    try:
        _, matrix, ids = _store(2_000)
        model.set_item_vectors(ids, matrix)
        model.set_user_vector("u", matrix[10])
        assert model.ann is not None and model.ann.caught_up(60)
        found = model.top_items(matrix[10], 5, exclude={"i10"})
        exact = model.y.top_n(matrix[10], 5, {"i10"}, approximate=False)
        assert [id_ for id_, _ in found][:3] == [id_ for id_, _ in exact][:3]
        assert found[0][1] == pytest.approx(float(matrix[10].astype(np.float64) @ matrix[int(found[0][0][1:])]))
    finally:
        model.close()


@pytest.mark.parametrize("ann", [False, True])
def test_metrics_show_the_model_size_and_with_ann_the_graph(
    make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable[[Flask], None], ann: bool
) -> None:
    app = make_app(
        "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
        f"oryx.als.ann.enabled={str(ann).lower()}",
    )
    description = ALSModelDescription(features=2, implicit=True, x_ids=("u1",), y_ids=("i1", "i2"))
    publish("MODEL", write_pmml(build_als_pmml(description)))
    publish("UP", format_y_update("i1", np.array([1.0, 0.0])))
    publish("UP", format_y_update("i2", np.array([0.0, 1.0])))
    publish("UP", format_x_update("u1", np.array([1.0, 1.0]), []))
    caught_up(app)
    model = app.extensions["oryx"].model_manager.get_model()
    assert (model.ann is not None) == ann and (not ann or model.ann.caught_up(30))
    text = app.test_client().get("/metrics").text
    assert "oryx_serving_als_users 1\n" in text and "oryx_serving_als_items 2\n" in text
    vector_bytes = model.x.array_bytes + model.y.array_bytes
    assert vector_bytes >= 3 * 2 * 4 and f"oryx_serving_als_vector_bytes {vector_bytes}\n" in text
    if ann:
        assert "oryx_serving_als_ann_graph_items 2\n" in text
        assert "oryx_serving_als_ann_stale_items 0\n" in text
        assert "oryx_serving_als_ann_measured_recall 1.0\n" in text
    else:
        assert "oryx_serving_als_ann" not in text
