"""Oryx 2's ``TopNConsumerTest``: the model's top-N of 100 shuffled values keeps the 5 largest, best first.

Oryx 2 tests its ``TopNConsumer`` with a score function ``value -> value[0]``; ours is the vectorised scan
behind ``ALSServingModel.top_items``, scored by the dot product with ``[1]``, which is the same function.
"""

from __future__ import annotations

import numpy as np

from oryx_serving.apps.als.model import ALSServingModel


def testTopN() -> None:
    how_many, num_values = 5, 100
    values = np.random.default_rng(7).permutation(num_values)
    model = ALSServingModel(1, True)
    for value in values.tolist():
        model.set_item_vector(str(value), np.array([value], dtype=np.float32))
    top = model.top_items(np.array([1.0], dtype=np.float32), how_many)
    assert top == [
        (str(expected), float(expected)) for expected in range(num_values - 1, num_values - 1 - how_many, -1)
    ]
