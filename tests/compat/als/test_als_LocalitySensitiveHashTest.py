"""Oryx 2's ``LocalitySensitiveHashTest``, on ``oryx_core.apps.als.lsh.LocalitySensitiveHash``.

Deliberately different numbers: for ``oryx.als.sample-rate`` r Oryx 2 picks the fewest hashes h whose scanned
partitions are at most r of the 2^h, and at least the core count; ours (``choose_hash_parameters``) picks the
most hashes, at most one per hashed feature, scanning between r and 1.3·r of them, at most 400 partitions a
query (measured faster at equal recall; README, "Differences from Oryx 2"). So where upstream asserts its (h, b)
pairs, this port asserts ours, and the properties both share: 2^h partitions, exact mode at rate 1, at least the
core count of partitions scanned, and candidates that are exactly the codes within b bits of the query's.
``testHashDistribution`` keeps upstream's rule (no partition gets more than twice the vectors of another) with
enough random vectors for about 200 per partition, as upstream's 100,000 gave its fewer partitions."""

from __future__ import annotations

from math import comb

import numpy as np

from oryx_core.apps.als.lsh import MAX_SCANNED_PARTITIONS, LocalitySensitiveHash

OURS = {
    (1.0, 1): (0, 0),
    (0.5, 1): (9, 4),
    (0.1, 1): (6, 1),
    (1.0, 2): (0, 0),
    (0.75, 3): (8, 6),
    (0.5, 3): (9, 4),
    (0.1, 8): (9, 2),
    (0.01, 8): (10, 1),
    (0.001, 8): (10, 1),
    (0.0001, 8): (10, 1),
    (0.00001, 8): (10, 1),
}
"""(sample rate, cores) -> our (hashes, bits differing) for upstream's 10 features: never more hashes than
features, so the smallest rates all stop at h = 10."""


def check_hashes_bits(sample_rate: float, num_cores: int, num_hashes: int, max_bits_differing: int) -> None:
    lsh = LocalitySensitiveHash(sample_rate, 10, num_cores, seed=1)
    assert (lsh.num_hashes, lsh.max_bits_differing) == (num_hashes, max_bits_differing)
    assert len(lsh.candidate_code_mask(np.ones(10, dtype=np.float32))) == 1 << num_hashes
    if sample_rate >= 1.0:
        assert lsh.is_exact and lsh.max_bits_differing == lsh.num_hashes
        return
    assert num_hashes <= 10  # never more hash vectors than features
    partitions_to_try = sum(comb(num_hashes, bits) for bits in range(max_bits_differing + 1))
    assert partitions_to_try >= num_cores
    if any(in_range(sample_rate, num_cores, h, b) for h in range(1, 11) for b in range(h)):
        assert in_range(sample_rate, num_cores, num_hashes, max_bits_differing)


def in_range(sample_rate: float, num_cores: int, num_hashes: int, max_bits_differing: int) -> bool:
    """Whether (h, b) scans at least the cores' count of partitions and at most 400, between r and 1.3·r of all."""
    scanned = sum(comb(num_hashes, bits) for bits in range(max_bits_differing + 1))
    fraction = scanned / (1 << num_hashes)
    return num_cores <= scanned <= MAX_SCANNED_PARTITIONS and sample_rate <= fraction <= 1.3 * sample_rate


def testOneCore() -> None:
    for sample_rate in (1.0, 0.5, 0.1):
        check_hashes_bits(sample_rate, 1, *OURS[sample_rate, 1])


def testTwoCores() -> None:
    check_hashes_bits(1.0, 2, *OURS[1.0, 2])
    check_hashes_bits(0.75, 3, *OURS[0.75, 3])


def testManyCores() -> None:
    check_hashes_bits(0.75, 3, *OURS[0.75, 3])
    check_hashes_bits(0.5, 3, *OURS[0.5, 3])
    for sample_rate in (0.1, 0.01, 0.001, 0.0001, 0.00001):
        check_hashes_bits(sample_rate, 8, *OURS[sample_rate, 8])


def gaussian_vectors_as_hashed(lsh: LocalitySensitiveHash, count: int, random: np.random.Generator) -> np.ndarray:
    """``count`` standard Gaussian vectors, as far as the hash can tell: the part of a vector orthogonal to every
    hash vector changes no bit, so only the projection onto their span is drawn (``Q z`` with ``Q`` an orthonormal
    basis of the span and ``z`` standard normal), which gives the codes of full Gaussian vectors at a fraction of
    the cost for 200 features."""
    if lsh.is_exact:
        return random.standard_normal((count, lsh.features), dtype=np.float32)
    basis, _ = np.linalg.qr(lsh.hash_vectors.T.astype(np.float64))
    return random.standard_normal((count, basis.shape[1]), dtype=np.float32) @ basis.T.astype(np.float32)


def check_hash_distribution(features: int, sample_rate: float, num_cores: int) -> None:
    lsh = LocalitySensitiveHash(sample_rate, features, num_cores, seed=3)
    partitions = 1 << lsh.num_hashes
    trials = max(100_000, 200 * partitions)
    counts = np.bincount(
        lsh.hash_rows(gaussian_vectors_as_hashed(lsh, trials, np.random.default_rng(11))), minlength=partitions
    )
    assert counts.sum() == trials
    assert counts.max() <= 2 * counts.min()


def testHashDistribution() -> None:
    for features, sample_rate, num_cores in [
        (200, 1.0, 16),
        (200, 0.1, 16),
        (40, 1.0, 8),
        (40, 0.1, 8),
        (40, 1.0, 1),
        (40, 0.1, 1),
        (10, 1.0, 1),
        (10, 0.1, 1),
    ]:
        check_hash_distribution(features, sample_rate, num_cores)


def candidate_codes(lsh: LocalitySensitiveHash, query: np.ndarray) -> np.ndarray:
    return np.flatnonzero(lsh.candidate_code_mask(query))


def testCandidateIndicesNoSample() -> None:
    lsh = LocalitySensitiveHash(1.0, 10, 8)
    codes = candidate_codes(lsh, np.zeros(10, dtype=np.float32))
    assert codes.tolist() == list(range(1 << lsh.num_hashes))


def check_candidates_within_bits(lsh: LocalitySensitiveHash, query: np.ndarray) -> None:
    """Exactly C(h, i) candidate codes differ from the query's code in i bits, for each i <= b, and no others."""
    own = lsh.hash_vector(query)
    differing = [bin(own ^ int(code)).count("1") for code in candidate_codes(lsh, query)]
    for bits in range(lsh.max_bits_differing + 1):
        assert differing.count(bits) == comb(lsh.num_hashes, bits)
    assert len(differing) == sum(comb(lsh.num_hashes, bits) for bits in range(lsh.max_bits_differing + 1))


def testCandidateIndicesOneBit() -> None:
    lsh = LocalitySensitiveHash(0.1, 10, 8, seed=5)
    assert (lsh.num_hashes, lsh.max_bits_differing) == OURS[0.1, 8]
    zero = np.zeros(10, dtype=np.float32)
    assert lsh.hash_vector(zero) == 0
    check_candidates_within_bits(lsh, zero)
    check_candidates_within_bits(lsh, np.ones(10, dtype=np.float32))


def testCandidateIndices() -> None:
    lsh = LocalitySensitiveHash(0.5, 10, 32, seed=5)
    assert (lsh.num_hashes, lsh.max_bits_differing) == (9, 4)
    ones = np.ones(10, dtype=np.float32)
    assert len(candidate_codes(lsh, ones)) == 1 + 9 + 36 + 84 + 126
    check_candidates_within_bits(lsh, ones)
