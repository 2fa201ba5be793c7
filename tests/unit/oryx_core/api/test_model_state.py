"""``ModelState``: the rules every non-ALS app state shares, on a minimal state whose model is a list of text."""

from __future__ import annotations

import pytest

from oryx_core.api.model_state import ModelState


class Notes(ModelState[list[str]]):
    app = "notes"

    def parse_model(self, text: str) -> list[str]:
        return [text]

    def apply_update(self, model: list[str], message: str) -> list[str]:
        return [*model, message]


def test_no_model_reads_none_and_an_update_before_a_model_is_skipped() -> None:
    state = Notes(None, apply_updates=True)
    state.consume_key_message("UP", "early")
    assert (state.model, state.fraction_loaded(), state.generation) == (None, None, 0)


def test_model_replaces_and_updates_apply_in_order_when_asked_to() -> None:
    state = Notes(None, apply_updates=True)
    state.consume_key_message("MODEL", "m1")
    state.consume_key_message("UP", "u1")
    state.consume_key_message("MODEL", "m2")
    state.consume_key_message("UP", "u2")
    assert (state.model, state.fraction_loaded(), state.generation) == (["m2", "u2"], 1.0, 2)


def test_a_state_built_not_to_apply_updates_ignores_them() -> None:
    state = Notes(None, apply_updates=False)
    state.consume_key_message("MODEL", "m1")
    state.consume_key_message("UP", "own update")
    assert state.model == ["m1"]


def test_a_model_ref_without_a_model_dir_is_refused_and_the_model_kept() -> None:
    state = Notes(None, apply_updates=True)
    state.consume_key_message("MODEL", "m1")
    with pytest.raises(ValueError, match="model-dir is not set"):
        state.consume_key_message("MODEL-REF", "file:/tmp/x.pmml")
    assert state.model == ["m1"]


def test_an_unknown_key_raises_for_the_follower_to_log_and_skip() -> None:
    with pytest.raises(ValueError, match="notes model state cannot apply update-topic key 'X'"):
        Notes(None, apply_updates=True).consume_key_message("X", "")


def test_close_drops_the_model_and_the_initial_model_counts_as_loaded() -> None:
    state = Notes(None, apply_updates=False, initial=[])
    assert state.fraction_loaded() == 1.0
    state.close()
    assert (state.model, state.update(lambda model: [*model, "x"])) == (None, None)
