"""An optional addition to a speed or serving model manager: apply a whole poll of update-topic messages at once.

Both layers' followers poll the update topic in batches (hundreds of messages) but apply them one by one through
``consume_key_message``. A manager whose messages are cheap to parse together (ALS: a run of ``UP`` vectors
becomes one matrix and one ``set_many``) also implements ``consume_key_messages``, and the follower then hands
it each poll; loading a large model is then several times faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from oryx_core.topics.messages import KeyMessage


@runtime_checkable
class ConsumesKeyMessageBatches(Protocol):
    """``consume_key_messages`` applies the messages in order, leaving the model as ``consume_key_message`` on
    each in turn would, and does not raise for a message it cannot apply: it returns (index in ``messages``,
    error) for each message ``consume_key_message`` would have raised for, and applies the rest."""

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]: ...
