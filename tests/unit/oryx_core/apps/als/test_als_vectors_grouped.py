"""FeatureVectors with an LSH keeps rows grouped by code, so approximate queries scan contiguous slices."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.als.lsh import LocalitySensitiveHash
from oryx_core.apps.als.vectors import FeatureVectors

FEATURES = 20


def filled(count: int, seed: int = 1) -> tuple[FeatureVectors, np.ndarray, LocalitySensitiveHash]:
    lsh = LocalitySensitiveHash(0.3, FEATURES, num_cores=2, seed=seed)
    vectors = FeatureVectors(FEATURES, lsh=lsh)
    matrix = np.random.default_rng(seed).standard_normal((count, FEATURES)).astype(np.float32)
    for row, vector in enumerate(matrix):
        vectors.set(f"i{row}", vector)
    return vectors, matrix, lsh


def test_every_candidate_row_is_scanned_and_scores_are_exact() -> None:
    """The answer is at least as good as the best of the query's candidates (grouped prefix and tail alike)."""
    vectors, matrix, lsh = filled(12_000)
    codes = lsh.hash_rows(matrix)
    for query in np.random.default_rng(2).standard_normal((20, FEATURES)).astype(np.float32):
        candidates = np.flatnonzero(lsh.candidate_mask(query, codes))
        best_candidate = float((matrix[candidates] @ query).max())
        top = vectors.top_n(query, 3)
        assert top[0][1] >= best_candidate - 1e-5
        for id_, score in top:
            assert score == pytest.approx(float(matrix[int(id_[1:])] @ query), rel=1e-5)


def test_replaced_and_removed_rows_never_appear_in_approximate_answers() -> None:
    vectors, matrix, _ = filled(6_000)
    query = matrix[0]
    vectors.set("i0", -query)  # its old row (a perfect match) is dead now
    vectors.remove("i1")
    ids = [id_ for id_, _ in vectors.top_n(query, 50)]
    assert "i0" not in ids and "i1" not in ids
    assert len(ids) == len(set(ids)) == 50


def test_approximate_recall_at_10() -> None:
    vectors, matrix, _ = filled(20_000, seed=3)
    recalls = []
    for query in np.random.default_rng(4).standard_normal((30, FEATURES)).astype(np.float32):
        exact = {f"i{row}" for row in np.argpartition(-(matrix @ query), 10)[:10]}
        recalls.append(len(exact & {id_ for id_, _ in vectors.top_n(query, 10)}) / 10)
    assert np.mean(recalls) >= 0.7


def test_set_many_equals_setting_one_by_one_and_a_repeated_id_keeps_its_last_row() -> None:
    lsh = LocalitySensitiveHash(0.3, FEATURES, num_cores=2, seed=5)
    bulk = FeatureVectors(FEATURES, lsh=lsh)
    matrix = np.random.default_rng(6).standard_normal((9_000, FEATURES)).astype(np.float32)
    ids = [f"i{row}" for row in range(len(matrix))]
    bulk.set_many(ids[:5_000], matrix[:5_000])
    bulk.set_many([*ids[5_000:], "i0"], np.vstack([matrix[5_000:], -matrix[:1]]))
    assert len(bulk) == 9_000
    np.testing.assert_array_equal(bulk.get("i0"), -matrix[0])
    np.testing.assert_array_equal(bulk.get("i8999"), matrix[8_999])
    query = matrix[42]
    assert bulk.top_n(query, 1, approximate=False)[0][0] == "i42"
