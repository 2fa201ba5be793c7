"""Properties of the ALS ``UP`` message codec over generated messages: what the batch and speed layers write reads
back exactly, and no payload, however broken, makes the parsers fail other than with ``ALSUpdateError``."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from oryx_core.apps.als.messages import (
    ALSUpdateError,
    format_x_update,
    format_y_update,
    parse_update,
    parse_updates,
)

ID = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12)
VECTOR = st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=1, max_size=6)


@given(st.booleans(), ID, VECTOR, st.one_of(st.none(), st.lists(ID, min_size=1, max_size=4)))
def test_a_written_update_reads_back_exactly(
    user: bool, id_: str, values: list[float], others: list[str] | None
) -> None:
    vector = np.asarray(values, dtype=np.float32)
    message = (format_x_update if user else format_y_update)(id_, vector, others)
    kind, parsed_id, parsed, parsed_others = parse_update(message)
    assert (kind, parsed_id, parsed_others) == ("X" if user else "Y", id_, others)
    assert parsed.dtype == np.float32 and np.array_equal(parsed, vector)


JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=12,
)
BROKEN = st.one_of(
    st.text(max_size=40),
    JSONISH.map(lambda value: json.dumps(value)),
    st.tuples(st.sampled_from(["X", "Y", "Z", 1]), JSONISH, JSONISH).map(lambda parts: json.dumps(list(parts))),
    st.just('["X","u",[1e39]]'),
)


@given(BROKEN)
def test_any_payload_is_an_update_or_an_update_error(message: str) -> None:
    try:
        kind, id_, vector, _ = parse_update(message)
    except ALSUpdateError:
        return
    assert kind in ("X", "Y") and isinstance(id_, str) and np.isfinite(vector).all()


@given(
    st.lists(
        st.one_of(BROKEN, st.tuples(ID, VECTOR).map(lambda p: format_x_update(p[0], np.float32(p[1][:1])))), max_size=8
    )
)
def test_a_batch_keeps_each_valid_message_and_reports_each_other(messages: list[str]) -> None:
    parsed = parse_updates(messages, features=1)
    kept, failed = set(parsed.positions), {position for position, _ in parsed.errors}
    assert kept.isdisjoint(failed) and kept | failed == set(range(len(messages)))
    assert parsed.vectors.shape == (len(parsed.positions), 1)
    for position in range(len(messages)):
        try:
            kind, id_, vector, _ = parse_update(messages[position])
            alone = len(vector) == 1
        except ALSUpdateError:
            alone = False
        assert (position in kept) == alone, messages[position]
