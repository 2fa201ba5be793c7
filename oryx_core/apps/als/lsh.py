"""Locality-sensitive hashing that lets ALS queries scan only part of the item vectors (``oryx.als.sample-rate``).

Like Oryx 2's serving model, each vector gets an h-bit code: bit j is set when the vector's dot product with
the j-th random hash vector is positive, so vectors at a small angle tend to share most bits. A query scans
only the rows whose code differs from the query's code in at most b bits. h and b are chosen so that the
fraction of the 2^h codes scanned is ``sample-rate`` or up to 30% more; with ``sample-rate`` 1 there is no
hashing and every row is scanned, giving exact answers. h never exceeds the number of hashed features: the hash
vectors are then exactly orthogonal, so each bit halves every direction independently and the 2^h partitions
are equally likely. More hyperplanes than dimensions cannot be independent: 11 in 10 dimensions left some of the
2^11 partitions empty and others twice as full (Oryx 2's ``LocalitySensitiveHashTest.testHashDistribution``).

Codes are ``uint16`` (h <= 16), and the Hamming distance is a table lookup. ``FeatureVectors`` keeps its rows
grouped by code, so a query's candidates are contiguous slices of the matrix (``candidate_code_mask`` says
which codes); Oryx 2 also uses the partitions to spread a query over the CPU cores, here ``num_cores`` only
serves Oryx 2's rule that a query should touch at least that many partitions.

Speed: scoring scattered candidate rows (a gather) costs about as much as scoring every row, because both are
bound by memory bandwidth; that is why the rows are grouped, and why ``choose_hash_parameters`` caps the
scanned partitions at a few hundred: each is one slice call and one jump in memory, and Oryx 2's choice for
sample-rate 0.3 (h = 15, ~2,000 slices on 1M items) was only 1.4-1.6x faster than the exact scan. Measured on
random 50-feature vectors (``benchmarks/als_recommend.py``, 1M items, ratios from one run on a loaded 2-core
machine): sample-rate 0.3 picks h = 10, b = 4 (37.7% of rows), recall@10 0.82 against the exact answer, and
top-10 3.3x faster than the exact mode when every row is grouped; while a fifth of the rows still sit in the
ungrouped tail (scanned whole) it is 1.8x faster. Random Gaussian vectors are the hardest case for angle hashing.
"""

from __future__ import annotations

from math import comb

import numpy as np

__all__ = ["MAX_HASHES", "LocalitySensitiveHash", "choose_hash_parameters"]

MAX_HASHES = 16
"""At most 16 hash vectors, as in Oryx 2, so that a code fits in ``uint16`` and 2^h partitions stay sensible."""

_POPCOUNT = np.array([bin(code).count("1") for code in range(1 << MAX_HASHES)], dtype=np.uint8)
MAX_SCANNED_PARTITIONS = 400
"""A query scans at most this many of the 2^h partitions (when any choice allows it); see ``choose_hash_parameters``."""
_MAX_OVERSCAN = 1.3


def _scanned_partitions(num_hashes: int, max_bits_differing: int) -> int:
    """How many of the 2^h codes lie within ``max_bits_differing`` bits of a given code."""
    return sum(comb(num_hashes, bits) for bits in range(max_bits_differing + 1))


def _scanned_fraction(option: tuple[int, int]) -> float:
    return _scanned_partitions(*option) / (1 << option[0])


def choose_hash_parameters(sample_rate: float, num_cores: int = 1, max_hashes: int = MAX_HASHES) -> tuple[int, int]:
    """The (number of hashes h, maximum differing bits b) to scan about ``sample_rate`` of the rows quickly.

    Candidates are the pairs with h at most ``max_hashes`` (the number of hashed features: more hyperplanes than
    dimensions cannot be orthogonal and leave partitions empty) scanning at least ``num_cores`` partitions
    (Oryx 2's rule, when any does) and at most ``MAX_SCANNED_PARTITIONS``. Every scanned partition is one slice
    of the grouped rows: one BLAS call and one jump in memory. With h = 15 (Oryx 2's choice for 0.3) a query
    over 1M items scanned ~2,000 slices of ~150 rows and was only 1.4-1.6x faster than the exact scan; h = 10
    (386 partitions) is 2.3-2.8x faster.
    Among them, the pair with the most hashes whose scanned fraction is at least the sample rate and at most
    30% above it wins: more hyperplanes estimate the angle to the query more finely, and recall falls faster
    below the sample rate than time does above it. Failing that, the fraction closest in ratio wins.
    ``sample_rate`` 1 gives (0, 0): no hashing.
    """
    if not 0.0 < sample_rate <= 1.0:
        raise ValueError(f"oryx.als.sample-rate must be in (0, 1], got {sample_rate}")
    if not 1 <= max_hashes <= MAX_HASHES:
        raise ValueError(f"max_hashes must be in [1, {MAX_HASHES}], got {max_hashes}")
    if sample_rate == 1.0:
        return 0, 0
    options = [
        (num_hashes, bits)
        for num_hashes in range(1, max_hashes + 1)
        for bits in range(num_hashes)  # bits == num_hashes would scan everything
    ]
    options = [option for option in options if _scanned_partitions(*option) >= num_cores] or options
    options = [option for option in options if _scanned_partitions(*option) <= MAX_SCANNED_PARTITIONS] or options
    above = [option for option in options if sample_rate <= _scanned_fraction(option) <= sample_rate * _MAX_OVERSCAN]
    if above:
        return max(above)
    return min(options, key=lambda option: (abs(float(np.log(_scanned_fraction(option) / sample_rate))), -option[0]))


def _orthonormal_vectors(count: int, features: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` (at most ``features``) random orthonormal vectors, uniformly distributed as a set."""
    if count > features:
        raise ValueError(f"{count} orthogonal vectors do not fit in {features} dimensions")
    q, r = np.linalg.qr(rng.standard_normal((features, count)))
    chosen = (q * np.sign(np.diag(r))).T  # the sign fix makes the orthonormal set uniformly random
    return np.ascontiguousarray(chosen.astype(np.float32).reshape(count, features))


class LocalitySensitiveHash:
    """Random-hyperplane hashing of k-dimensional vectors into 2^h partitions, and the query's candidates.

    The pure methods (``hash_vector``, ``hash_rows``, ``candidate_mask``) work on codes the caller keeps, as
    ``FeatureVectors`` does. ``index``/``add``/``candidate_rows`` keep one code per row here instead, for a
    caller that owns a stable row numbering. Not thread-safe for writes; ``FeatureVectors`` serialises them.
    """

    def __init__(
        self,
        sample_rate: float,
        features: int,
        num_cores: int = 1,
        seed: int | None = None,
        *,
        hashed_features: int | None = None,
    ) -> None:
        """``hashed_features``: only the first this many coordinates are hashed (a biased model's factors; the
        bias coordinates say nothing about direction); all of them when None."""
        if features <= 0:
            raise ValueError(f"features must be positive, got {features}")
        hashed = features if hashed_features is None else hashed_features
        if not 0 < hashed <= features:
            raise ValueError(f"hashed_features must be in [1, {features}], got {hashed}")
        self.sample_rate = sample_rate
        self.features = features
        self.num_hashes, self.max_bits_differing = choose_hash_parameters(
            sample_rate, max(1, num_cores), min(MAX_HASHES, hashed)
        )
        rng = np.random.default_rng(seed)
        self.hash_vectors = np.zeros((self.num_hashes, features), dtype=np.float32)
        self.hash_vectors[:, :hashed] = _orthonormal_vectors(self.num_hashes, hashed, rng)
        self._bit_values = (1 << np.arange(self.num_hashes, dtype=np.uint32)).astype(np.uint16)
        self._codes = np.zeros(0, dtype=np.uint16)
        self._size = 0

    @property
    def is_exact(self) -> bool:
        """True when every row is scanned (``sample-rate`` 1)."""
        return self.num_hashes == 0

    @property
    def scanned_fraction(self) -> float:
        """Fraction of the 2^h partitions a query scans; the expected fraction of rows for spread-out vectors."""
        if self.is_exact:
            return 1.0
        return _scanned_partitions(self.num_hashes, self.max_bits_differing) / (1 << self.num_hashes)

    def hash_rows(self, matrix: np.ndarray) -> np.ndarray:
        """The code of each row of an (n, k) matrix, as ``uint16``."""
        matrix = np.asarray(matrix, dtype=np.float32).reshape(-1, self.features)
        if self.is_exact:
            return np.zeros(len(matrix), dtype=np.uint16)
        bits = (matrix @ self.hash_vectors.T) > 0.0
        return (bits.astype(np.uint16) @ self._bit_values).astype(np.uint16)

    def hash_vector(self, vector: np.ndarray) -> int:
        return int(self.hash_rows(vector)[0])

    def candidate_mask(self, query: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """True for each code within ``max_bits_differing`` bits of the query's code."""
        if self.is_exact:
            return np.ones(len(codes), dtype=bool)
        differing = np.bitwise_xor(codes, np.uint16(self.hash_vector(query)))
        return _POPCOUNT[differing] <= self.max_bits_differing

    def candidate_code_mask(self, query: np.ndarray) -> np.ndarray:
        """True for each of the 2^h codes a query scans (``FeatureVectors`` maps codes to row slices)."""
        codes = np.arange(1 << self.num_hashes, dtype=np.uint32).astype(np.uint16)
        return _POPCOUNT[np.bitwise_xor(codes, np.uint16(self.hash_vector(query)))] <= self.max_bits_differing

    def index(self, matrix: np.ndarray) -> None:
        """Replaces the kept codes with those of the matrix's rows."""
        self._codes = self.hash_rows(matrix)
        self._size = len(self._codes)

    def add(self, row: int, vector: np.ndarray) -> None:
        """Sets the code of one row (new or replaced), growing the kept codes by doubling."""
        if row < 0:
            raise ValueError(f"row must be >= 0, got {row}")
        if row >= len(self._codes):
            grown = np.zeros(max(row + 1, 2 * len(self._codes), 16), dtype=np.uint16)
            grown[: self._size] = self._codes[: self._size]
            self._codes = grown
        self._codes[row] = self.hash_vector(vector)
        self._size = max(self._size, row + 1)

    def candidate_rows(self, query: np.ndarray) -> np.ndarray:
        """Indices of the indexed rows worth scoring against ``query``, ascending."""
        return np.flatnonzero(self.candidate_mask(query, self._codes[: self._size]))
