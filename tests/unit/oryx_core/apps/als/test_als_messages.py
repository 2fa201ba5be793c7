"""The ALS UP payload codec."""

from __future__ import annotations

import json

import numpy as np
import pytest

from oryx_core.apps.als.messages import ALSUpdateError, format_x_update, format_y_update, parse_update


def test_x_update_with_known_items_matches_oryx_layout() -> None:
    message = format_x_update("u1", np.array([0.1, -2.5], dtype=np.float32), ["i1", "i2"])
    assert message == '["X","u1",[0.1,-2.5],["i1","i2"]]'


def test_y_update_without_other_ids_has_three_elements() -> None:
    assert format_y_update("i1", np.array([1.0, 0.0], dtype=np.float32)) == '["Y","i1",[1.0,0.0]]'


def test_empty_id_list_is_omitted_like_no_known_items() -> None:
    assert format_x_update("u", np.array([1.0], dtype=np.float32), []) == '["X","u",[1.0]]'


def test_round_trip_is_exact_for_float32() -> None:
    vector = np.random.default_rng(2).standard_normal(50).astype(np.float32) * 1e3
    kind, id_, parsed, others = parse_update(format_y_update('item "7"', vector, ["u,1"]))
    assert (kind, id_, others) == ("Y", 'item "7"', ["u,1"])
    assert parsed.dtype == np.float32
    np.testing.assert_array_equal(parsed, vector)


def test_floats_are_written_in_their_shortest_float32_form() -> None:
    """Each value as few digits as read back to the same float32 (``str`` of a float32 is that form)."""
    vector = np.random.default_rng(3).standard_normal(200).astype(np.float32) * np.float32(10.0) ** np.arange(
        -20, 20, 0.2, dtype=np.float32
    )
    written = json.loads(format_x_update("u", vector))[2]
    np.testing.assert_array_equal(np.asarray(written, dtype=np.float32), vector)
    assert [len(repr(value)) for value in written] == [len(repr(float(str(value)))) for value in vector]


def test_an_id_that_is_not_unicode_text_is_still_written_escaped() -> None:
    message = format_x_update("u\udc80", np.array([1.0], dtype=np.float32), ["i\ud800"])
    assert json.loads(message) == ["X", "u\udc80", [1.0], ["i\ud800"]]


def test_parse_without_fourth_element_gives_none() -> None:
    kind, id_, vector, others = parse_update('["X","u",[1,2.5]]')
    assert (kind, id_, others) == ("X", "u", None)
    np.testing.assert_array_equal(vector, [1.0, 2.5])


def test_non_finite_vector_cannot_be_formatted() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        format_x_update("u", np.array([np.nan], dtype=np.float32))


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("not json", "not JSON"),
        ('{"X": 1}', "expected a JSON array"),
        ('["X","u"]', "expected a JSON array"),
        ('["Z","u",[1]]', "kind must be 'X' or 'Y'"),
        ('["X",7,[1]]', "ID must be a string"),
        ('["X","u",[]]', "non-empty array of numbers"),
        ('["X","u",["1"]]', "non-empty array of numbers"),
        ('["X","u",[true]]', "non-empty array of numbers"),
        ('["X","u",[NaN]]', "not JSON"),
        ('["X","u",[1e39]]', "outside the float32 range"),
        ('["X","u",[1],"i"]', "4th element must be an array of ID strings"),
        ('["X","u",[1],[1]]', "4th element must be an array of ID strings"),
    ],
)
def test_bad_messages_are_rejected_saying_why(message: str, problem: str) -> None:
    with pytest.raises(ALSUpdateError, match=problem):
        parse_update(message)


def test_error_quotes_a_long_message_shortened() -> None:
    message = json.dumps(["Q", "u", [1.0] * 500])
    with pytest.raises(ALSUpdateError) as raised:
        parse_update(message)
    assert len(str(raised.value)) < 400
