"""ALSServingModelManager: MODEL / UP handling, reloads, fraction loaded, known items, bad messages."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from oryx_core.apps.als.messages import ALSUpdateError, format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.config import ConfigError, load_config
from oryx_core.ml.pmml import PMMLError, write_pmml
from oryx_serving.apps.als.manager import ALSServingModelManager


def manager(*overrides: str) -> ALSServingModelManager:
    return ALSServingModelManager(load_config(None, list(overrides)))


def pmml(users: tuple[str, ...], items: tuple[str, ...], features: int = 2, implicit: bool = True) -> str:
    return write_pmml(build_als_pmml(ALSModelDescription(features, implicit, x_ids=users, y_ids=items)))


def x_up(user: str, *values: float, known: list[str] | None = None) -> str:
    return format_x_update(user, np.array(values), known)


def y_up(item: str, *values: float, users: list[str] | None = None) -> str:
    return format_y_update(item, np.array(values), users)


def test_up_before_any_model_is_skipped() -> None:
    m = manager()
    m.consume_key_message("UP", x_up("u1", 1.0, 2.0))
    assert m.get_model() is None


def test_fraction_loaded_counts_arrived_vectors_against_the_listed_ids() -> None:
    m = manager()
    m.consume_key_message("MODEL", pmml(("u1", "u2"), ("i1", "i2")))
    model = m.get_model()
    assert model is not None and model.get_fraction_loaded() == 0.0
    m.consume_key_message("UP", y_up("i1", 1.0, 0.0))
    assert model.get_fraction_loaded() == pytest.approx(1 / 4)
    for message in (y_up("i2", 0.0, 1.0), x_up("u1", 1.0, 1.0), x_up("u2", 1.0, 1.0)):
        m.consume_key_message("UP", message)
    assert model.get_fraction_loaded() == 1.0


def test_x_update_records_known_items_and_y_update_adds_the_item_to_its_users() -> None:
    m = manager()
    m.consume_key_message("MODEL", pmml(("u1",), ("i1", "i2")))
    m.consume_key_message("UP", x_up("u1", 1.0, 0.0, known=["i1"]))
    m.consume_key_message("UP", y_up("i2", 0.0, 1.0, users=["u1", "u9"]))
    model = m.get_model()
    assert model is not None
    assert model.known_items_of("u1") == {"i1", "i2"}
    assert model.known_items_of("u9") == {"i2"}


def test_no_known_items_tracks_none() -> None:
    m = manager("oryx.als.no-known-items=true")
    m.consume_key_message("MODEL", pmml(("u1",), ("i1",)))
    m.consume_key_message("UP", x_up("u1", 1.0, 0.0, known=["i1"]))
    model = m.get_model()
    assert model is not None and model.known_items_of("u1") == frozenset()


def test_new_model_with_same_features_keeps_listed_and_recent_vectors_and_prunes_the_rest() -> None:
    m = manager()
    m.consume_key_message("MODEL", pmml(("u1", "u2"), ("i1",)))
    for message in (x_up("u1", 1.0, 0.0, known=["i1"]), x_up("u2", 0.0, 1.0), y_up("i1", 1.0, 1.0)):
        m.consume_key_message("UP", message)
    m.consume_key_message("UP", x_up("u3", 1.0, 1.0))  # from the speed layer, after the model fully loaded
    first = m.get_model()
    m.consume_key_message("MODEL", pmml(("u1",), ("i1", "i2")))
    assert m.get_model() is first and first is not None
    # u2 came with the previous model, which the new one replaces: dropped. u3 is newer than both: kept.
    assert sorted(first.user_ids()) == ["u1", "u3"]
    np.testing.assert_array_equal(first.user_vector("u1"), [1.0, 0.0])
    assert first.known_items_of("u1") == {"i1"}
    assert first.get_fraction_loaded() == pytest.approx(3 / 4)  # u1, u3, i1 loaded; i2 expected


def test_new_model_with_different_features_starts_empty() -> None:
    m = manager()
    m.consume_key_message("MODEL", pmml(("u1",), ("i1",)))
    m.consume_key_message("UP", x_up("u1", 1.0, 0.0))
    first = m.get_model()
    m.consume_key_message("MODEL", pmml(("u1",), ("i1",), features=3))
    second = m.get_model()
    assert second is not first and second is not None
    assert second.features == 3 and second.user_ids() == []


def test_bad_messages_raise_for_the_follower_to_log_and_skip_and_leave_the_model() -> None:
    m = manager()
    m.consume_key_message("MODEL", pmml(("u1",), ("i1",)))
    model = m.get_model()
    with pytest.raises(ALSUpdateError):
        m.consume_key_message("UP", '["X", "u1"]')
    with pytest.raises(ValueError, match="3 features but the model has 2"):
        m.consume_key_message("UP", x_up("u1", 1.0, 2.0, 3.0))
    with pytest.raises(PMMLError):
        m.consume_key_message("MODEL", "<PMML/>")
    with pytest.raises(ValueError, match="cannot apply"):
        m.consume_key_message("OTHER", "x")
    assert m.get_model() is model


def test_sample_rate_outside_zero_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="oryx.als.sample-rate"):
        manager("oryx.als.sample-rate=0")


def test_unknown_rescorer_provider_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="rescorer-provider-class"):
        manager("oryx.als.rescorer-provider-class=no.such.Provider")


def test_sample_rate_below_one_makes_item_scans_approximate() -> None:
    m = manager("oryx.als.sample-rate=0.3")
    m.consume_key_message("MODEL", pmml((), ("i1",), features=10))  # 2 features allow only 2 hashes: 1/4 or 3/4
    model = m.get_model()
    assert model is not None and model.lsh is not None
    assert 0.3 <= model.lsh.scanned_fraction <= 0.39  # at least the rate, at most 30% more (see lsh.py)


def test_queries_run_while_updates_stream_in() -> None:
    """Readers never block on the writer: every answer during 2,000 item updates is complete and ordered.

    Item n scores 10n + round, so neighbours stay 10 apart and the true order never changes mid-round."""
    m = manager()
    m.consume_key_message("MODEL", pmml(("u1",), tuple(f"i{n}" for n in range(200))))
    m.consume_key_message("UP", x_up("u1", 1.0, 0.0))
    for n in range(200):
        m.consume_key_message("UP", y_up(f"i{n}", float(10 * n), 1.0))
    model = m.get_model()
    assert model is not None
    done, reading = threading.Event(), threading.Event()

    def write() -> None:
        reading.wait(10)  # a reader's first answer first: on a busy machine the writer could otherwise finish alone
        for round_ in range(10):
            for n in range(200):
                m.consume_key_message("UP", y_up(f"i{n}", float(10 * n + round_), 1.0))
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    answers = 0
    while not done.is_set():
        top = model.top_items(np.array([1.0, 0.0], dtype=np.float32), 5)
        assert [id_ for id_, _ in top] == ["i199", "i198", "i197", "i196", "i195"]
        answers += 1
        reading.set()
    writer.join()
    assert answers > 0
