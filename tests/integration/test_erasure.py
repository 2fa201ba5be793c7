"""Erasure (issue 21 part 4) on the real broker, Spark (batch and Structured Streaming) and Dagster, with serving.

One ALS generation is published and serving answers from it. ``DELETE /user/alice`` on serving writes a
tombstone to the input topic; the speed layer (a real streaming query) forgets alice's vector at once and
sends ``ERASE``, so serving forgets her vector and known items without waiting for a generation. Then more
input arrives (one line of alice's from before the request among it) and the next generation runs: it must
publish a model without alice, and afterwards no file under ``data-dir`` may hold a line of hers: not the
windows (rewritten), not the stored outputs of the first generation, not the tombstone.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from batch_support import asset_metadata, materialize_generation, produce
from dagster import DagsterInstance
from rollback_support import FIRST, FIRST_LINES, SECOND, SECOND_LINES, als_speed_config, rollback_app, serving_config
from speed_support import SpeedRun, input_end_offsets, update_messages
from support.waiting import wait_for

from oryx_assets.resources import OryxConfigResource
from oryx_core.apps.als.model_pmml import read_als_pmml
from oryx_core.input.erasure import ERASE
from oryx_core.ml.pmml import read_pmml
from oryx_core.spark import build_spark_session
from oryx_core.topics.messages import MODEL
from oryx_serving import create_app
from oryx_streaming.apps.als import ALSSpeedModelManager

pytestmark = pytest.mark.usefixtures("spark_stopped_after_module")

ERASED = "alice"


@pytest.fixture
def oryx(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfigResource:
    return rollback_app(kafka_brokers, fresh_topics, tmp_path)


def traces_under(folder: Path, text: str) -> list[str]:
    """Files under ``folder`` holding ``text``: in any string of a Parquet file, or anywhere in a file's bytes
    (Parquet footers keep column minimum and maximum values in the clear)."""
    found = []
    for file in sorted(folder.rglob("*")):
        if not file.is_file():
            continue
        if text.encode() in file.read_bytes():
            found.append(str(file))
        elif file.suffix == ".parquet":
            table = pq.read_table(file)
            strings = [v for c in table.columns if pa.types.is_string(c.type) for v in c.to_pylist() if v]
            if any(text in value for value in strings):
                found.append(str(file))
    return found


def test_erasing_a_user_reaches_speed_serving_and_every_stored_line(oryx: OryxConfigResource, tmp_path: Path) -> None:
    instance, config = DagsterInstance.ephemeral(), als_speed_config(oryx, tmp_path)
    produce(oryx, FIRST_LINES)
    materialize_generation(oryx, instance, FIRST)
    data_dir = tmp_path / "data"
    assert traces_under(data_dir, ERASED), "the first generation stored alice's lines"

    app = create_app(serving_config(oryx))
    try:
        client = app.test_client()
        wait_for(lambda: ERASED in client.get("/user/allIDs").text.split(), timeout=60)
        assert client.get(f"/knownItems/{ERASED}").text.split() == ["apple", "bread"]
        spark = build_spark_session(config, "speed", app_name="OryxSpeedLayer-erasure-test")
        with SpeedRun(spark, config, ALSSpeedModelManager, starting_offsets=input_end_offsets(config)) as run:
            run.query.processAllAvailable()
            assert ERASED in run.manager.get_model().x
            response = client.delete(f"/user/{ERASED}")
            assert response.status_code == 204, response.text
            run.wait_for_rows(1)
            assert ERASED not in run.manager.get_model().x  # the speed layer, at once
            wait_for(lambda: ERASED not in client.get("/user/allIDs").text.split(), timeout=30)
        assert client.get(f"/recommend/{ERASED}").status_code == 404
        known = client.get(f"/knownItems/{ERASED}")
        assert known.status_code == 404 or known.text.split() == [], known.text
        assert "bob" in client.get("/user/allIDs").text.split()
        metrics = client.get("/metrics").text
        assert f'oryx_serving_update_messages_total{{key="{ERASE}"}} 1' in metrics
    finally:
        app.extensions["oryx"].close()

    produce(oryx, SECOND_LINES)  # holds "alice,figs,1,2000": written before the request, so erased too
    result = materialize_generation(oryx, instance, SECOND)
    history = asset_metadata(result)["historical_data"]
    assert (history["erased_ids"], history["erased_lines"]) == (1, 2 + 1 + 1)  # 2 old, 1 new, the tombstone
    assert history["deleted_derived_outputs"] >= 1  # the first generation's stored split held her lines

    models = [m for m in update_messages(config, 1, timeout=30) if m.key == MODEL]
    assert len(models) == 2
    newest = read_als_pmml(read_pmml(models[-1].message))
    assert ERASED not in newest.x_ids and "bob" in newest.x_ids and "erin" in newest.x_ids
    assert traces_under(data_dir, ERASED) == []
    assert traces_under(data_dir, "bob"), "the other users' lines stay"
