"""The shared ``wait_for``: returns the first truthy answer, fails naming what never happened."""

from __future__ import annotations

import time

import pytest
from support.waiting import wait_for


def test_wait_for_returns_the_first_truthy_answer_after_polling() -> None:
    answers = iter([None, [], 0, ["ready"], ["later"]])
    assert wait_for(lambda: next(answers), 5, "an answer") == ["ready"]
    assert next(answers) == ["later"]


def test_wait_for_fails_naming_what_never_happened_once_its_time_is_up() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"^the model to load not true within 0.2s$"):
        wait_for(lambda: False, 0.2, "the model to load")
    assert 0.2 <= time.monotonic() - started < 1.0
