"""Our split candidates without Spark: bins, the translation of MLlib's bin thresholds back to values, target-tree
thresholds, and how large MLlib's maxBins and the driver sample get."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_assets.apps.rdf.split_candidates import (
    Cuts,
    bin_indices,
    merged_cuts,
    mllib_max_bins,
    quantile_probabilities,
    target_sample_rows,
    target_thresholds,
    target_tree_min_leaf,
)

CUTS = np.array([-1.5, 0.0, 2.0, 7.25])


def test_a_bin_is_the_number_of_cuts_strictly_below_the_value() -> None:
    values = np.array([-9.0, -1.5, -1.0, 0.0, 1e-300, 2.0, 3.0, 7.25, 7.5, np.inf])
    assert bin_indices(CUTS, values).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


@pytest.mark.parametrize(
    ("mllib_threshold", "value_threshold"), [(0.0, -1.5), (0.5, -1.5), (1.0, 0.0), (2.5, 2.0), (3.0, 7.25)]
)
def test_mllib_threshold_on_bins_becomes_the_cut_below_it(mllib_threshold: float, value_threshold: float) -> None:
    assert Cuts({2: CUTS}).threshold(2, mllib_threshold) == value_threshold


def test_bin_above_threshold_is_exactly_value_above_translated_threshold() -> None:
    """MLlib sends a bin right when ``bin > t``; the translated split sends the value right when ``v > cut``.
    Checked on every cut value, its float neighbours and random values, for integer and midpoint thresholds."""
    rng = np.random.default_rng(7)
    cuts = np.unique(rng.lognormal(0, 2, 40))
    values = np.concatenate([cuts, np.nextafter(cuts, -np.inf), np.nextafter(cuts, np.inf), rng.lognormal(0, 2, 5000)])
    bins = bin_indices(cuts, values)
    translated = Cuts({0: cuts})
    for t in [*np.arange(len(cuts)), *(np.arange(len(cuts)) + 0.5)]:
        assert np.array_equal(bins > t, values > translated.threshold(0, float(t)))


def test_feature_without_cuts_keeps_mllib_threshold_and_a_threshold_past_the_cuts_is_refused() -> None:
    cuts = Cuts({0: CUTS})
    assert cuts.threshold(1, 3.75) == 3.75
    with pytest.raises(ValueError, match="outside its 4 cuts"):
        cuts.threshold(0, 4.5)
    assert (cuts.most_bins, Cuts({}).most_bins) == (5, 0)


def test_quantile_probabilities_are_evenly_spaced_inside_the_unit_interval() -> None:
    assert quantile_probabilities(3) == [0.25, 0.5, 0.75]
    assert quantile_probabilities(0) == []


def test_merged_cuts_are_sorted_distinct_and_finite() -> None:
    assert merged_cuts([3.0, 1.0, np.nan], np.array([1.0, -np.inf, 2.0])).tolist() == [1.0, 2.0, 3.0]


def test_target_tree_puts_its_threshold_where_the_target_steps() -> None:
    x = np.arange(0, 10, 0.1)
    y = np.where(x > 7.33, 50.0, 0.0)
    assert target_thresholds(x, y, 1, classification=False, impurity="variance").tolist() == [pytest.approx(7.35)]
    labels = np.where(x > 2.04, "high", "low")
    [threshold] = target_thresholds(x, labels, 1, classification=True, impurity="entropy").tolist()
    assert threshold == pytest.approx(2.05)


def test_target_tree_gives_at_most_count_thresholds_and_none_for_too_few_rows() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 2000)
    y = np.sin(20 * x) + rng.normal(0, 0.1, 2000)
    assert len(target_thresholds(x, y, 12, classification=False, impurity="variance")) == 12
    assert target_thresholds(x[:9], y[:9], 3, classification=False, impurity="variance", min_leaf=5).size == 0
    assert target_thresholds(x, y, 0, classification=False, impurity="variance").size == 0


@pytest.mark.parametrize(
    ("rows", "most_bins", "arity", "expected"),
    [
        (48_000, 101, 8, 220),  # ceil(sqrt(48000)): MLlib's split-finding sample is every row
        (48_400, 101, 8, 220),  # 220² = 48400 rows exactly
        (400, 101, 3, 101),  # every bin boundary is a candidate
        (200, 51, 300, 300),  # the largest categorical arity
        (10**8, 101, 8, 1024),  # a sample of 1024² rows at most
    ],
)
def test_mllib_max_bins(rows: int, most_bins: int, arity: int, expected: int) -> None:
    assert mllib_max_bins(rows, most_bins, arity) == expected


def test_target_sample_is_a_budget_of_values_with_a_floor_of_rows() -> None:
    assert target_sample_rows(330_000, 4) == 330_000
    assert target_sample_rows(10**7, 4) == 400_000
    assert target_sample_rows(10**7, 99) == 50_000
    assert target_sample_rows(1_000, 99) == 1_000


def test_target_tree_leaves_stay_visible_in_mllib_sample() -> None:
    assert target_tree_min_leaf(1024**2, 400_000) == 1  # MLlib's sample holds every row
    assert target_tree_min_leaf(10**7, 400_000) == 2  # 2 of 400,000 rows: 5.2 expected in 1024² sampled rows
    assert target_tree_min_leaf(10**7, 50_000) == 1
