"""The word-count example's speed manager: MODEL replaces its counts, each batch adds to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oryx_core.topics.messages import MODEL, UP
from oryx_streaming.apps.example import ExampleSpeedModelManager


def test_without_a_model_counts_start_from_zero(batch_of: Callable[..., Any]) -> None:
    manager = ExampleSpeedModelManager()
    assert list(manager.build_updates(batch_of("a b c", "b d"))) == ["a,2", "b,3", "c,2", "d,1"]


def test_batch_counts_are_added_to_the_model(batch_of: Callable[..., Any]) -> None:
    manager = ExampleSpeedModelManager()
    manager.consume_key_message(MODEL, '{"a":5,"z":1}')
    assert list(manager.build_updates(batch_of("a b"))) == ["a,6", "b,1"]


def test_only_words_of_the_batch_are_published(batch_of: Callable[..., Any]) -> None:
    manager = ExampleSpeedModelManager()
    manager.consume_key_message(MODEL, '{"a":5,"z":1}')
    manager.build_updates(batch_of("a b"))
    assert manager.counts() == {"a": 6, "b": 1, "z": 1}


def test_totals_keep_growing_across_batches(batch_of: Callable[..., Any]) -> None:
    manager = ExampleSpeedModelManager()
    manager.build_updates(batch_of("a b"))
    assert list(manager.build_updates(batch_of("a c"))) == ["a,2", "c,1"]


def test_new_model_replaces_running_totals(batch_of: Callable[..., Any]) -> None:
    manager = ExampleSpeedModelManager()
    manager.build_updates(batch_of("a b"))
    manager.consume_key_message(MODEL, '{"a":10}')
    assert manager.counts() == {"a": 10}


def test_up_messages_are_ignored() -> None:
    manager = ExampleSpeedModelManager()
    manager.consume_key_message(MODEL, '{"a":1}')
    manager.consume_key_message(UP, "a,99")
    assert manager.counts() == {"a": 1}


def test_null_values_are_skipped(batch_of: Callable[..., Any]) -> None:
    assert list(ExampleSpeedModelManager().build_updates(batch_of(None, "x y"))) == ["x,1", "y,1"]


def test_a_word_alone_on_its_line_is_published_with_its_total(batch_of: Callable[..., Any]) -> None:
    manager = ExampleSpeedModelManager()
    manager.consume_key_message(MODEL, '{"solo":4}')
    assert list(manager.build_updates(batch_of("solo"))) == ["solo,4"]
