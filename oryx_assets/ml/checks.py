"""The checks that stand between ``tuned_model`` and ``published_model``, shown next to the model in the UI.

All four are blocking checks, and their severity says whether a failure stops publication: Dagster skips
the downstream asset only when a blocking check fails with ERROR severity, so a WARN failure marks the asset
without holding the model back (``verdicts`` has the rules).

* ``model_meets_threshold`` (Oryx 2's ``oryx.ml.eval.threshold``) and ``model_not_empty`` (a PMML without a
  model would replace a good model in serving) fail with ERROR.
* ``model_has_valid_score``: ERROR when a generation meant to be evaluated has no valid score; a WARN with
  ``test-fraction`` 0, or when there was no test line at all (nothing is published then, and the previous
  model stays).
* ``model_beats_baseline``: WARN, or ERROR with ``oryx.ml.eval.baseline-check = "block"``.
* ``model_not_worse_than_published`` (the regression gate): WARN when the score falls more than
  ``oryx.ml.eval.regression-margin`` below the last published model's (read from the Dagster instance's
  ``published_model`` materializations), or ERROR with ``oryx.ml.eval.regression-check = "block"``.

A failed ERROR check fails the run, which is what the operator should see.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    MetadataValue,
)
from dagster_pyspark import LazyPySparkResource

from oryx_assets.lambda_.publication import PUBLISHED_ASSET, PUBLISHED_SCORE, ChosenModel
from oryx_assets.lambda_.rollback import REPUBLISHED_ASSET
from oryx_assets.lambda_.storage import HadoopStorage
from oryx_assets.ml.best_model import TunedModel, tuned_model
from oryx_assets.ml.candidates import MODEL_FILE
from oryx_assets.ml.verdicts import (
    Verdict,
    baseline_check,
    baseline_verdict,
    meets_threshold,
    regression_check,
    regression_verdict,
    score_verdict,
)
from oryx_assets.partitions import generation_check
from oryx_assets.resources import OryxConfigResource
from oryx_core.ml.pmml import PMMLError, local_name, read_pmml

NO_MODEL = "no ML model this generation"
_NOT_CONTENT = frozenset({"Header", "MiningBuildTask", "DataDictionary", "TransformationDictionary"})


def _result(verdict: Verdict, **metadata: object) -> AssetCheckResult:
    """ERROR (Dagster's default) unless the verdict is a failure that must not block: then WARN."""
    severity = AssetCheckSeverity.WARN if not verdict.passed and not verdict.blocks else AssetCheckSeverity.ERROR
    return AssetCheckResult(passed=verdict.passed, severity=severity, metadata={"note": verdict.note, **metadata})


def pmml_content(text: str) -> list[str]:
    """Names of the PMML's top-level elements that carry a model (model elements, Oryx's Extensions)."""
    root = read_pmml(text)
    return [local_name(child.tag) for child in root if local_name(child.tag) not in _NOT_CONTENT]


@generation_check(
    asset=tuned_model,
    blocking=True,
    description="The best candidate's evaluation is at least oryx.ml.eval.threshold; otherwise nothing is published.",
)
def model_meets_threshold(tuned_model: ChosenModel | None) -> AssetCheckResult:
    if tuned_model is None:
        return AssetCheckResult(passed=True, metadata={"note": NO_MODEL})
    score, threshold = tuned_model.score, tuned_model.threshold
    metadata = {
        "score": "none" if score is None else str(score),
        "threshold": "none" if threshold is None else str(threshold),
    }
    return AssetCheckResult(passed=meets_threshold(score, threshold), metadata=metadata)


@generation_check(
    asset=tuned_model,
    blocking=True,
    description="A candidate built a model, and its PMML holds a model or Oryx extensions, not just a header.",
)
def model_not_empty(
    context: AssetCheckExecutionContext, tuned_model: ChosenModel | None, spark: LazyPySparkResource
) -> AssetCheckResult:
    if tuned_model is None:
        return AssetCheckResult(passed=True, metadata={"note": NO_MODEL})
    if tuned_model.candidates and not tuned_model.built:
        return AssetCheckResult(passed=False, metadata={"note": f"none of {tuned_model.candidates} candidates built"})
    if tuned_model.path is None:
        return AssetCheckResult(passed=True, metadata={"note": "no model kept (see tuned_model's note)"})
    text = HadoopStorage(spark.spark_session, tuned_model.path).read_text(MODEL_FILE)
    try:
        content = pmml_content(text)
    except PMMLError as error:
        return AssetCheckResult(passed=False, metadata={"note": f"model.pmml is not usable PMML: {error}"})
    context.log.info(f"{tuned_model.path}/{MODEL_FILE}: {content}")
    return AssetCheckResult(
        passed=bool(content), metadata={"content": MetadataValue.json(content), "pmml_bytes": len(text)}
    )


@generation_check(
    asset=tuned_model,
    blocking=True,
    description="The model was scored on test data (a real, non-NaN score); an error blocks publication. "
    "A warning with test-fraction 0 (evaluation off), or when no test line existed (nothing is published).",
)
def model_has_valid_score(tuned_model: TunedModel | None) -> AssetCheckResult:
    if tuned_model is None:
        return AssetCheckResult(passed=True, metadata={"note": NO_MODEL})
    evaluation = tuned_model.evaluation
    verdict = score_verdict(tuned_model.evaluates, tuned_model.test_rows, tuned_model.built > 0, evaluation)
    metadata: dict[str, object] = {"test_rows": tuned_model.test_rows, "test_source": tuned_model.test_source}
    if evaluation is not None and evaluation.valid:
        metadata["score"] = MetadataValue.float(evaluation.score)
    return _result(verdict, **metadata)


@generation_check(
    asset=tuned_model,
    blocking=True,
    description="The model's score beats the app's strongest baseline (e.g. predicting the mean). "
    'oryx.ml.eval.baseline-check: "warn" (a warning), "block" (an error: not published) or "off".',
)
def model_beats_baseline(tuned_model: TunedModel | None, oryx: OryxConfigResource) -> AssetCheckResult:
    mode = baseline_check(oryx.load())
    evaluation = tuned_model.evaluation if tuned_model is not None else None
    verdict = baseline_verdict(mode, evaluation)
    metadata: dict[str, object] = {"mode": mode.value}
    if evaluation is not None and evaluation.baseline_score is not None and evaluation.valid:
        metadata["score"] = MetadataValue.float(evaluation.score)
        metadata["baseline"] = evaluation.baseline or "baseline"
        metadata["baseline_score"] = MetadataValue.float(evaluation.baseline_score)
    return _result(verdict, **metadata)


@generation_check(
    asset=tuned_model,
    blocking=True,
    description="The regression gate: the score is not worse than the last published model's by more than "
    'oryx.ml.eval.regression-margin. oryx.ml.eval.regression-check: "warn" (a warning), "block" (an error: not '
    'published) or "off".',
)
def model_not_worse_than_published(
    context: AssetCheckExecutionContext, tuned_model: TunedModel | None, oryx: OryxConfigResource
) -> AssetCheckResult:
    mode, margin = regression_check(oryx.load())
    evaluation = tuned_model.evaluation if tuned_model is not None else None
    previous, generation = last_published_score(context.instance, exclude_partition=context.partition_key)
    verdict = regression_verdict(mode, margin, previous, evaluation)
    metadata: dict[str, object] = {"mode": mode.value, "margin": MetadataValue.float(margin)}
    if previous is not None:
        metadata.update({"published_score": MetadataValue.float(previous), "published_generation": generation})
    if evaluation is not None and evaluation.valid:
        metadata["score"] = MetadataValue.float(evaluation.score)
    return _result(verdict, **metadata)


def last_published_score(
    instance: DagsterInstance, exclude_partition: str, scanned: int = 100
) -> tuple[float | None, str | None]:
    """(score, generation) of the model now live: the newest ``published_model`` or ``republished_model`` (a
    roll back) materialization that published a scored model, other than ``exclude_partition``'s own (a
    re-run of this generation); (None, None) when there is none."""
    records = [
        record
        for asset in (PUBLISHED_ASSET, REPUBLISHED_ASSET)
        for record in instance.fetch_materializations(AssetKey(asset), limit=scanned).records
    ]
    for record in sorted(records, key=lambda record: record.storage_id, reverse=True):  # newest first
        materialization = record.asset_materialization
        if materialization is None or materialization.partition == exclude_partition:
            continue
        score = materialization.metadata.get(PUBLISHED_SCORE)
        if score is not None and isinstance(score.value, int | float):
            return float(score.value), materialization.partition
    return None, None
