"""One micro-batch of ALS input turned into fold-in ``UP`` messages (spec 4.1, "Speed-layer update math").

Input is aggregated exactly as the batch layer aggregates it (``oryx_core.apps.als.aggregation``), so a user
who added and then deleted an item within a micro-batch produces no update; then each (user, item, value) pair
moves Xu with YᵀY and Yi with XᵀX. Unlike Oryx 2, each fold-in sees the vectors the previous pairs of the same
micro-batch produced (Oryx 2 computed every pair from the batch's starting vectors, so two interactions of one
user in one micro-batch kept only the last).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from oryx_core.apps.als.aggregation import Record, aggregate, log_strength
from oryx_core.apps.als.foldin import compute_updated_xu
from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_streaming.apps.als.model import ALSSpeedModel

log = logging.getLogger(__name__)

__all__ = ["SOLVER_WAIT_SECONDS", "fold_in_records"]

SOLVER_WAIT_SECONDS = 60.0
"""How long a micro-batch waits for the first Gram solvers after a model loads (they build in the background)."""


def _values(records: Iterable[Record], model: ALSSpeedModel) -> dict[tuple[str, str], float]:
    values = aggregate(records, model.implicit)
    description = model.description
    if description.log_strength:
        epsilon = description.epsilon if description.epsilon is not None else 1.0
        values = {pair: log_strength(v, epsilon) for pair, v in values.items()}
    return {pair: v for pair, v in values.items() if v == v}


def fold_in_records(model: ALSSpeedModel, records: Iterable[Record], *, no_known_items: bool) -> list[str]:
    """The ``UP`` messages for one micro-batch's records, applied to ``model`` as they are computed.

    Returns no messages (and logs why) when a Gram matrix is missing or near-singular: the inputs of this
    micro-batch are then skipped for the speed layer, and the next batch generation includes them.
    """
    values = _values(records, model)
    if not values:
        return []
    yty = model.yty_solver(SOLVER_WAIT_SECONDS)
    xtx = model.xtx_solver(SOLVER_WAIT_SECONDS)
    if yty is None or xtx is None:
        log.warning(
            "ALS speed layer skips %d interaction(s): no solver for %s (%s)",
            len(values),
            "YtY" if yty is None else "XtX",
            model.solver_problem(),
        )
        return []
    updates: list[str] = []
    layout = model.layout
    user_prior, item_prior = layout.user_prior(), layout.item_prior()
    for (user, item), value in values.items():
        xu = model.x.get(user)
        yi = model.y.get(item)
        new_xu = compute_updated_xu(yty, value, xu, yi, model.implicit, free=layout.user_free, prior=user_prior)
        new_yi = compute_updated_xu(xtx, value, yi, xu, model.implicit, free=layout.item_free, prior=item_prior)
        if new_xu is not None:
            model.set_user_vector(user, new_xu)
            updates.append(format_x_update(user, new_xu, None if no_known_items else [item]))
        if new_yi is not None:
            model.set_item_vector(item, new_yi)
            updates.append(format_y_update(item, new_yi, None if no_known_items else [user]))
    return updates
