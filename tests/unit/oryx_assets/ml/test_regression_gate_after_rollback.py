"""After a roll back the regression gate compares with the model that is live: the re-published generation's
score (carried over from its own publication), not the score of the newer model that was rolled back from."""

from __future__ import annotations

from dagster import AssetKey, AssetMaterialization, DagsterInstance, MetadataValue

from oryx_assets.lambda_.publication import PUBLISHED_ASSET, PUBLISHED_SCORE
from oryx_assets.lambda_.rollback import REPUBLISHED_ASSET, published_score
from oryx_assets.ml.checks import last_published_score

GOOD, BAD, NEXT = "1700000000000", "1700000060000", "1700000120000"


def record(instance: DagsterInstance, asset: str, partition: str, score: float | None) -> None:
    metadata = {} if score is None else {PUBLISHED_SCORE: MetadataValue.float(score)}
    instance.report_runless_asset_event(AssetMaterialization(AssetKey(asset), partition=partition, metadata=metadata))


def test_the_gate_compares_with_the_newest_publication_of_either_kind() -> None:
    with DagsterInstance.ephemeral() as instance:
        record(instance, PUBLISHED_ASSET, GOOD, 0.8)
        record(instance, PUBLISHED_ASSET, BAD, 0.5)
        assert last_published_score(instance, exclude_partition=NEXT) == (0.5, BAD)
        assert published_score(instance, GOOD) == 0.8
        assert published_score(instance, NEXT) is None
        record(instance, REPUBLISHED_ASSET, GOOD, published_score(instance, GOOD))
        assert last_published_score(instance, exclude_partition=NEXT) == (0.8, GOOD)


def test_a_publication_without_a_score_is_passed_over() -> None:
    with DagsterInstance.ephemeral() as instance:
        record(instance, PUBLISHED_ASSET, GOOD, 0.8)
        record(instance, REPUBLISHED_ASSET, BAD, None)
        assert last_published_score(instance, exclude_partition=NEXT) == (0.8, GOOD)
        assert last_published_score(instance, exclude_partition=GOOD) == (None, None)
