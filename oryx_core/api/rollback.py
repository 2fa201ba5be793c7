"""An optional addition to a speed or serving model manager: drop everything on a roll back's ``MODEL``.

Most apps' ``MODEL`` replaces the model whole, so a roll back needs nothing from them. ALS keeps vectors across a
new ``MODEL`` of the same shape (the IDs it lists, plus recent ones), because Oryx 2 lets a model fill in
gradually. After a roll back, though, every vector held comes from the newer generation's factor space and
must not survive. So the update follower calls ``start_over`` just before it hands over a ``MODEL`` older
than the current one (``oryx_core.topics.model_generation``). The manager then builds that model from an empty
state, as it does for a model of another shape.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class StartsOver(Protocol):
    """``start_over``: the next ``MODEL`` starts from an empty model; the current one answers until it arrives."""

    def start_over(self) -> None: ...
