"""``tuned_model``: the best of this generation's candidate models, and the checks that guard its publication.

``oryx.ml.eval.candidates`` hyperparameter combinations are chosen by ``oryx.ml.eval.hyperparam-search``
(seeded by the generation, so a re-run searches the same combinations), built and scored (see ``candidates``),
and the best is moved from ``<model-dir>/.temporary/<ts>/<i>/`` to ``<model-dir>/<ts>/``; the other candidates
are deleted. Its score is numeric metadata, so the asset's page in the Dagster UI plots model quality across
generations, and every candidate's hyperparameters and score are a table in the materialization.

Two blocking checks stand between this asset and ``published_model``: ``model_meets_threshold``
(``oryx.ml.eval.threshold``; a model below it is deleted and never published, as in Oryx 2) and
``model_not_empty`` (a PMML document with no model in it would replace a good model in serving). A failed
blocking check stops the run before publication, and the run shows as failed, which is what the operator
should see.
"""

import math
import random
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetExecutionContext,
    MetadataValue,
    Output,
    asset,
)
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame

from oryx_assets.lambda_.publication import ChosenModel
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.lambda_.update_class import load_ml_app
from oryx_assets.ml.candidates import (
    MODEL_FILE,
    Candidate,
    best_candidate,
    build_candidates,
    candidates_markdown,
    meets_threshold,
    temporary_name,
)
from oryx_assets.ml.split import PASS_THROUGH, TrainTestSplit, delete_split
from oryx_assets.partitions import generation_check, generation_timestamp, generations
from oryx_assets.resources import OryxConfigResource
from oryx_core.api.batch import MLApp
from oryx_core.config import OryxConfig
from oryx_core.ml.hyperparams import choose_combinations
from oryx_core.ml.pmml import PMMLError, local_name, read_pmml

NO_DATA = "No data in current generation's RDD"
_NOT_CONTENT = frozenset({"Header", "MiningBuildTask", "DataDictionary", "TransformationDictionary"})


def search_settings(config: OryxConfig, has_test: bool) -> tuple[int, str, int, float | None]:
    """Candidates, search strategy, parallelism and threshold; one candidate when nothing can tell them apart."""
    candidates = config.get_int("oryx.ml.eval.candidates") if has_test else 1
    return (
        candidates,
        config.get_string("oryx.ml.eval.hyperparam-search"),
        config.get_int("oryx.ml.eval.parallelism"),
        config.get_optional_float("oryx.ml.eval.threshold"),
    )


def _cached(frame: DataFrame | None) -> DataFrame | None:
    return frame.cache() if frame is not None else None


def _search(
    context: AssetExecutionContext,
    app: MLApp,
    config: OryxConfig,
    storage: HadoopStorage,
    split: TrainTestSplit,
    train: DataFrame,
    test: DataFrame | None,
) -> tuple[list[Candidate], str, float | None]:
    """Builds and scores this generation's candidates in ``.temporary/<ts>/``; returns them with the settings."""
    how_many, strategy, parallelism, threshold = search_settings(config, test is not None)
    combinations = choose_combinations(app.hyperparameter_values(config), how_many, strategy, random.Random(split.seed))
    scratch = temporary_name(generation_timestamp(context.partition_key))
    storage.delete(scratch)  # what a killed run of this generation left
    session = train.sparkSession
    session.sparkContext.setCheckpointDir(child_uri(storage.uri, ".checkpoint"))
    try:
        log = context.log.info
        candidates = build_candidates(app, session, storage, scratch, combinations, train, test, parallelism, log)
    finally:
        for frame in (train, test):
            if frame is not None:
                frame.unpersist()
    return candidates, strategy, threshold


def _keep(storage: HadoopStorage, best: Candidate | None, threshold: float | None, final: str) -> bool:
    """Moves the best candidate to ``<model-dir>/<final>/`` if it meets the threshold; deletes the scratch folder."""
    kept = best is not None and meets_threshold(best.score, threshold)
    if best is not None and kept:
        storage.delete(final)
        storage.rename(best.relative, final)
    storage.delete(temporary_name(int(final)))
    return kept


@asset(partitions_def=generations, kinds={"spark", "pmml"}, group_name="ml")
def tuned_model(
    context: AssetExecutionContext,
    train_test_split: TrainTestSplit | None,
    oryx: OryxConfigResource,
    spark: LazyPySparkResource,
) -> Output[ChosenModel | None]:
    """The best candidate model of this generation in ``<model-dir>/<ts>/``; None for a plain BatchLayerUpdate."""
    config = oryx.load()
    app = load_ml_app(config)
    if app is None or train_test_split is None:
        return Output(None, metadata={"ml_app": False, "note": PASS_THROUGH})
    if train_test_split.new_rows == 0:
        # Oryx 2's lambda tier builds nothing in a generation without new input, whatever the split rule says.
        context.log.info(NO_DATA)
        return Output(None, metadata={"ml_app": True, "note": NO_DATA})
    timestamp = generation_timestamp(context.partition_key)
    session = spark.spark_session
    data_dir = config.get_string("oryx.batch.storage.data-dir")
    model_dir = config.get_string("oryx.batch.storage.model-dir")
    train = _cached(train_test_split.train_data(session, data_dir, timestamp))
    if train is None:
        # e.g. test-fraction 1 on the first generation: every new line tests, and there is no past yet.
        note = f"no training data ({train_test_split.rule.value}): no model this generation"
        context.log.warning(note)
        return Output(ChosenModel(None), metadata={"ml_app": True, "note": note})
    test = _cached(train_test_split.test_data(session))
    storage = HadoopStorage(session, model_dir)
    candidates, strategy, threshold = _search(context, app, config, storage, train_test_split, train, test)
    best = best_candidate(candidates)
    kept = _keep(storage, best, threshold, str(timestamp))
    if best is not None and not kept:
        context.log.warning(f"best model's score {best.score} did not exceed threshold {threshold}: discarded")
    delete_split(session, data_dir, timestamp)
    chosen = ChosenModel(
        child_uri(model_dir, str(timestamp)) if kept else None,
        best.score if best is not None else None,
        threshold,
        len(candidates),
        sum(c.built for c in candidates),
    )
    metadata = _metadata(chosen, candidates, best, strategy, train_test_split)
    if kept:
        metadata["pmml_bytes"] = storage.size(f"{timestamp}/{MODEL_FILE}")
    return Output(chosen, metadata=metadata)


def _metadata(
    chosen: ChosenModel, candidates: list[Candidate], best: Candidate | None, strategy: str, split: TrainTestSplit
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "ml_app": True,
        "candidates": MetadataValue.md(candidates_markdown(candidates, best)),
        "hyperparam_search": strategy,
        "threshold": chosen.threshold if chosen.threshold is not None else "(none)",
        "kept": chosen.path is not None,
        "model_path": MetadataValue.path(chosen.path) if chosen.path else "(no model kept)",
        "test_rows": split.test_rows,
    }
    if best is not None:
        metadata["hyperparams"] = MetadataValue.json(best.hyperparams)
        if not math.isnan(best.score):
            # A float under the same key every generation: the UI plots it as model quality over time.
            metadata["score"] = MetadataValue.float(best.score)
    return metadata


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
        return AssetCheckResult(passed=True, metadata={"note": "no ML model this generation"})
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
        return AssetCheckResult(passed=True, metadata={"note": "no ML model this generation"})
    if tuned_model.candidates and not tuned_model.built:
        return AssetCheckResult(passed=False, metadata={"note": f"none of {tuned_model.candidates} candidates built"})
    if tuned_model.path is None:
        return AssetCheckResult(passed=True, metadata={"note": "no model kept (see model_meets_threshold)"})
    text = HadoopStorage(spark.spark_session, tuned_model.path).read_text(MODEL_FILE)
    try:
        content = pmml_content(text)
    except PMMLError as error:
        return AssetCheckResult(passed=False, metadata={"note": f"model.pmml is not usable PMML: {error}"})
    context.log.info(f"{tuned_model.path}/{MODEL_FILE}: {content}")
    return AssetCheckResult(
        passed=bool(content), metadata={"content": MetadataValue.json(content), "pmml_bytes": len(text)}
    )
