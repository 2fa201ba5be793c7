"""Bounded state (issue 21 part 5) on the real broker, Spark (batch and Structured Streaming) and Dagster, with
serving: ``oryx.als.bounds.min-interactions`` 2 and ``expire-after-days`` 5.

The generation gives vectors only to users and items with two lines or more, the latest within five days: carol
(one line) and olga (gone ten days) get none. Then between generations, through the real speed layer: a new user
gets a vector at the second line, not the first; a user whose lines are all ten days old is folded in and at
once expired, and the ``EXPIRE`` message makes serving forget them too (the items of the batch model that
user touched stay: the speed layer counts them as seen when it first sees them, see ``activity``).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from batch_support import materialize_generation, produce
from dagster import DagsterInstance
from rollback_support import als_speed_config, rollback_app, serving_config
from speed_support import SpeedRun, input_end_offsets, update_messages
from support.waiting import wait_for

from oryx_assets.resources import OryxConfigResource
from oryx_core.apps.als.bounds import DAY_MS
from oryx_core.apps.als.model_pmml import read_als_pmml
from oryx_core.ml.pmml import read_pmml
from oryx_core.spark import build_spark_session
from oryx_core.topics.messages import EXPIRE, MODEL
from oryx_serving import create_app
from oryx_streaming.apps.als import ALSSpeedModelManager

pytestmark = pytest.mark.usefixtures("spark_stopped_after_module")

BOUNDS = ["oryx.als.bounds.min-interactions=2", "oryx.als.bounds.expire-after-days=5"]
GENERATION = 1_700_000_000_000


@pytest.fixture
def oryx(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfigResource:
    app = rollback_app(kafka_brokers, fresh_topics, tmp_path)
    return OryxConfigResource(overrides=[*app.overrides, *BOUNDS])


def user_ids(client: object) -> list[str]:
    return client.get("/user/allIDs").text.split()  # type: ignore[attr-defined]


def test_admission_and_expiry_bound_the_model_in_batch_speed_and_serving(
    oryx: OryxConfigResource, tmp_path: Path
) -> None:
    now, old = int(time.time() * 1000), int(time.time() * 1000) - 10 * DAY_MS
    recent = ["alice,apple", "alice,bread", "alice,dates", "bob,apple", "bob,dates", "carol,bread"]
    produce(oryx, [f"{pair},1,{now}" for pair in recent] + [f"olga,{item},1,{old}" for item in ("apple", "bread")])
    materialize_generation(oryx, DagsterInstance.ephemeral(), GENERATION)
    config = als_speed_config(oryx, tmp_path)
    [model] = [m for m in update_messages(config, 1, timeout=30) if m.key == MODEL]
    description = read_als_pmml(read_pmml(model.message))
    assert description.x_ids == ("alice", "bob")  # carol: one line; olga: last seen ten days ago
    assert description.y_ids == ("apple", "bread", "dates")

    app = create_app(serving_config(oryx))
    try:
        client = app.test_client()
        wait_for(lambda: user_ids(client) == ["alice", "bob"], timeout=60)
        spark = build_spark_session(config, "speed", app_name="OryxSpeedLayer-bounds-test")
        with SpeedRun(spark, config, ALSSpeedModelManager, starting_offsets=input_end_offsets(config)) as run:
            run.query.processAllAvailable()
            produce(oryx, [f"newbie,apple,1,{now}"])
            run.wait_for_rows(1)
            assert "newbie" not in run.manager.get_model().x  # one line of two
            produce(oryx, [f"newbie,bread,1,{now}"])
            run.wait_for_rows(2)
            assert "newbie" in run.manager.get_model().x
            wait_for(lambda: "newbie" in user_ids(client), timeout=30)

            produce(oryx, [f"ghost,dates,1,{old}", f"ghost,bread,1,{old}"])
            run.wait_for_rows(4)
            assert "ghost" not in run.manager.get_model().x
            expire_count = f'oryx_serving_update_messages_total{{key="{EXPIRE}"}} 1'
            wait_for(lambda: expire_count in client.get("/metrics").text, timeout=30)
        assert sorted(user_ids(client)) == ["alice", "bob", "newbie"]
        metrics = client.get("/metrics").text
        assert "oryx_serving_als_users 3\n" in metrics and "oryx_serving_als_vector_bytes " in metrics
    finally:
        app.extensions["oryx"].close()
