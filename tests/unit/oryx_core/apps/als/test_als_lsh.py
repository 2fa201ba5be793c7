"""Locality-sensitive hashing for sample-rate < 1: parameter choice, codes, candidates and measured recall."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.als.lsh import (
    MAX_HASHES,
    MAX_SCANNED_PARTITIONS,
    LocalitySensitiveHash,
    choose_hash_parameters,
)


def test_sample_rate_one_means_no_hashing() -> None:
    lsh = LocalitySensitiveHash(1.0, 10)
    assert choose_hash_parameters(1.0) == (0, 0)
    assert lsh.is_exact and lsh.scanned_fraction == 1.0
    np.testing.assert_array_equal(lsh.candidate_mask(np.ones(10), np.zeros(5, dtype=np.uint16)), [True] * 5)


@pytest.mark.parametrize("sample_rate", [0.0, -0.1, 1.01])
def test_sample_rate_outside_zero_one_is_rejected(sample_rate: float) -> None:
    with pytest.raises(ValueError, match="sample-rate must be in"):
        choose_hash_parameters(sample_rate)


@pytest.mark.parametrize("sample_rate", [0.5, 0.3, 0.1, 0.01])
def test_scanned_fraction_is_the_sample_rate_or_up_to_30_percent_more(sample_rate: float) -> None:
    lsh = LocalitySensitiveHash(sample_rate, 20, num_cores=2)
    assert 1 <= lsh.num_hashes <= MAX_HASHES
    assert sample_rate <= lsh.scanned_fraction <= 1.3 * sample_rate


@pytest.mark.parametrize("sample_rate", [0.9, 0.5, 0.3, 0.1, 0.01, 0.001])
def test_a_query_scans_at_most_a_few_hundred_partitions(sample_rate: float) -> None:
    """Each scanned partition is one slice call and one jump in memory: thousands of them made sample-rate 0.3
    barely faster than the exact scan."""
    lsh = LocalitySensitiveHash(sample_rate, 20, num_cores=2)
    assert round(lsh.scanned_fraction * (1 << lsh.num_hashes)) <= MAX_SCANNED_PARTITIONS


def test_sample_rate_0_3_takes_the_most_hashes_under_the_partition_cap() -> None:
    assert choose_hash_parameters(0.3, 2) == (10, 4)  # 386 of 1,024 partitions: 37.7% of the rows


def test_at_least_num_cores_partitions_are_scanned_when_possible() -> None:
    lsh = LocalitySensitiveHash(0.5, 20, num_cores=8)
    scanned = round(lsh.scanned_fraction * (1 << lsh.num_hashes))
    assert scanned >= 8


def test_hash_vectors_are_orthonormal_up_to_the_number_of_features() -> None:
    lsh = LocalitySensitiveHash(0.3, 20, seed=1)
    vectors = lsh.hash_vectors.astype(np.float64)
    assert vectors.shape == (lsh.num_hashes, 20)
    np.testing.assert_allclose(vectors @ vectors.T, np.eye(lsh.num_hashes), atol=1e-6)


def test_never_more_hash_vectors_than_hashed_features() -> None:
    """More hyperplanes than dimensions cannot be orthogonal: 11 in 10 dimensions leave partitions empty."""
    assert choose_hash_parameters(0.1, 1) == (11, 3)
    assert choose_hash_parameters(0.1, 1, max_hashes=10) == (6, 1)  # 7 of 64 partitions: 10.9% of the rows
    assert choose_hash_parameters(0.3, 1, max_hashes=4) == (4, 1)  # 5 of 16: 31.3%
    small = LocalitySensitiveHash(0.3, 4, seed=1)
    assert (small.num_hashes, small.max_bits_differing) == (4, 1)
    vectors = small.hash_vectors.astype(np.float64)
    np.testing.assert_allclose(vectors @ vectors.T, np.eye(4), atol=1e-6)
    biased = LocalitySensitiveHash(0.1, 12, seed=1, hashed_features=10)  # 10 factors, 2 bias coordinates
    assert (biased.num_hashes, biased.max_bits_differing) == (6, 1)


@pytest.mark.parametrize("max_hashes", [0, 17])
def test_max_hashes_outside_one_to_sixteen_is_rejected(max_hashes: int) -> None:
    with pytest.raises(ValueError, match=r"max_hashes must be in \[1, 16\]"):
        choose_hash_parameters(0.3, 1, max_hashes)


def test_every_partition_gets_its_share_of_random_vectors() -> None:
    """Oryx 2's ``testHashDistribution`` rule for 10 features at rate 0.1: no partition holds more than twice
    the vectors of another (with 11 hashes some of the 2^11 stayed empty)."""
    lsh = LocalitySensitiveHash(0.1, 10, seed=3)
    vectors = np.random.default_rng(11).standard_normal((100_000, 10)).astype(np.float32)
    counts = np.bincount(lsh.hash_rows(vectors), minlength=1 << lsh.num_hashes)
    assert counts.sum() == 100_000
    assert counts.max() <= 2 * counts.min()


def test_opposite_vectors_get_complementary_codes() -> None:
    lsh = LocalitySensitiveHash(0.1, 6, seed=3)
    vector = np.random.default_rng(4).standard_normal(6).astype(np.float32)
    assert lsh.hash_vector(vector) ^ lsh.hash_vector(-vector) == (1 << lsh.num_hashes) - 1


def test_incremental_index_finds_a_vector_for_itself() -> None:
    rng = np.random.default_rng(5)
    lsh = LocalitySensitiveHash(0.1, 8, seed=6)
    matrix = rng.standard_normal((100, 8)).astype(np.float32)
    lsh.index(matrix)
    extra = rng.standard_normal(8).astype(np.float32)
    lsh.add(100, extra)
    rows = lsh.candidate_rows(extra)
    assert 100 in rows
    assert rows.max() <= 100
    assert set(np.flatnonzero(lsh.candidate_mask(matrix[7], lsh.hash_rows(matrix)))) == set(
        lsh.candidate_rows(matrix[7])
    )


def test_recall_at_10_for_20k_random_items_at_sample_rate_0_3() -> None:
    """Measured on this data: 37.7% of rows scanned (h = 10, b = 4) and a mean recall@10 of 0.74. Random
    Gaussian vectors in 50 dimensions are the hardest case for angle hashing; real factor matrices cluster
    more. The bound below is deliberately conservative."""
    rng = np.random.default_rng(2024)
    items = rng.standard_normal((20_000, 50)).astype(np.float32)
    queries = rng.standard_normal((100, 50)).astype(np.float32)
    lsh = LocalitySensitiveHash(0.3, 50, num_cores=2, seed=7)
    lsh.index(items)
    recalls, fractions = [], []
    for query in queries:
        exact = set(np.argpartition(-(items @ query), 10)[:10])
        rows = lsh.candidate_rows(query)
        approximate = set(rows[np.argpartition(-(items[rows] @ query), 10)[:10]])
        recalls.append(len(exact & approximate) / 10)
        fractions.append(len(rows) / len(items))
    print(f"LSH sample-rate 0.3: scanned {np.mean(fractions):.3f}, recall@10 {np.mean(recalls):.3f}")
    assert 0.3 <= np.mean(fractions) <= 0.42
    assert np.mean(recalls) >= 0.7
