"""The random ALS model ``als_recommend.py`` measures, identical in every process for the same arguments."""

from __future__ import annotations

from typing import Any

import numpy as np

SEED = 42


def random_factors(items: int, users: int, features: int) -> tuple[np.ndarray, np.ndarray]:
    """Y and X as float64 rounded to 4 decimals, so UP messages stay short and parse back exactly to float32."""
    rng = np.random.default_rng(SEED)
    y = np.round(rng.standard_normal((items, features)) * 0.1, 4)
    x = np.round(rng.standard_normal((users, features)) * 0.1, 4)
    return y, x


def build_model(items: int, users: int, features: int, sample_rate: float, block: int = 100_000) -> Any:
    """An ALSServingModel filled directly (the Kafka path is measured separately)."""
    from oryx_serving.apps.als.model import ALSServingModel

    y, x = random_factors(items, users, features)
    model = ALSServingModel(features, implicit=True, sample_rate=sample_rate, lsh_seed=SEED)
    fill(model, y, x, block)
    return model


def fill(model: Any, y: np.ndarray, x: np.ndarray, block_rows: int = 100_000) -> None:
    """Bulk-sets the vectors in blocks (each block a ``set_many``), as a stream of loads would arrive."""
    for start in range(0, len(y), block_rows):
        block = y[start : start + block_rows]
        model.set_item_vectors([f"i{row}" for row in range(start, start + len(block))], block)
    model.set_user_vectors([f"u{row}" for row in range(len(x))], x)
