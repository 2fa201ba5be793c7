"""The one way tests wait for something to happen: poll a condition until it holds, or fail saying what never did.

A fixed ``sleep`` is either too short on a loaded 2-core machine or wastes time everywhere else; a loop that ends
at its deadline without failing lets the assertion after it fail for the wrong reason, or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["wait_for"]

T = TypeVar("T")

FIRST_PAUSE = 0.01
LONGEST_PAUSE = 0.25
"""Polls start fast (unit tests on in-memory fakes finish in milliseconds) and back off to a few per second (a real
broker, server or Spark query is not hurried by more)."""


def wait_for(condition: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    """Calls ``condition`` until it returns something truthy, and returns that; AssertionError naming ``what``
    once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    pause = FIRST_PAUSE
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not true within {timeout:g}s")
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
