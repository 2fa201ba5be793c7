"""parse_updates: a batch of ALS UP payloads parsed at once, each bad one reported without losing the rest."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.als.messages import ALSUpdateError, format_x_update, format_y_update, parse_update, parse_updates

GOOD = [
    format_y_update("i1", np.array([0.5, -1.25], dtype=np.float32)),
    format_x_update("u1", np.array([1e-7, 3.0], dtype=np.float32), ["i1", "i2"]),
    format_y_update("i2", np.array([2.0, 0.0], dtype=np.float32), ["u1"]),
]

BAD = [
    ("not json", "not JSON"),
    ('{"X": 1}', "expected a JSON array"),
    ('["Z","u",[1,2]]', "kind must be 'X' or 'Y'"),
    ('["X",7,[1,2]]', "ID must be a string"),
    ('["X","u",[]]', "non-empty array of numbers"),
    ('["X","u",["1",2]]', "non-empty array of numbers"),
    ('["X","u",[true,2]]', "non-empty array of numbers"),
    ('["X","u",[NaN,2]]', "not JSON"),
    ('["X","u",[1e39,2]]', "outside the float32 range"),
    ('["X","u",[1,2],"i"]', "4th element must be an array of ID strings"),
    ('["X","u",[1,2],[1]]', "4th element must be an array of ID strings"),
    ('["X","u",[1,2],null]', "4th element must be an array of ID strings"),
    ('["X","u",[1,2],["i"],["j"]]', "expected a JSON array"),
    ('["X","u",[1,2]] trailing', "not JSON"),
    ('["X","u",[1,2,3]]', "X 'u' has 3 features but the model has 2"),
]


def test_a_good_batch_parses_as_each_message_alone() -> None:
    parsed = parse_updates(GOOD, 2)
    singles = [parse_update(message) for message in GOOD]
    assert parsed.kinds == [single[0] for single in singles]
    assert parsed.ids == [single[1] for single in singles]
    assert parsed.vectors.dtype == np.float32
    np.testing.assert_array_equal(parsed.vectors, np.stack([single[2] for single in singles]))
    assert parsed.other_ids == [single[3] for single in singles]
    assert parsed.positions == [0, 1, 2]
    assert parsed.errors == []


@pytest.mark.parametrize(("message", "problem"), BAD)
def test_a_bad_message_in_the_middle_is_reported_and_the_others_kept(message: str, problem: str) -> None:
    parsed = parse_updates([GOOD[0], message, GOOD[2]], 2)
    assert parsed.ids == ["i1", "i2"]
    assert parsed.positions == [0, 2]
    np.testing.assert_array_equal(parsed.vectors, [[0.5, -1.25], [2.0, 0.0]])
    [(position, error)] = parsed.errors
    assert position == 1
    assert isinstance(error, ALSUpdateError)
    assert problem in str(error) and message in str(error)


def test_errors_come_in_input_order_whatever_their_kind() -> None:
    parsed = parse_updates(['["X","u",[1e39,2]]', GOOD[0], "not json"], 2)
    assert [position for position, _ in parsed.errors] == [0, 2]
    assert parsed.ids == ["i1"]


def test_valid_json_written_differently_is_accepted_in_its_place() -> None:
    spaced = ' [ "Y" , "i9" , [ 1 , 2.5 ] ] '
    parsed = parse_updates([GOOD[0], spaced, GOOD[2]], 2)
    assert parsed.ids == ["i1", "i9", "i2"]
    np.testing.assert_array_equal(parsed.vectors[1], [1.0, 2.5])
    assert parsed.errors == []


def test_an_empty_batch_gives_an_empty_matrix_of_the_right_width() -> None:
    parsed = parse_updates([], 3)
    assert parsed.vectors.shape == (0, 3) and parsed.ids == [] and parsed.errors == []
