"""The example's one model state: serving applies ``UP``; the speed layer ignores it and starts from an empty map."""

from __future__ import annotations

import pytest

from oryx_core.apps.example.state import ExampleState, WordCounts


def test_serving_state_replaces_on_model_and_sets_a_words_count_on_up() -> None:
    state = ExampleState.from_config(None, apply_updates=True)
    assert state.model is None
    state.consume_key_message("MODEL", '{"a":1,"b":2}')
    state.consume_key_message("UP", "a,5")
    assert state.model is not None and state.model.snapshot() == {"a": 5, "b": 2}


def test_speed_state_starts_empty_ignores_up_and_adds_new_counts() -> None:
    state = ExampleState.from_config(None, apply_updates=False, start_empty=True)
    assert state.model is not None and state.fraction_loaded() == 1.0
    state.consume_key_message("MODEL", '{"a":1}')
    state.consume_key_message("UP", "a,99")
    assert state.model.add({"a": 2, "c": 1}) == {"a": 3, "c": 1}
    assert state.model.snapshot() == {"a": 3, "c": 1}


def test_a_malformed_up_raises_and_leaves_the_counts() -> None:
    state = ExampleState.from_config(None, apply_updates=True)
    state.consume_key_message("MODEL", '{"a":1}')
    with pytest.raises(ValueError, match="example UP message must be 'word,count'"):
        state.consume_key_message("UP", "no-comma")
    assert state.model is not None and state.model.snapshot() == {"a": 1}


def test_word_counts_copy_their_input_and_answer_missing_words_with_none() -> None:
    source = {"a": 1}
    counts = WordCounts(source)
    source["a"] = 7
    assert (counts.get_count("a"), counts.get_count("zzz"), len(counts)) == (1, None, 1)
