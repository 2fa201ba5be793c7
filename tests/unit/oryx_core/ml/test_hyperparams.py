"""Oryx 2's hyperparameter syntax (spec 1.13) and the random / grid searches (spec 3.3)."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from oryx_core.config import ConfigError, load_config
from oryx_core.ml.hyperparams import (
    ContinuousRange,
    DiscreteRange,
    Fixed,
    Unordered,
    choose_combinations,
    from_config,
    from_oryx_config,
    grid_values_per_hyperparam,
)

# ---- syntax --------------------------------------------------------------------------------------------


def test_scalar_int_is_fixed_int() -> None:
    assert from_config(10) == Fixed(10)


def test_scalar_double_is_fixed_double() -> None:
    assert from_config(0.001) == Fixed(0.001)


def test_numeric_string_is_fixed_number_like_oryx_parse_int() -> None:
    assert from_config("3") == Fixed(3)
    assert from_config("2.5") == Fixed(2.5)


def test_two_ints_are_a_discrete_range() -> None:
    assert from_config([5, 10]) == DiscreteRange(5, 10)


def test_a_double_in_the_pair_makes_a_continuous_range() -> None:
    result = from_config([0.1, 1])
    assert result == ContinuousRange(0.1, 1.0)
    assert isinstance(result.hi, float)


def test_only_the_first_two_numbers_are_used() -> None:
    assert from_config([1, 2, 3]) == DiscreteRange(1, 2)


def test_non_numeric_list_is_unordered() -> None:
    assert from_config(["gini", "entropy"]) == Unordered(["gini", "entropy"])


def test_single_string_is_unordered_of_one() -> None:
    assert from_config("entropy") == Unordered(["entropy"])


def test_unordered_drops_duplicates_keeping_first_order() -> None:
    assert Unordered(["b", "a", "b"]).values == ("b", "a")


def test_one_element_list_is_read_as_its_element() -> None:
    assert from_config([7]) == Fixed(7)


@pytest.mark.parametrize("bad", [[], True, None, {"a": 1}, [[1, 2]], [10, 5], [2.5, 1.0], math.nan])
def test_invalid_values_raise_value_error(bad: object) -> None:
    with pytest.raises(ValueError):
        from_config(bad)


def test_oryx_config_range_is_read() -> None:
    config = load_config(None, ["oryx.kmeans.hyperparams.k=[5, 10]"])
    assert from_oryx_config(config, "oryx.kmeans.hyperparams.k") == DiscreteRange(5, 10)


def test_oryx_config_default_string_hyperparam() -> None:
    assert from_oryx_config(load_config(), "oryx.rdf.hyperparams.impurity") == Unordered(["entropy"])


@pytest.mark.parametrize("value", ["[]", "[1.0, 0.5]", "true"])
def test_oryx_config_error_names_the_key(value: str) -> None:
    key = "oryx.als.hyperparams.lambda"
    config = load_config(None, [f"{key}={value}"])
    with pytest.raises(ConfigError) as info:
        from_oryx_config(config, key)
    assert info.value.key == key
    assert key in str(info.value)


def test_oryx_config_missing_key_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"oryx\.als\.hyperparams\.nope"):
        from_oryx_config(load_config(), "oryx.als.hyperparams.nope")


# ---- trial values (grid) -------------------------------------------------------------------------------


def test_continuous_trial_values_are_evenly_spaced_including_ends() -> None:
    assert ContinuousRange(0.0, 1.0).trial_values(5) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_continuous_single_trial_value_is_the_midpoint() -> None:
    assert ContinuousRange(2.0, 4.0).trial_values(1) == [3.0]


def test_discrete_trial_values_are_rounded_even_spacing() -> None:
    assert DiscreteRange(0, 10).trial_values(4) == [0, 3, 7, 10]


def test_discrete_trial_values_round_halves_up_like_java() -> None:
    assert DiscreteRange(0, 5).trial_values(3) == [0, 3, 5]


def test_discrete_trial_values_are_every_int_when_n_exceeds_width() -> None:
    assert DiscreteRange(1, 3).trial_values(5) == [1, 2, 3]


def test_discrete_midpoint_truncates_toward_zero_like_java() -> None:
    assert DiscreteRange(1, 4).trial_values(1) == [2]
    assert DiscreteRange(-4, -1).trial_values(1) == [-2]


def test_unordered_trial_values_are_the_first_n() -> None:
    assert Unordered(["a", "b", "c"]).trial_values(2) == ["a", "b"]


def test_values_per_hyperparam_counts_distinct_values() -> None:
    params = [Unordered(["gini", "entropy"]), ContinuousRange(0.0, 1.0)]
    assert grid_values_per_hyperparam(params, 6) == 3  # min(3,2) * 3 = 6


def test_values_per_hyperparam_stops_when_sets_are_exhausted() -> None:
    assert grid_values_per_hyperparam([Fixed(1), Unordered(["a"])], 10) == 2


# ---- grid search ---------------------------------------------------------------------------------------


def test_grid_four_candidates_two_ranges_uses_the_ends_only() -> None:
    params = {"a": ContinuousRange(0.0, 1.0), "b": ContinuousRange(10.0, 20.0)}
    combos = choose_combinations(params, 4, "grid", random.Random(1))
    assert sorted((c["a"], c["b"]) for c in combos) == [(0.0, 10.0), (0.0, 20.0), (1.0, 10.0), (1.0, 20.0)]


def test_grid_one_candidate_uses_midpoints() -> None:
    params = {"a": ContinuousRange(0.0, 1.0), "k": DiscreteRange(2, 10), "imp": Unordered(["gini", "entropy"])}
    assert choose_combinations(params, 1, "grid", random.Random(1)) == [{"a": 0.5, "k": 6, "imp": "gini"}]


def test_grid_builds_each_combination_once_when_there_are_fewer_than_candidates() -> None:
    combos = choose_combinations({"k": DiscreteRange(1, 3)}, 5, "grid", random.Random(3))
    assert sorted(c["k"] for c in combos) == [1, 2, 3]  # Oryx 2 built 1, 2, 3 and then two of them again


def test_grid_of_a_set_and_a_range_builds_the_cross_product_once() -> None:
    params = {"imp": Unordered(["gini", "entropy"]), "depth": DiscreteRange(4, 5)}
    combos = choose_combinations(params, 8, "grid", random.Random(0))
    assert sorted((c["imp"], c["depth"]) for c in combos) == [("entropy", 4), ("entropy", 5), ("gini", 4), ("gini", 5)]


def test_grid_subset_is_random_not_the_first_n() -> None:
    params = {"a": DiscreteRange(0, 1), "b": DiscreteRange(0, 1)}
    every = {(a, b) for a, b in itertools.product([0, 1], repeat=2)}
    left_out = set()
    for seed in range(40):
        chosen = {(c["a"], c["b"]) for c in choose_combinations(params, 3, "grid", random.Random(seed))}
        assert len(chosen) == 3
        left_out |= every - chosen
    # Oryx 2's first-N defect always left out the same combination.
    assert left_out == every


def test_grid_is_deterministic_for_a_seed() -> None:
    params = {"a": ContinuousRange(0.0, 1.0), "k": DiscreteRange(1, 100)}
    first = choose_combinations(params, 7, "grid", random.Random(42))
    assert first == choose_combinations(params, 7, "grid", random.Random(42))


def test_grid_refuses_more_than_65536_combinations() -> None:
    params = {f"p{i}": ContinuousRange(0.0, 1.0) for i in range(17)}  # n = 2 -> 2**17 combinations
    with pytest.raises(ValueError, match="65536"):
        choose_combinations(params, 2, "grid", random.Random(0))


def test_no_hyperparams_gives_one_empty_combination() -> None:
    assert choose_combinations({}, 3, "grid", random.Random(0)) == [{}]
    assert choose_combinations({}, 2, "random", random.Random(0)) == [{}]


@pytest.mark.parametrize("strategy", ["grid", "random"])
def test_only_fixed_values_give_one_combination(strategy: str) -> None:
    params = {"f": Fixed(7), "imp": Unordered(["gini"]), "x": ContinuousRange(0.5, 0.5)}
    assert choose_combinations(params, 4, strategy, random.Random(0)) == [{"f": 7, "imp": "gini", "x": 0.5}]


# ---- random search -------------------------------------------------------------------------------------


def test_random_draws_stay_inside_each_range() -> None:
    params = {
        "x": ContinuousRange(0.5, 1.5),
        "k": DiscreteRange(1, 3),
        "imp": Unordered(["gini", "entropy"]),
        "f": Fixed(7),
    }
    combos = choose_combinations(params, 200, "random", random.Random(5))
    assert len(combos) == 200
    assert all(0.5 <= c["x"] <= 1.5 for c in combos)
    assert {c["k"] for c in combos} == {1, 2, 3}  # inclusive at both ends
    assert {c["imp"] for c in combos} == {"gini", "entropy"}
    assert {c["f"] for c in combos} == {7}


def test_random_is_reproducible_with_a_seed() -> None:
    params = {"x": ContinuousRange(0.0, 1.0), "k": DiscreteRange(1, 1000)}
    first = choose_combinations(params, 5, "random", random.Random(9))
    assert first == choose_combinations(params, 5, "random", random.Random(9))
    assert first != choose_combinations(params, 5, "random", random.Random(10))


def test_random_search_of_a_space_smaller_than_candidates_tries_each_combination_once() -> None:
    params = {"imp": Unordered(["gini", "entropy"]), "k": DiscreteRange(1, 2), "f": Fixed(3)}
    combos = choose_combinations(params, 10, "random", random.Random(4))
    assert sorted((c["imp"], c["k"], c["f"]) for c in combos) == [
        ("entropy", 1, 3),
        ("entropy", 2, 3),
        ("gini", 1, 3),
        ("gini", 2, 3),
    ]


def test_random_search_of_a_finite_space_never_repeats_a_combination() -> None:
    for seed in range(20):
        combos = choose_combinations({"k": DiscreteRange(1, 10)}, 9, "random", random.Random(seed))
        assert len({c["k"] for c in combos}) == 9


def test_random_candidates_are_independent_draws() -> None:
    combos = choose_combinations({"x": ContinuousRange(0.0, 1.0)}, 10, "random", random.Random(2))
    assert len({c["x"] for c in combos}) == 10


@pytest.mark.parametrize(("how_many", "strategy"), [(0, "random"), (65537, "grid"), (2, "bayesian")])
def test_invalid_search_arguments_raise(how_many: int, strategy: str) -> None:
    with pytest.raises(ValueError):
        choose_combinations({"x": Fixed(1)}, how_many, strategy, random.Random(0))


# ---- log scale -----------------------------------------------------------------------------------------


def test_log_grid_is_geometric_with_exact_ends() -> None:
    values = ContinuousRange(0.001, 10.0, log=True).trial_values(5)
    assert values[0] == 0.001 and values[-1] == 10.0
    assert values[1:4] == pytest.approx([0.01, 0.1, 1.0], rel=1e-12)


def test_log_grid_of_one_value_is_the_geometric_midpoint() -> None:
    assert ContinuousRange(0.01, 1.0, log=True).trial_values(1) == [pytest.approx(0.1, rel=1e-12)]


def test_log_grid_of_two_values_is_the_ends() -> None:
    assert ContinuousRange(0.03, 3.0, log=True).trial_values(2) == [0.03, 3.0]


def decade_shares(draws: list[float]) -> list[float]:
    counts = [0, 0, 0, 0]
    for x in draws:
        counts[min(3, math.floor(math.log10(x) + 3))] += 1
    return [c / len(draws) for c in counts]


def test_log_draws_spread_evenly_over_the_decades() -> None:
    rng = random.Random(11)
    draws = [ContinuousRange(0.001, 10.0, log=True).random_value(rng) for _ in range(20_000)]
    assert all(0.001 <= x <= 10.0 for x in draws)
    # Each of [0.001, 0.01), [0.01, 0.1), [0.1, 1), [1, 10] holds a quarter: 5000 draws +- 4.5 sd (275).
    assert all(0.23625 <= share <= 0.26375 for share in decade_shares(draws))


def test_linear_draws_crowd_into_the_top_decade() -> None:
    rng = random.Random(11)
    draws = [ContinuousRange(0.001, 10.0).random_value(rng) for _ in range(20_000)]
    assert decade_shares(draws)[3] > 0.89  # what Oryx 2's uniform sampling of lambda did


def test_log_draws_are_reproducible_with_a_seed() -> None:
    params = {"lambda": ContinuousRange(0.01, 1.0, log=True)}
    assert choose_combinations(params, 4, "random", random.Random(3)) == choose_combinations(
        params, 4, "random", random.Random(3)
    )


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 1.0), (-1.0, 1.0)])
def test_a_log_range_needs_a_positive_minimum(lo: float, hi: float) -> None:
    with pytest.raises(ValueError, match="minimum > 0"):
        ContinuousRange(lo, hi, log=True)
