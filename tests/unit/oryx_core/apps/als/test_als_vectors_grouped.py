"""FeatureVectors with an LSH keeps rows grouped by code, so approximate queries scan contiguous slices."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.als.lsh import LocalitySensitiveHash
from oryx_core.apps.als.partition_scan import scan
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


def bulk_grouped(count: int, seed: int, extra: int = 0) -> tuple[FeatureVectors, np.ndarray, LocalitySensitiveHash]:
    """One ``set_many`` (every row grouped by code), then ``extra`` single sets left in the ungrouped tail."""
    lsh = LocalitySensitiveHash(0.3, FEATURES, num_cores=2, seed=seed)
    vectors = FeatureVectors(FEATURES, lsh=lsh)
    matrix = np.random.default_rng(seed).standard_normal((count + extra, FEATURES)).astype(np.float32)
    vectors.set_many([f"i{row}" for row in range(count)], matrix[:count])
    for row in range(count, count + extra):
        vectors.set(f"i{row}", matrix[row])
    return vectors, matrix, lsh


def test_approximate_top_1_is_exact_whenever_the_best_item_is_a_candidate() -> None:
    vectors, matrix, lsh = bulk_grouped(30_000, seed=7, extra=500)
    codes = lsh.hash_rows(matrix)
    checked = 0
    for query in np.random.default_rng(8).standard_normal((40, FEATURES)).astype(np.float32):
        best = int(np.argmax(matrix @ query))
        if lsh.candidate_mask(query, codes[best : best + 1])[0]:
            assert vectors.top_n(query, 1)[0][0] == f"i{best}"
            checked += 1
    assert checked >= 20  # recall is high enough that most queries' best item is a candidate


def test_approximate_scan_reads_about_the_sample_rate_of_a_large_grouped_store() -> None:
    """The scored rows are the candidates plus the short gaps merged between their slices, never much more."""
    vectors, matrix, lsh = bulk_grouped(60_000, seed=9)
    codes = lsh.hash_rows(matrix)
    for query in np.random.default_rng(10).standard_normal((10, FEATURES)).astype(np.float32):
        snapshot = vectors._snapshot(None)
        _, scores = scan(lsh, snapshot, query, None, True)
        candidates = int(lsh.candidate_mask(query, codes).sum())
        assert candidates <= len(scores) <= 1.5 * candidates
        assert 0.25 <= len(scores) / len(matrix) <= 0.6


def test_approximate_exclusions_drop_grouped_and_tail_rows_and_the_next_best_fill_in() -> None:
    vectors, matrix, _ = bulk_grouped(20_000, seed=11, extra=300)
    query = matrix[20_100]  # a tail row, so the tail is among the best
    unexcluded = [id_ for id_, _ in vectors.top_n(query, 20)]
    excluded = set(unexcluded[:5]) | {"i20100", "i3"}
    answer = [id_ for id_, _ in vectors.top_n(query, 10, excluded)]
    assert answer == [id_ for id_ in unexcluded if id_ not in excluded][:10]


def test_approximate_rescoring_skips_dead_and_excluded_rows() -> None:
    vectors, matrix, _ = bulk_grouped(20_000, seed=12)
    query = matrix[5]
    vectors.set("i5", -query)  # the old row (the best match) is dead now, the new one lives in the tail
    plain = vectors.top_n(query, 10, {"i6"})
    rescored = vectors.top_n(query, 10, {"i6"}, rescore=lambda _id, score: score)
    assert [id_ for id_, _ in rescored] == [id_ for id_, _ in plain]
    assert "i5" not in {id_ for id_, _ in plain} and "i6" not in {id_ for id_, _ in plain}
    assert rescored[0][1] == pytest.approx(plain[0][1])


def test_approximate_cosine_scores_are_the_true_cosines() -> None:
    vectors, matrix, _ = bulk_grouped(20_000, seed=13, extra=200)
    query = np.random.default_rng(14).standard_normal(FEATURES).astype(np.float32)
    for id_, score in vectors.top_n_cosine(query, 10):
        row = matrix[int(id_[1:])]
        assert score == pytest.approx(float(row @ query / np.linalg.norm(row) / np.linalg.norm(query)), rel=1e-5)
