"""Oryx 2's hyperparameter value syntax and the two search strategies that turn it into candidate combinations.

A hyperparameter key in config (``oryx.als.hyperparams.features = [5, 20]``) names either one value or a set of
values to try. The batch ML tier builds ``oryx.ml.eval.candidates`` models, each from one combination chosen here:

* ``random`` draws every value independently per candidate;
* ``grid`` spreads ``n`` values over each hyperparameter (the smallest ``n`` giving enough combinations), builds the
  full cross product and picks a *random* subset of it. Oryx 2 meant to do the same but took the first N
  combinations of its (unshuffled) product, so the same corner of the grid was searched every run.

Either way no combination is built twice (Oryx 2 cycled through a small grid to fill ``candidates``), and a
continuous range may be searched on a log scale (``ContinuousRange.log``; see ``oryx_core.ml.log_scale``).

Everything random takes an explicit :class:`random.Random`, so a seeded run chooses the same candidates again.
"""

from __future__ import annotations

import itertools
import math
import random
from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from oryx_core.config import ConfigError, OryxConfig

__all__ = [
    "MAX_COMBINATIONS",
    "ContinuousRange",
    "DiscreteRange",
    "Fixed",
    "HyperParamValues",
    "Unordered",
    "choose_combinations",
    "from_config",
    "from_oryx_config",
    "grid_values_per_hyperparam",
    "search_space_size",
]

MAX_COMBINATIONS = 65536
"""Upper bound on the grid's full cross product (and on ``how_many``), as in Oryx 2's ``GridSearch``."""

SearchStrategy = Literal["random", "grid"]


class HyperParamValues(ABC):
    """The values one hyperparameter may take."""

    @abstractmethod
    def trial_values(self, n: int) -> list[Any]:
        """Up to ``n`` values spread over the set, for grid search (fewer when the set has fewer distinct values)."""

    @abstractmethod
    def random_value(self, rng: random.Random) -> Any:
        """One value drawn uniformly from the set, for random search."""

    @abstractmethod
    def num_distinct_values(self) -> float:
        """How many different values exist (``math.inf`` for a continuous range)."""


def _check_n(n: int) -> None:
    if n < 1:
        raise ValueError(f"number of trial values must be at least 1, got {n}")


@dataclass(frozen=True)
class Fixed(HyperParamValues):
    """A single value: every candidate uses it."""

    value: Any

    def trial_values(self, n: int) -> list[Any]:
        _check_n(n)
        return [self.value]

    def random_value(self, rng: random.Random) -> Any:
        return self.value

    def num_distinct_values(self) -> float:
        return 1


@dataclass(frozen=True)
class ContinuousRange(HyperParamValues):
    """Real values in ``[lo, hi]``, spread linearly or, with ``log``, geometrically.

    A scale parameter (a regularisation weight such as ALS's ``lambda``) matters by its order of magnitude:
    drawn uniformly from [0.001, 10], 90 % of the draws land above 1, and a grid of 3 values gives 0.001, 5 and
    10. On a log scale the same range gives 0.001, 0.1 and 10, and random draws are spread evenly over the
    decades. ``log`` needs ``lo > 0``; :func:`log_scaled` decides which ranges get it.
    """

    lo: float
    hi: float
    log: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)):
            raise ValueError(f"range bounds must be finite numbers, got [{self.lo}, {self.hi}]")
        if self.lo > self.hi:
            raise ValueError(f"range minimum {self.lo} is greater than its maximum {self.hi}")
        if self.log and self.lo <= 0:
            raise ValueError(f"a range searched on a log scale needs a minimum > 0, got [{self.lo}, {self.hi}]")

    def trial_values(self, n: int) -> list[float]:
        _check_n(n)
        lo, hi = float(self.lo), float(self.hi)
        if lo == hi:
            return [lo]
        if self.log:
            if n == 1:
                return [math.sqrt(lo * hi)]
            ratio = hi / lo
            # Both ends exact; the inner values are lo * ratio^(i / (n - 1)), each computed from lo.
            return [lo] + [lo * ratio ** (i / (n - 1)) for i in range(1, n - 1)] + [hi]
        if n == 1:
            return [(lo + hi) / 2.0]
        step = (hi - lo) / (n - 1)
        # Computed from lo each time (not accumulated), and the last value is hi exactly.
        return [lo + i * step for i in range(n - 1)] + [hi]

    def random_value(self, rng: random.Random) -> float:
        if self.lo == self.hi:
            return float(self.lo)
        if self.log:
            drawn = math.exp(rng.uniform(math.log(self.lo), math.log(self.hi)))
            return min(max(drawn, float(self.lo)), float(self.hi))  # exp(log(x)) may miss x by an ulp
        return rng.uniform(self.lo, self.hi)

    def num_distinct_values(self) -> float:
        return 1 if self.lo == self.hi else math.inf


def _round_half_up(x: float) -> int:
    """Java's ``Math.round`` (Python's ``round`` rounds halves to even), so grids match Oryx 2's."""
    return math.floor(x + 0.5)


@dataclass(frozen=True)
class DiscreteRange(HyperParamValues):
    """Integers from ``lo`` to ``hi`` inclusive."""

    lo: int
    hi: int

    def __post_init__(self) -> None:
        if self.lo > self.hi:
            raise ValueError(f"range minimum {self.lo} is greater than its maximum {self.hi}")

    def trial_values(self, n: int) -> list[int]:
        _check_n(n)
        lo, hi = self.lo, self.hi
        if lo == hi:
            return [lo]
        if n == 1:
            return [math.trunc((lo + hi) / 2)]  # Java's integer division truncates toward zero
        if n > hi - lo:
            return list(range(lo, hi + 1))
        step = (hi - lo) / (n - 1)
        return [lo] + [_round_half_up(lo + i * step) for i in range(1, n - 1)] + [hi]

    def random_value(self, rng: random.Random) -> int:
        return rng.randint(self.lo, self.hi)

    def num_distinct_values(self) -> float:
        return self.hi - self.lo + 1


@dataclass(frozen=True)
class Unordered(HyperParamValues):
    """A set of choices with no order (``["gini", "entropy"]``); duplicates are dropped, first occurrence kept."""

    values: tuple[Hashable, ...]

    def __init__(self, values: Sequence[Hashable]) -> None:
        distinct = tuple(dict.fromkeys(values))
        if not distinct:
            raise ValueError("a set of choices needs at least one value")
        object.__setattr__(self, "values", distinct)

    def trial_values(self, n: int) -> list[Any]:
        _check_n(n)
        return list(self.values[:n])

    def random_value(self, rng: random.Random) -> Any:
        return rng.choice(self.values)

    def num_distinct_values(self) -> float:
        return len(self.values)


# ---- config syntax -------------------------------------------------------------------------------------


def _as_number(value: Any) -> int | float | None:
    """The value as Oryx 2 reads it (``Integer.parseInt`` first, then ``Double.parseDouble``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _is_choice(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _from_list(values: list[Any]) -> HyperParamValues:
    if not values:
        raise ValueError("an empty list gives no value to try; use a value, [min, max] or a list of choices")
    if len(values) >= 2:
        lo, hi = _as_number(values[0]), _as_number(values[1])
        if lo is not None and hi is not None:
            if isinstance(lo, int) and isinstance(hi, int):
                return DiscreteRange(lo, hi)
            return ContinuousRange(float(lo), float(hi))
    elif isinstance(values[0], str) or _as_number(values[0]) is not None:
        return from_config(values[0])
    if not all(_is_choice(v) for v in values):
        raise ValueError(f"a list of choices must hold only strings, numbers or booleans, got {values!r}")
    return Unordered(values)


def from_config(value: Any) -> HyperParamValues:
    """Reads Oryx 2's hyperparameter syntax from a plain config value.

    * an int or a number-like string ``"3"`` is ``Fixed(3)``; a double is ``Fixed(0.5)``;
    * ``[a, b]`` with two numbers is ``DiscreteRange`` when both are ints, else ``ContinuousRange``; only the first
      two elements are read, as in Oryx 2;
    * any other list is ``Unordered`` (``["gini", "entropy"]``); a one-element list is read as its element;
    * a non-numeric string is ``Unordered`` of that one value.

    Raises ValueError saying what would be valid; :func:`from_oryx_config` adds the key.
    """
    if isinstance(value, list | tuple):
        return _from_list(list(value))
    number = _as_number(value)
    if number is not None:
        return Fixed(number)
    if isinstance(value, str):
        return Unordered([value])
    raise ValueError(f"must be a number, a string, [min, max] or a list of choices, got {value!r}")


def from_oryx_config(config: OryxConfig, key: str) -> HyperParamValues:
    """The hyperparameter at ``key`` (e.g. ``oryx.kmeans.hyperparams.k``); errors are ConfigErrors naming the key."""
    value = config.get_value(key)
    try:
        return from_config(value)
    except ValueError as e:
        raise ConfigError(key, f"is not a valid hyperparameter value: {e}") from e


# ---- search --------------------------------------------------------------------------------------------


def grid_values_per_hyperparam(params: Sequence[HyperParamValues], candidates: int) -> int:
    """The smallest n for which the product of min(n, #distinct values) reaches ``candidates``.

    Stops early (as Oryx 2 does) once a larger n adds no combinations because every set is exhausted.
    Returns 0 when there are no hyperparameters.
    """
    if not params:
        return 0
    n, total, last_total = 0, 0.0, -1.0
    while total < candidates and total > last_total:
        n += 1
        last_total = total
        total = math.prod(min(n, p.num_distinct_values()) for p in params)
    return n


def _combination_key(combo: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Identifies a combination by its values' text, so unhashable fixed values compare too."""
    return tuple((name, repr(value)) for name, value in combo.items())


def _distinct(combos: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[tuple[str, str], ...]] = set()
    distinct = []
    for combo in combos:
        key = _combination_key(combo)
        if key not in seen:
            seen.add(key)
            distinct.append(combo)
    return distinct


def _cross_product(params: Mapping[str, HyperParamValues], n: int) -> list[dict[str, Any]]:
    names = list(params)
    value_lists = [params[name].trial_values(n) for name in names]
    total = math.prod(len(values) for values in value_lists)
    if total > MAX_COMBINATIONS:
        raise ValueError(
            f"grid search would build {total} combinations of {len(names)} hyperparameters "
            f"({n} values each), more than the limit {MAX_COMBINATIONS}; use random search or fewer ranges"
        )
    return _distinct([dict(zip(names, combo, strict=True)) for combo in itertools.product(*value_lists)])


def search_space_size(params: Mapping[str, HyperParamValues]) -> float:
    """How many distinct combinations exist (``math.inf`` with a continuous range; 1 with no hyperparameters)."""
    return math.prod(values.num_distinct_values() for values in params.values())


def _grid(params: Mapping[str, HyperParamValues], how_many: int, rng: random.Random) -> list[dict[str, Any]]:
    n = grid_values_per_hyperparam(list(params.values()), how_many)
    if n == 0:
        return [{}]
    combos = _cross_product(params, n)
    rng.shuffle(combos)
    # After a uniform shuffle the first how_many are a uniformly random subset, in random order.
    return combos[:how_many]


_DRAWS_PER_CANDIDATE = 100
"""Random draws allowed per candidate before a search of a finite space gives up finding new combinations."""


def _random(params: Mapping[str, HyperParamValues], how_many: int, rng: random.Random) -> list[dict[str, Any]]:
    size = search_space_size(params)
    if size <= how_many:
        # Every combination once: drawing would repeat some and miss others.
        most_values = max((int(values.num_distinct_values()) for values in params.values()), default=1)
        combos = _cross_product(params, most_values)  # n this large lists every value of every set
        rng.shuffle(combos)
        return combos
    combos: list[dict[str, Any]] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for _ in range(_DRAWS_PER_CANDIDATE * how_many):
        combo = {name: values.random_value(rng) for name, values in params.items()}
        key = _combination_key(combo)
        if key not in seen:
            seen.add(key)
            combos.append(combo)
            if len(combos) == how_many:
                break
    return combos


def choose_combinations(
    params: Mapping[str, HyperParamValues],
    how_many: int,
    strategy: SearchStrategy | str,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Up to ``how_many`` distinct hyperparameter combinations (name -> value), one per candidate model.

    Never the same combination twice: when the search space has fewer distinct combinations than
    ``how_many`` (a grid's cross product, or ranges and sets with few values, or only fixed values), each is
    returned once, in random order. Oryx 2 built candidate ``i`` from combination ``i mod #combinations``,
    training identical models side by side. With no hyperparameters the one combination is ``{}``.
    """
    if not 1 <= how_many <= MAX_COMBINATIONS:
        raise ValueError(f"number of candidates must be between 1 and {MAX_COMBINATIONS}, got {how_many}")
    if strategy == "random":
        return _random(params, how_many, rng)
    if strategy == "grid":
        return _grid(params, how_many, rng)
    raise ValueError(f"hyperparameter search must be 'random' or 'grid', got {strategy!r}")
