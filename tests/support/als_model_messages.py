"""An ALS model as the update topic carries it: the ``MODEL`` then one ``UP`` per item and user vector, applied
to a speed or serving manager, so tests start from a loaded model the way the layers do."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.messages import MODEL, UP


class ConsumesMessages(Protocol):
    def consume_key_message(self, key: str | None, message: str) -> None: ...


def load_model(
    manager: ConsumesMessages,
    description: ALSModelDescription,
    users: Mapping[str, Sequence[float]],
    items: Mapping[str, Sequence[float]],
) -> None:
    """Applies ``description``'s MODEL, then the item vectors, then the user vectors, as the batch layer sends them."""
    manager.consume_key_message(MODEL, write_pmml(build_als_pmml(description, 0)))
    for item, vector in items.items():
        manager.consume_key_message(UP, format_y_update(item, np.array(vector)))
    for user, vector in users.items():
        manager.consume_key_message(UP, format_x_update(user, np.array(vector)))
