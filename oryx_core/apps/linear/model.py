"""The ridge regression model and the sufficient statistics it is solved from.

Training never holds the data in one place: each Spark partition summarises its rows as
:class:`RegressionStats` (count, means, centred cross-products), summaries merge exactly (Chan et al.'s
pairwise update, stable where ``sum(x²) - n·mean²`` would cancel), and the driver solves a d×d system. The
penalty is on standardised coefficients, ``(C + λ·diag(C)) β = c`` with C the features' covariance and c their
covariance with the target, so λ means the same whatever the features' units (MLlib's regParam with
``standardization``); the intercept is never penalised. A constant feature gets coefficient 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LinearModel", "RegressionStats"]


@dataclass(frozen=True)
class LinearModel:
    """``prediction = intercept + coefficients · x`` over the schema's predictors, in order."""

    intercept: float
    coefficients: np.ndarray

    def predict(self, features: np.ndarray) -> np.ndarray:
        """One prediction per row of ``features`` (n × d), or one for a single vector of d."""
        return self.intercept + np.asarray(features, dtype=np.float64) @ self.coefficients


@dataclass(frozen=True)
class RegressionStats:
    """Count, feature and target means, and centred cross-products of a set of rows."""

    count: int
    mean_x: np.ndarray
    mean_y: float
    xx: np.ndarray
    """Σ (x - mean_x)(x - mean_x)ᵀ."""
    xy: np.ndarray
    """Σ (x - mean_x)(y - mean_y)."""

    @classmethod
    def empty(cls, width: int) -> RegressionStats:
        return cls(0, np.zeros(width), 0.0, np.zeros((width, width)), np.zeros(width))

    @classmethod
    def of(cls, features: np.ndarray, targets: np.ndarray) -> RegressionStats:
        if len(targets) == 0:
            return cls.empty(features.shape[1])
        mean_x, mean_y = features.mean(axis=0), float(targets.mean())
        centred = features - mean_x
        return cls(len(targets), mean_x, mean_y, centred.T @ centred, centred.T @ (targets - mean_y))

    def merge(self, other: RegressionStats) -> RegressionStats:
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        count = self.count + other.count
        dx, dy = other.mean_x - self.mean_x, other.mean_y - self.mean_y
        weight = self.count * other.count / count
        return RegressionStats(
            count,
            self.mean_x + dx * other.count / count,
            self.mean_y + dy * other.count / count,
            self.xx + other.xx + weight * np.outer(dx, dx),
            self.xy + other.xy + weight * dx * dy,
        )

    def fit(self, penalty: float) -> LinearModel:
        """The ridge solution for ``penalty`` λ >= 0; ValueError without rows."""
        if self.count == 0:
            raise ValueError("no training rows")
        system = self.xx + penalty * np.diag(np.diag(self.xx))
        coefficients = np.linalg.lstsq(system, self.xy, rcond=None)[0]
        return LinearModel(float(self.mean_y - self.mean_x @ coefficients), coefficients)
