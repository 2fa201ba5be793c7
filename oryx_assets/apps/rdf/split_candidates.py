"""Split candidates for numeric features: where a tree may cut each numeric predictor (``oryx.rdf.split-candidates``).

MLlib's own rule (``"quantile"``) takes ``maxBins - 1`` quantiles of a sample of ``max(maxBins², 10000)`` rows as
each feature's only possible thresholds. On a skewed feature whose tail drives the target, equal-frequency
thresholds are dense where nothing happens and absent where the target changes fast, and the forest loses to one
that searches exact splits (scikit-learn's).

The default rule (``"quantile-and-target"``) chooses the ``B = max-split-candidates`` thresholds itself:

* half are quantiles of the whole training data at probabilities ``i / (B/2 + 1)`` (exact when the driver's
  sample below holds every row, else Spark's ``approxQuantile``: one pass, rank error a tenth of their spacing),
  which keep every region of the data splittable;
* half are the thresholds of a one-feature decision tree of the target (scikit-learn, ``B/2 + 1`` leaves, best
  first) fitted on the driver on a uniform sample (:func:`target_sample_rows`: all rows up to a budget of
  values), which put candidates where the target changes, however little data lies there: in the tail of a
  skewed feature, a few rows can carry most of the squared error.

MLlib then trains on each value's *bin index* (how many cuts lie strictly below it) instead of the value. Every
bin index is a distinct value, and there are at most ``B + 1`` of them, so MLlib, given ``maxBins`` at least that
large (:func:`mllib_max_bins`), offers every boundary between bins as a candidate. A learnt threshold ``t`` on bin
indices means ``bin > t``, which is ``value > cuts[floor(t)]`` (:meth:`Cuts.threshold`), so the published trees
compare real feature values and the speed and serving layers never see a bin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from oryx_core.input.schema import InputSchema

__all__ = [
    "QUANTILE",
    "QUANTILE_AND_TARGET",
    "RULES",
    "Cuts",
    "bin_indices",
    "find_cuts",
    "merged_cuts",
    "mllib_max_bins",
    "quantile_probabilities",
    "target_sample_rows",
    "target_thresholds",
    "target_tree_min_leaf",
]

QUANTILE_AND_TARGET = "quantile-and-target"
QUANTILE = "quantile"
RULES = (QUANTILE_AND_TARGET, QUANTILE)

TARGET_SAMPLE_VALUES = 2_000_000
"""Most values (rows × (numeric predictors + 1)) sampled to the driver for the target trees: 16 MB of floats."""

TARGET_SAMPLE_MIN_ROWS = 50_000
"""Fewest rows sampled for the target trees (when there are that many), however many numeric predictors."""

MLLIB_MAX_SAMPLE_BINS = 1024
"""Most ``maxBins`` given to MLlib to enlarge its split-finding sample (``maxBins²`` rows, here about a million)."""

MISSING_BIN_EXPECTED_ROWS = 5
"""How many rows of MLlib's split-finding sample the smallest bin should expect when that sample is not all the
data (a bin absent from the sample merges with its neighbour; with 5 expected rows that happens 0.7 % of the
time)."""


def target_sample_rows(rows: int, numeric_predictors: int) -> int:
    """How many of ``rows`` usable examples the target trees are fitted on: ``TARGET_SAMPLE_VALUES`` worth,
    at least ``TARGET_SAMPLE_MIN_ROWS``."""
    budget = max(TARGET_SAMPLE_MIN_ROWS, TARGET_SAMPLE_VALUES // (numeric_predictors + 1))
    return min(rows, budget)


def mllib_max_bins(rows: int, most_bins: int, arity: int) -> int:
    """MLlib's ``maxBins`` when it trains on our bins.

    At least ``most_bins``, so MLlib keeps every bin boundary as a candidate, and the largest categorical
    ``arity`` (MLlib requires it). MLlib looks for thresholds on a sample of ``max(maxBins², 10000)`` rows, and
    a bin absent from that sample merges with its neighbour, so ``maxBins`` also grows to ``ceil(sqrt(rows))``,
    up to ``MLLIB_MAX_SAMPLE_BINS``, for the sample to be all the data. That costs little: MLlib sizes its
    histograms by the thresholds it found, not by ``maxBins``. (For multiclass targets it also lets MLlib try
    every subset of categories of a predictor with up to ``log2(maxBins / 2 + 1) + 1`` of them.)
    """
    covering = min(MLLIB_MAX_SAMPLE_BINS, math.isqrt(max(rows - 1, 0)) + 1)
    return max(most_bins, arity, covering)


def target_tree_min_leaf(rows: int, sample_rows: int) -> int:
    """Fewest sampled rows per target-tree leaf: 1 while MLlib's split-finding sample holds every row, else
    enough for a bin to expect ``MISSING_BIN_EXPECTED_ROWS`` rows in it."""
    mllib_sample = MLLIB_MAX_SAMPLE_BINS**2
    if rows <= mllib_sample or not sample_rows:
        return 1
    return math.ceil(MISSING_BIN_EXPECTED_ROWS * sample_rows / mllib_sample)


@dataclass(frozen=True)
class Cuts:
    """Per binned numeric predictor (by feature index), its cut values, sorted and distinct."""

    by_feature: Mapping[int, np.ndarray]

    @property
    def most_bins(self) -> int:
        """The largest number of bins of any feature (cuts + 1); 0 with no binned feature."""
        return max((len(cuts) + 1 for cuts in self.by_feature.values()), default=0)

    def threshold(self, feature: int, mllib_threshold: float) -> float:
        """The value threshold equivalent to MLlib's threshold on ``feature``'s bin indices.

        MLlib sends a bin index ``b`` to its right child when ``b > t``; bins are integers, so that is
        ``b >= floor(t) + 1``, i.e. at least ``floor(t) + 1`` cuts lie below the value, i.e. the value exceeds
        ``cuts[floor(t)]``. A feature without cuts keeps MLlib's threshold.
        """
        cuts = self.by_feature.get(feature)
        if cuts is None:
            return float(mllib_threshold)
        index = math.floor(mllib_threshold)
        if not 0 <= index < len(cuts):
            raise ValueError(f"MLlib threshold {mllib_threshold} on feature {feature} is outside its {len(cuts)} cuts")
        return float(cuts[index])


def bin_indices(cuts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """How many cuts lie strictly below each value: a value equal to a cut stays on the cut's low side, as
    ``value > cut`` (the trees' predicate) leaves it."""
    return np.searchsorted(cuts, values, side="left")


def quantile_probabilities(count: int) -> list[float]:
    """``count`` evenly spaced probabilities strictly inside (0, 1)."""
    return [(i + 1) / (count + 1) for i in range(count)]


def target_thresholds(
    x: np.ndarray, y: np.ndarray, count: int, classification: bool, impurity: str, min_leaf: int = 1
) -> np.ndarray:
    """Up to ``count`` thresholds on ``x`` of a best-first decision tree of ``y`` (``impurity``: gini or entropy
    for classes; regression trees use squared error) with at least ``min_leaf`` rows per leaf, sorted."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if count < 1 or len(x) < 2 * min_leaf:
        return np.empty(0)
    shape = {"max_leaf_nodes": count + 1, "min_samples_leaf": min_leaf, "random_state": 0}
    tree = (
        DecisionTreeClassifier(criterion=impurity, **shape)  # type: ignore[arg-type]
        if classification
        else DecisionTreeRegressor(**shape)  # type: ignore[arg-type]
    )
    fitted = tree.fit(np.asarray(x, dtype=np.float64).reshape(-1, 1), y).tree_
    return np.sort(fitted.threshold[fitted.feature >= 0])


def merged_cuts(*parts: Sequence[float] | np.ndarray) -> np.ndarray:
    """The finite values of ``parts``, sorted and distinct."""
    values = np.concatenate([np.asarray(p, dtype=np.float64) for p in parts]) if parts else np.empty(0)
    return np.unique(values[np.isfinite(values)])


def _target_sample(good: DataFrame, columns: list[str], rows: int, wanted: int, seed: int) -> dict[str, np.ndarray]:
    """About ``wanted`` of the ``rows`` usable examples' ``columns``, drawn uniformly, collected through Arrow."""
    fraction = min(1.0, wanted / rows) if rows else 1.0
    chosen = good if fraction >= 1.0 else good.sample(False, fraction, seed)
    table = chosen.select(*columns).limit(wanted).toArrow()
    return {c: table.column(c).to_numpy() for c in columns}


def _quantiles(
    good: DataFrame, numeric: list[str], count: int, sample: dict[str, np.ndarray], whole: bool
) -> list[Sequence[float]]:
    """``count`` quantiles of each numeric column: exact from the driver's sample when it holds every row, else
    from Spark's ``approxQuantile`` over all rows (one pass, rank error a tenth of the quantiles' spacing)."""
    if not count:
        return [[] for _ in numeric]
    probabilities = quantile_probabilities(count)
    if whole:
        return [np.quantile(sample[c], probabilities, method="inverted_cdf") for c in numeric]
    return good.approxQuantile(numeric, probabilities, 0.1 / (count + 1))


def find_cuts(good: DataFrame, schema: InputSchema, candidates: int, impurity: str, rows: int, seed: int) -> Cuts:
    """Each numeric predictor's cuts from the usable examples ``good`` (``rows`` of them): ``candidates // 2``
    quantiles and up to ``candidates - candidates // 2`` target-tree thresholds, merged."""
    assert schema.target is not None
    numeric = [c for c in schema.predictors if schema.is_numeric(c)]
    if not numeric:
        return Cuts({})
    quantile_count = candidates // 2
    wanted = target_sample_rows(rows, len(numeric))
    sample = _target_sample(good, [*numeric, schema.target], rows, wanted, seed)
    quantiles = _quantiles(good, numeric, quantile_count, sample, whole=wanted >= rows)
    target = sample[schema.target]
    min_leaf = target_tree_min_leaf(rows, wanted)
    by_feature = {}
    for column, column_quantiles in zip(numeric, quantiles, strict=True):
        thresholds = target_thresholds(
            sample[column], target, candidates - quantile_count, schema.is_classification, impurity, min_leaf
        )
        by_feature[schema.predictors.index(column)] = merged_cuts(column_quantiles, thresholds)
    return Cuts(by_feature)
