"""The one erasure rule every layer applies (``oryx_core.input.erasure``): the tombstone's format, and which lines
an erasure removes."""

from __future__ import annotations

import logging

import pytest

from oryx_core.input.erasure import Erasure, is_erased, latest_erasures, parse_erasure, requested_erasures
from oryx_core.input.lines import BadLineError
from oryx_core.topics.messages import input_key

ERASED = {"alice": 1_000}


@pytest.mark.parametrize("user", ["alice", "a,b", 'quote"d', "über 用户", "[x]"])
def test_a_tombstone_round_trips_any_id(user: str) -> None:
    assert parse_erasure(Erasure(user, 42).to_line()) == Erasure(user, 42)


@pytest.mark.parametrize("line", ["alice", "alice,soon", ",5", "alice,5,6", ""])
def test_a_malformed_tombstone_is_a_bad_line(line: str) -> None:
    with pytest.raises(BadLineError):
        parse_erasure(line)


def test_the_tombstone_key_is_never_an_input_lines_key() -> None:
    """Oryx 2 keys input lines with lowercase hex, which "oryx.erase" can never be."""
    assert all(set(input_key(f"u{n},i,1")) <= set("0123456789abcdef") for n in range(1000))


@pytest.mark.parametrize(
    ("line", "erased"),
    [
        ("alice,apple,1,999", True),  # before the request
        ("alice,apple,1,1000", True),  # at it
        ("alice,apple,1,1001", False),  # written after: new data
        ("alice,apple", True),  # no time: nothing says it came later
        ("alice,apple,1,yesterday", True),
        ('["alice","apple","1","5"]', True),  # JSON lines too
        ("bob,alice,1,5", False),  # only the first field names the user
        ("alicia,apple,1,5", False),
        ('"alice,apple,1,5', True),  # unparseable and holding the ID: removed
        ('"bob,apple,1,5', False),
    ],
)
def test_which_lines_an_erasure_removes(line: str, erased: bool) -> None:
    assert is_erased(line, ERASED) is erased


def test_no_erasure_removes_nothing() -> None:
    assert not is_erased("alice,apple,1,5", {})


def test_an_id_erased_twice_is_erased_up_to_the_later_request() -> None:
    assert latest_erasures([Erasure("a", 5), Erasure("b", 1), Erasure("a", 3)]) == {"a": 5, "b": 1}


def test_requested_erasures_skip_and_log_a_malformed_tombstone(caplog: pytest.LogCaptureFixture) -> None:
    values = [Erasure("a", 5).to_line(), "a,soon", None, Erasure("a", 9).to_line()]
    assert requested_erasures(values, logging.getLogger("test"), "Test erasures") == {"a": 9}
    assert "Test erasures" in caplog.text and "2 bad input line(s)" in caplog.text
