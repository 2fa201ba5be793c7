"""``python -m oryx_streaming`` refuses to start on a bad configuration, naming the key, before touching Kafka."""

from __future__ import annotations

import pytest

from oryx_streaming.__main__ import main

MANAGER = "-Doryx.speed.model-manager-class=com.cloudera.oryx.example.speed.ExampleSpeedModelManager"


def test_missing_model_manager_class_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "oryx.speed.model-manager-class" in capsys.readouterr().err


def test_null_update_topic_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([MANAGER, "-D", "oryx.update-topic.message.topic=null"]) == 2
    assert "oryx.update-topic.message.topic" in capsys.readouterr().err


def test_invalid_interval_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([MANAGER, "-D", "oryx.speed.streaming.generation-interval-sec=0"]) == 2
    assert "oryx.speed.streaming.generation-interval-sec" in capsys.readouterr().err
