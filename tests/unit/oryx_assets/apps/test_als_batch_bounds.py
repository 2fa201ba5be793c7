"""The batch layer's admission and expiry (``oryx.als.bounds.*``): the SQL keeps exactly the pairs whose user and
item the shared rule (``IDBounds.keeps``) keeps, and a built model has vectors for those IDs only."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from oryx_assets.apps.als.interactions import admitted_interactions, good_interactions, parse_interactions
from oryx_assets.apps.als.update import ALSUpdate
from oryx_core.apps.als.bounds import DAY_MS, IDBounds
from oryx_core.apps.als.messages import parse_update
from oryx_core.apps.als.model_pmml import read_als_pmml
from oryx_core.config import ConfigError, load_config

NOW = 1_700_000_000_000

Line = tuple[str, str, float, int]


def random_lines(seed: int, count: int = 300) -> list[Line]:
    """Users of skewed activity, user k last active about k days ago; items of skewed popularity."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        user, item = min(int(rng.expovariate(0.2)), 14), min(int(rng.expovariate(0.3)), 11)
        ts = NOW - user * DAY_MS - rng.randrange(0, 8) * DAY_MS // 4
        lines.append((f"u{user}", f"i{item}", float(rng.randrange(1, 5)), ts))
    return lines


def reference_pairs(lines: list[Line], bounds: IDBounds) -> list[tuple[str, str, int]]:
    """The lines kept, by the shared rule applied to each line's user and item."""
    count: dict[str, int] = defaultdict(int)
    last: dict[str, int] = defaultdict(lambda: -(2**63))
    for user, item, _, ts in lines:
        for key in (f"u:{user}", f"i:{item}"):
            count[key] += 1
            last[key] = max(last[key], ts)

    def keeps(key: str) -> bool:
        return bounds.keeps(count[key], last[key], NOW)

    return sorted((u, i, t) for u, i, _, t in lines if keeps(f"u:{u}") and keeps(f"i:{i}"))


def sql_pairs(spark: SparkSession, lines: list[Line], bounds: IDBounds) -> list[tuple[str, str, int]]:
    frame = spark.createDataFrame([(None, f"{u},{i},{s},{t}") for u, i, s, t in lines], "key string, value string")
    interactions = good_interactions(parse_interactions(frame), "test")
    kept = admitted_interactions(spark, interactions, bounds, NOW)
    return sorted((row["user"], row["item"], row["ts"]) for row in kept.collect())


@pytest.mark.parametrize(
    "bounds",
    [IDBounds(), IDBounds(min_interactions=20), IDBounds(expire_after_days=2.5), IDBounds(12, 4.0), IDBounds(1000)],
    ids=["off", "admission", "expiry", "both", "nobody"],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_the_sql_keeps_the_lines_the_shared_rule_keeps(spark: SparkSession, bounds: IDBounds, seed: int) -> None:
    lines = random_lines(seed)
    expected = reference_pairs(lines, bounds)
    assert sql_pairs(spark, lines, bounds) == expected
    if bounds.active and bounds.min_interactions < 1000:
        assert 0 < len(expected) < len(lines), "the case must keep some lines and drop others"


def test_defaults_are_off_and_cost_nothing(spark: SparkSession) -> None:
    bounds = IDBounds.from_config(load_config(None, []))
    assert bounds == IDBounds(1, 0.0) and not bounds.active
    frame = spark.createDataFrame([("u,i,1,5",)], "value string")
    interactions = good_interactions(parse_interactions(frame), "test")
    assert admitted_interactions(spark, interactions, bounds, NOW) is interactions


def test_the_rule_at_its_edges() -> None:
    bounds = IDBounds(min_interactions=3, expire_after_days=1.0)
    assert bounds.keeps(3, NOW - DAY_MS, NOW)
    assert not bounds.keeps(2, NOW, NOW)
    assert not bounds.keeps(3, NOW - DAY_MS - 1, NOW)
    assert IDBounds(expire_after_days=0.5).oldest_kept_ms(NOW) == NOW - DAY_MS // 2
    assert IDBounds().oldest_kept_ms(NOW) is None


@pytest.mark.parametrize("override", ["oryx.als.bounds.min-interactions=0", "oryx.als.bounds.expire-after-days=-1"])
def test_bad_bounds_stop_the_layer_at_start_naming_the_key(override: str) -> None:
    with pytest.raises(ConfigError, match=override.split("=")[0]):
        load_config(None, [override])


def test_a_model_holds_vectors_only_for_admitted_and_recent_ids(spark: SparkSession, tmp_path: Path) -> None:
    """Regulars (5 lines each, recent) get vectors; a one-off user and a user gone for 30 days do not, nor the
    item only the one-off user touched."""
    now = int(time.time() * 1000)
    lines = [f"regular{u},i{(u + n) % 6},1,{now - n * 1000}" for u in range(8) for n in range(5)]
    lines += [
        f"oneoff,rare,1,{now}",
        f"regular0,rare2,1,{now}",
        *[f"gone,i{n},1,{now - 30 * DAY_MS}" for n in range(5)],
    ]
    frame = spark.createDataFrame([(None, line) for line in lines], "key string, value string")
    overrides = ["oryx.als.bounds.min-interactions=2", "oryx.als.bounds.expire-after-days=7"]
    als = ALSUpdate(load_config(None, ["oryx.als.hyperparams.features=3", *overrides]))
    model_dir = f"file:{tmp_path}/c"

    pmml = als.build_model(spark, frame, {"features": 3, "lambda": 0.1, "alpha": 1.0}, model_dir)

    assert pmml is not None
    model = read_als_pmml(pmml)
    assert model.x_ids == tuple(sorted(f"regular{u}" for u in range(8)))
    assert model.y_ids == tuple(f"i{n}" for n in range(6))
    producer = ListProducer()
    als.publish_additional_model_data(spark, pmml, frame, None, model_dir, producer)  # type: ignore[arg-type]
    known = {id_: others for kind, id_, _, others in map(parse_update, producer.sent) if kind == "X"}
    assert sorted(known) == list(model.x_ids)
    assert known["regular0"] == sorted({f"i{n % 6}" for n in range(5)})  # not rare2: one line, no vector


class ListProducer:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, key: str | None, message: str) -> None:
        self.sent.append(message)
