"""Where an ALS vector keeps its latent factors and, for explicit ratings, its biases.

Explicit ratings are mostly explained by a global mean and by how generous a user and how liked an item is;
factors alone (Oryx 2's model) must spend rank and regularisation imitating those offsets, and predicting
the global mean then beats them on data nobody tuned for. A *biased* model keeps the offsets in two extra
coordinates, so every layer still scores with one dot product:

    user u:  Xu = [x1 .. xk,  mu + b_u,  1  ]
    item i:  Yi = [y1 .. yk,  1,         b_i]
    Xu · Yi = x · y + mu + b_u + b_i

Everything that reads an estimate (``/estimate``, ``/recommend``, RMSE, an Oryx 2 client computing the dot
product itself) is unchanged. What must not see the bias coordinates does not: cosine similarity and LSH use
the factor part only, and fold-in moves only a vector's free coordinates (a user's factors and bias, an
item's factors and bias), keeping the constant 1s in place. A user or item with no vector yet starts from its
prior (a user at the global mean, an item with no bias) instead of zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["BIAS_COORDINATES", "VectorLayout"]

BIAS_COORDINATES = 2
"""A biased vector carries two coordinates after its k factors (see the module docstring)."""


@dataclass(frozen=True)
class VectorLayout:
    """The coordinates of a model's vectors: ``dimensions`` in all, the first ``factors`` latent.

    ``global_mean`` is the mean training rating (in the user prior); ``rating_range`` is (min, max) of the
    training ratings, to which explicit estimates are clipped, or None (implicit, or a model that says none).
    """

    dimensions: int
    biased: bool = False
    global_mean: float = 0.0
    rating_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.dimensions <= (BIAS_COORDINATES if self.biased else 0):
            raise ValueError(f"a {'biased ' if self.biased else ''}vector cannot have {self.dimensions} coordinates")
        if not math.isfinite(self.global_mean):
            raise ValueError(f"global mean must be finite, got {self.global_mean}")
        if self.rating_range is not None:
            low, high = self.rating_range
            if not (math.isfinite(low) and math.isfinite(high) and low <= high):
                raise ValueError(f"rating range must be finite with min <= max, got {self.rating_range}")

    @classmethod
    def plain(cls, dimensions: int) -> VectorLayout:
        """Oryx 2's layout: every coordinate a factor, no bias, unknown vectors start at zero."""
        return cls(dimensions)

    @property
    def factors(self) -> int:
        """The number of latent factor coordinates (the rank k)."""
        return self.dimensions - BIAS_COORDINATES if self.biased else self.dimensions

    @property
    def user_free(self) -> np.ndarray:
        """Coordinates fold-in may move in a user vector: the factors and ``mu + b_u`` (not the constant 1)."""
        return np.arange(self.factors + 1) if self.biased else np.arange(self.dimensions)

    @property
    def item_free(self) -> np.ndarray:
        """Coordinates fold-in may move in an item vector: the factors and ``b_i`` (not the constant 1)."""
        if not self.biased:
            return np.arange(self.dimensions)
        return np.concatenate([np.arange(self.factors), [self.factors + 1]])

    def user_prior(self) -> np.ndarray:
        """A new user's starting vector: no factors, at the global mean."""
        prior = np.zeros(self.dimensions, dtype=np.float64)
        if self.biased:
            prior[self.factors : self.factors + 2] = (self.global_mean, 1.0)
        return prior

    def item_prior(self) -> np.ndarray:
        """A new item's starting vector: no factors, no bias."""
        prior = np.zeros(self.dimensions, dtype=np.float64)
        if self.biased:
            prior[self.factors] = 1.0
        return prior

    def factor_part(self, vectors: np.ndarray) -> np.ndarray:
        """The latent factors of a vector (or of each row of a matrix): what similarity and hashing compare."""
        return np.asarray(vectors)[..., : self.factors]

    def clip(self, estimate: float) -> float:
        """An explicit estimate kept inside the observed rating range (a rating of 6 of 5 helps nobody)."""
        if self.rating_range is None:
            return estimate
        low, high = self.rating_range
        return min(max(estimate, low), high)
