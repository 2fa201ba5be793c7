"""FeatureVectors: storage, snapshots, top-N selection and its thread safety; KnownItems."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest

from oryx_core.apps.als.known_items import KnownItems
from oryx_core.apps.als.lsh import LocalitySensitiveHash
from oryx_core.apps.als.vector_math import cosine_similarity, normalize, normalize_rows
from oryx_core.apps.als.vectors import FeatureVectors


def vec(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float32)


@pytest.fixture
def four() -> FeatureVectors:
    """With query (1, 0.5) the dot products are c 1.5, a 1.0, b 0.5, d -1.0."""
    vectors = FeatureVectors(2)
    for id_, values in {"a": (1.0, 0.0), "b": (0.0, 1.0), "c": (1.0, 1.0), "d": (-1.0, 0.0)}.items():
        vectors.set(id_, vec(*values))
    return vectors


QUERY = vec(1.0, 0.5)


def test_set_then_get_returns_a_float32_copy() -> None:
    vectors = FeatureVectors(3)
    vectors.set("u", [1, 2, 3])
    got = vectors.get("u")
    assert got is not None and got.dtype == np.float32
    np.testing.assert_array_equal(got, [1.0, 2.0, 3.0])
    got[0] = 99.0
    np.testing.assert_array_equal(vectors.get("u"), [1.0, 2.0, 3.0])


def test_unknown_id_gives_none() -> None:
    assert FeatureVectors(2).get("nobody") is None


def test_set_replaces_an_existing_vector(four: FeatureVectors) -> None:
    four.set("a", vec(5.0, 5.0))
    np.testing.assert_array_equal(four.get("a"), [5.0, 5.0])
    assert four.size == 4
    assert sorted(four.ids()) == ["a", "b", "c", "d"]


def test_wrong_length_vector_is_rejected_naming_the_id() -> None:
    with pytest.raises(ValueError, match="'u'.*3 features, expected 2"):
        FeatureVectors(2).set("u", vec(1.0, 2.0, 3.0))


def test_non_finite_vector_is_rejected() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        FeatureVectors(2).set("u", vec(1.0, math.nan))


def test_get_many_returns_none_for_unknown_ids(four: FeatureVectors) -> None:
    got = four.get_many(["b", "zzz"])
    np.testing.assert_array_equal(got[0], [0.0, 1.0])
    assert got[1] is None


def test_rows_of_gives_the_known_ids_positions_and_a_matrix_that_later_writes_leave_alone(
    four: FeatureVectors,
) -> None:
    positions, matrix = four.rows_of(["zzz", "b", "a", "b"])
    assert positions == [1, 2, 3]
    np.testing.assert_array_equal(matrix, [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert matrix.dtype == np.float32
    four.set("b", vec(5.0, 5.0))
    np.testing.assert_array_equal(matrix[0], [0.0, 1.0])  # a copy: the store's new row is not seen
    np.testing.assert_array_equal(four.rows_of(["b"])[1], [[5.0, 5.0]])
    unknown_positions, unknown = four.rows_of(["zzz"])
    assert unknown_positions == [] and unknown.shape == (0, 2)
    assert four.rows_of([])[1].shape == (0, 2)


def test_matrix_view_pairs_each_row_with_its_id(four: FeatureVectors) -> None:
    four.set("b", vec(0.0, 7.0))  # leaves a dead row behind
    matrix, ids = four.matrix_view()
    assert matrix.dtype == np.float32 and matrix.flags.c_contiguous
    assert dict(zip(ids, map(tuple, matrix.tolist()), strict=True)) == {
        "a": (1.0, 0.0),
        "b": (0.0, 7.0),
        "c": (1.0, 1.0),
        "d": (-1.0, 0.0),
    }


def test_matrix_view_is_a_snapshot_unaffected_by_later_writes(four: FeatureVectors) -> None:
    matrix, ids = four.matrix_view()
    before = matrix.copy()
    four.set("a", vec(9.0, 9.0))
    four.set("e", vec(3.0, 3.0))
    np.testing.assert_array_equal(matrix, before)
    assert len(ids) == 4
    assert not matrix.flags.writeable


def test_gram_is_xtx_over_current_vectors(four: FeatureVectors) -> None:
    four.set("c", vec(2.0, 0.0))
    four.remove("d")
    # rows a (1,0), b (0,1), c (2,0): XᵀX = [[1+4, 0], [0, 1]]
    gram = four.gram()
    assert gram.dtype == np.float64
    np.testing.assert_array_equal(gram, [[5.0, 0.0], [0.0, 1.0]])


def test_top_n_orders_by_dot_product(four: FeatureVectors) -> None:
    assert four.top_n(QUERY, 3) == [("c", 1.5), ("a", 1.0), ("b", 0.5)]


def test_top_n_returns_everything_when_asking_for_more(four: FeatureVectors) -> None:
    assert [id_ for id_, _ in four.top_n(QUERY, 10)] == ["c", "a", "b", "d"]


def test_top_n_excludes_ids(four: FeatureVectors) -> None:
    assert four.top_n(QUERY, 2, exclude={"c", "unknown"}) == [("a", 1.0), ("b", 0.5)]


def test_top_n_filter_drops_ids(four: FeatureVectors) -> None:
    assert four.top_n(QUERY, 2, is_filtered=lambda id_: id_ == "a") == [("c", 1.5), ("b", 0.5)]


def test_top_n_rescore_reorders_and_nan_excludes(four: FeatureVectors) -> None:
    def rescore(id_: str, score: float) -> float:
        return math.nan if id_ == "c" else -score

    assert four.top_n(QUERY, 2, rescore=rescore) == [("d", 1.0), ("b", -0.5)]


def test_top_n_over_fetches_past_a_filter_removing_the_best_half() -> None:
    vectors = FeatureVectors(1)
    for i in range(100):
        vectors.set(str(i), vec(float(i)))
    result = vectors.top_n(vec(1.0), 3, is_filtered=lambda id_: int(id_) >= 50)
    assert result == [("49", 49.0), ("48", 48.0), ("47", 47.0)]


def test_top_n_ties_keep_insertion_order() -> None:
    vectors = FeatureVectors(1)
    for id_ in ["x", "y", "z"]:
        vectors.set(id_, vec(1.0))
    assert [id_ for id_, _ in vectors.top_n(vec(1.0), 2)] == ["x", "y"]


def test_top_n_sees_replaced_vectors_once(four: FeatureVectors) -> None:
    four.set("d", vec(10.0, 0.0))
    assert four.top_n(QUERY, 2) == [("d", 10.0), ("c", 1.5)]


def test_top_n_restricted_to_candidate_rows(four: FeatureVectors) -> None:
    assert four.top_n(QUERY, 4, candidate_rows=np.array([1, 3])) == [("b", 0.5), ("d", -1.0)]


def test_top_n_of_zero_or_empty_is_empty(four: FeatureVectors) -> None:
    assert four.top_n(QUERY, 0) == []
    assert FeatureVectors(2).top_n(QUERY, 5) == []


def test_top_n_rejects_a_query_of_the_wrong_length(four: FeatureVectors) -> None:
    with pytest.raises(ValueError, match="3 features, expected 2"):
        four.top_n(vec(1.0, 2.0, 3.0), 1)


def test_top_n_cosine_ranks_by_angle_and_skips_zero_vectors() -> None:
    vectors = FeatureVectors(2)
    vectors.set("long", vec(2.0, 0.0))
    vectors.set("diagonal", vec(5.0, 5.0))
    vectors.set("zero", vec(0.0, 0.0))
    result = vectors.top_n_cosine(vec(3.0, 0.0), 5)
    assert [id_ for id_, _ in result] == ["long", "diagonal"]
    assert result[0][1] == pytest.approx(1.0)
    assert result[1][1] == pytest.approx(math.sqrt(0.5))


def test_remove_all_except_keeps_only_the_given_ids(four: FeatureVectors) -> None:
    assert four.remove_all_except(["b", "d", "never-there"]) == 2
    matrix, ids = four.matrix_view()
    assert ids == ["b", "d"]
    np.testing.assert_array_equal(matrix, [[0.0, 1.0], [-1.0, 0.0]])
    assert four.top_n(QUERY, 5) == [("b", 0.5), ("d", -1.0)]


def test_retain_recent_and_keeps_ids_set_since_the_last_call() -> None:
    vectors = FeatureVectors(1)
    vectors.set("a", vec(1.0))
    vectors.set("b", vec(1.0))
    assert vectors.retain_recent_and([]) == 0  # both are recent
    vectors.set("c", vec(1.0))
    assert vectors.retain_recent_and(["a"]) == 1
    assert sorted(vectors.ids()) == ["a", "c"]


def test_remove_forgets_the_id(four: FeatureVectors) -> None:
    assert four.remove("c") is True
    assert four.remove("c") is False
    assert four.get("c") is None
    assert [id_ for id_, _ in four.top_n(QUERY, 5)] == ["a", "b", "d"]


def test_many_replacements_are_compacted_away() -> None:
    vectors = FeatureVectors(2, initial_capacity=16)
    for i in range(5000):
        vectors.set("only", vec(float(i), 1.0))
    matrix, ids = vectors.matrix_view()
    assert ids == ["only"]
    np.testing.assert_array_equal(matrix, [[4999.0, 1.0]])
    assert vectors.top_n(vec(1.0, 0.0), 5) == [("only", 4999.0)]


def test_growth_keeps_every_vector() -> None:
    vectors = FeatureVectors(3, initial_capacity=16)
    for i in range(1000):
        vectors.set(f"i{i}", vec(float(i), 0.0, 1.0))
    assert vectors.size == 1000
    np.testing.assert_array_equal(vectors.get("i777"), [777.0, 0.0, 1.0])
    assert vectors.top_n(vec(1.0, 0.0, 0.0), 2) == [("i999", 999.0), ("i998", 998.0)]


def test_lsh_restricts_the_scan_unless_exact_is_asked_for() -> None:
    rng = np.random.default_rng(11)
    lsh = LocalitySensitiveHash(0.1, 8, num_cores=2, seed=5)
    vectors = FeatureVectors(8, lsh=lsh)
    matrix = rng.standard_normal((2000, 8)).astype(np.float32)
    for i, row in enumerate(matrix):
        vectors.set(str(i), row)
    query = matrix[0]
    approximate = vectors.top_n(query, 2000)
    exact = vectors.top_n(query, 2000, approximate=False)
    assert len(exact) == 2000
    assert 0 < len(approximate) < 600
    assert "0" in dict(approximate)  # a vector always shares its own code
    exact_scores = dict(exact)
    # The same dot products, summed over other slices of the matrix: equal up to float32 rounding.
    for id_, score in approximate:
        assert score == pytest.approx(exact_scores[id_], rel=1e-5, abs=1e-5)
    assert approximate == sorted(approximate, key=lambda pair: -pair[1])


def test_lsh_must_match_the_number_of_features() -> None:
    with pytest.raises(ValueError, match="LSH hashes 4 features"):
        FeatureVectors(3, lsh=LocalitySensitiveHash(0.5, 4))


def test_normalize_helpers() -> None:
    np.testing.assert_allclose(normalize(vec(3.0, 4.0)), [0.6, 0.8])
    np.testing.assert_array_equal(normalize(vec(0.0, 0.0)), [0.0, 0.0])
    np.testing.assert_allclose(normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]])), [[0.6, 0.8], [0.0, 0.0]])
    assert cosine_similarity(vec(1.0, 0.0), vec(1.0, 1.0)) == pytest.approx(math.sqrt(0.5))
    assert cosine_similarity(vec(1.0, 0.0), vec(0.0, 0.0)) == 0.0


def test_concurrent_writer_and_readers_never_see_torn_rows() -> None:
    """Each written vector has all k components equal to one integer, so a torn row would show as a row
    with unequal components, or a dot product with the ones vector that is not k times an integer."""
    k, ids = 8, [f"id{i}" for i in range(300)]
    vectors = FeatureVectors(k, initial_capacity=16)
    stop = threading.Event()
    errors: list[BaseException] = []
    reads = [0]

    def writer() -> None:
        generation = 0
        try:
            while not stop.is_set():
                generation += 1
                for id_ in ids[: 50 + generation % 250]:
                    vectors.set(id_, np.full(k, float(generation), dtype=np.float32))
                if generation % 7 == 0:
                    vectors.remove_all_except(ids[:100])
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    def reader() -> None:
        ones = np.ones(k, dtype=np.float32)
        try:
            while not stop.is_set():
                matrix, view_ids = vectors.matrix_view()
                assert len(view_ids) == len(set(view_ids)) == len(matrix)
                assert np.all(matrix == matrix[:, :1])
                for id_, score in vectors.top_n(ones, 20, exclude={"id3"}):
                    assert id_ != "id3"
                    assert score % k == 0
                gram = vectors.gram()
                assert np.allclose(gram, gram[0, 0])
                reads[0] += 1
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join(10)
    assert not errors, errors
    assert reads[0] > 10


def test_known_items_add_and_get() -> None:
    known = KnownItems()
    known.add("u", ["a", "b"])
    known.add("u", ["b", "c"])
    assert known.get("u") == {"a", "b", "c"}
    assert known.get("nobody") == frozenset()


def test_known_items_retain_prunes_users_and_items() -> None:
    known = KnownItems()
    known.add("u", ["a", "b"])
    known.add("v", ["a"])
    known.retain(users={"u"}, items={"b"})
    assert known.users() == ["u"]
    assert known.get("u") == {"b"}


def test_known_items_counts_for_popularity_and_activity() -> None:
    known = KnownItems()
    known.add("u", ["a", "b"])
    known.add("v", ["a"])
    assert known.item_counts() == {"a": 2, "b": 1}
    assert known.user_counts() == {"u": 2, "v": 1}


@pytest.mark.parametrize("how_many", [1, 10, 256, 300, 5_000])
def test_top_n_of_a_large_store_equals_a_full_sort(how_many: int) -> None:
    """Above 4,096 rows the selection first keeps only scores reaching a threshold from group maxima."""
    matrix = np.random.default_rng(21).standard_normal((12_000, 8)).astype(np.float32)
    vectors = FeatureVectors(8)
    vectors.set_many([f"i{row}" for row in range(len(matrix))], matrix)
    query = np.random.default_rng(22).standard_normal(8).astype(np.float32)
    expected = [f"i{row}" for row in np.argsort(-(matrix @ query), kind="stable")[:how_many]]
    assert [id_ for id_, _ in vectors.top_n(query, how_many)] == expected


def test_top_n_of_a_large_store_skips_dead_rows() -> None:
    matrix = np.random.default_rng(23).standard_normal((8_000, 8)).astype(np.float32)
    vectors = FeatureVectors(8)
    vectors.set_many([f"i{row}" for row in range(len(matrix))], matrix)
    query = matrix[0]
    best = np.argsort(-(matrix @ query))[:500]
    vectors.set_many([f"i{row}" for row in best], -matrix[best])  # dead rows outnumber the answer many times
    current = matrix.copy()
    current[best] = -matrix[best]
    expected = [f"i{row}" for row in np.argsort(-(current @ query), kind="stable")[:10]]
    assert [id_ for id_, _ in vectors.top_n(query, 10)] == expected


def test_top_n_cosine_of_a_large_store_never_returns_zero_vectors() -> None:
    """Zero vectors score NaN, which the threshold selection must neither pick nor let hide real scores."""
    matrix = np.random.default_rng(24).standard_normal((10_000, 8)).astype(np.float32)
    matrix[::2] = 0.0
    vectors = FeatureVectors(8)
    vectors.set_many([f"i{row}" for row in range(len(matrix))], matrix)
    top = vectors.top_n_cosine(matrix[1], 10)
    assert len(top) == 10 and top[0][0] == "i1"
    assert all(int(id_[1:]) % 2 == 1 for id_, _ in top)


def test_array_bytes_count_the_allocated_arrays_and_follow_growth_and_compaction() -> None:
    store = FeatureVectors(2, initial_capacity=16)
    per_row = 2 * 4 + 4 + 8  # float32 vector, float32 norm, int64 death version
    assert store.array_bytes == 16 * per_row
    store.set_many([f"u{n}" for n in range(200)], np.ones((200, 2), dtype=np.float32))
    assert store.array_bytes >= 200 * per_row
    for n in range(200):
        store.remove(f"u{n}")
    assert store.array_bytes < 200 * per_row  # compaction released the dead rows' space
