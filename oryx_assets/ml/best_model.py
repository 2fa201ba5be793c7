"""``tuned_model``: the best of this generation's candidate models, refitted on every line, ready to publish.

``oryx.ml.eval.candidates`` distinct hyperparameter combinations are chosen by ``oryx.ml.eval.hyperparam-search``
(seeded by the generation, so a re-run searches the same combinations; scale parameters on a log scale, see
``oryx_core.ml.log_scale``), built and scored (see ``candidates``). The best valid score wins; a NaN score
never does. With ``oryx.ml.eval.refit`` (the default) the winning hyperparameters are then built again on
train + test data into ``<model-dir>/<ts>/``, and that model is published with the winner's validation score;
otherwise the winning candidate's own folder is moved there, as in Oryx 2. The other candidates are deleted.

No model is kept when a generation meant to be evaluated has no test line or no valid score, when the best
score is below ``oryx.ml.eval.threshold``, or when it does not beat the app's baseline and
``oryx.ml.eval.baseline-check`` is "block"; the previous model then stays in service and the metadata says why.
The checks in ``checks`` report each of these to the UI. The metadata holds the candidate table and the
winner's score, metrics and baselines as numbers, so the asset's page plots them across generations.
"""

import random
from dataclasses import dataclass
from typing import Any

from dagster import AssetExecutionContext, MetadataValue, Output, asset
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.lambda_.publication import ChosenModel
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.ml.candidates import MODEL_FILE, Candidate, best_candidate, build_candidates, refit, temporary_name
from oryx_assets.ml.reporting import baselines_markdown, candidates_markdown, evaluation_metadata
from oryx_assets.ml.split import PASS_THROUGH, TrainTestSplit
from oryx_assets.ml.verdicts import BaselineCheck, baseline_check, meets_threshold
from oryx_assets.partitions import generation_timestamp, generations
from oryx_assets.settings import BatchSettings
from oryx_core.api.batch import Evaluation, MLApp
from oryx_core.config import OryxConfig
from oryx_core.ml.hyperparams import ContinuousRange, HyperParamValues, choose_combinations
from oryx_core.ml.log_scale import LOG_SCALE_KEY, hyperparam_keys, log_scale_names, log_scaled

NO_DATA = "No data in current generation's RDD"


@dataclass(frozen=True)
class TunedModel(ChosenModel):
    """The chosen model with what the checks judge it by.

    ``evaluates`` is false only with ``test-fraction`` 0; ``evaluation`` is the winner's (its validation score
    when refitted); ``refit_rows`` is None when the published model is the candidate itself; ``note`` says why
    no model was kept.
    """

    requested: int = 0
    evaluates: bool = True
    test_rows: int = 0
    test_source: str = ""
    evaluation: Evaluation | None = None
    refit_rows: int | None = None
    note: str | None = None


def search_settings(settings: BatchSettings, has_test: bool) -> tuple[int, str, int, float | None]:
    """Candidates, search strategy, parallelism and threshold; one candidate when nothing can tell them apart."""
    candidates = settings.candidates if has_test else 1
    return candidates, settings.hyperparam_search, settings.parallelism, settings.threshold


def search_space(context: AssetExecutionContext, app: MLApp, config: OryxConfig) -> dict[str, HyperParamValues]:
    """The app's hyperparameters, scale parameters on a log scale; warns for ranges that cannot be."""
    params, refused = log_scaled(app.hyperparameter_values(config), log_scale_names(config))
    for name in refused:
        values = params[name]
        assert isinstance(values, ContinuousRange)
        keys = ", ".join(hyperparam_keys(config, name, values)) or f"hyperparameter {name!r}"
        context.log.warning(
            f"{keys}: the range [{values.lo}, {values.hi}] reaches 0 or below, so it is searched linearly, not on a "
            f"log scale ({LOG_SCALE_KEY}); give it a minimum > 0 to search it by order of magnitude"
        )
    return params


def _refusal(
    candidates: list[Candidate], best: Candidate | None, threshold: float | None, mode: BaselineCheck
) -> str | None:
    """Why the best candidate is not kept, or None when it is."""
    if best is None:
        return (
            "no candidate built a model" if not any(c.built for c in candidates) else "no candidate has a valid score"
        )
    if not meets_threshold(best.score, threshold):
        return f"best model's score {best.score} did not exceed threshold {threshold}"
    if mode is BaselineCheck.BLOCK and best.evaluation is not None and best.evaluation.beats_baseline() is False:
        return f"best model's score {best.score} does not beat baseline {best.evaluation.baseline_score} (block)"
    return None


def _keep(
    app: MLApp,
    storage: HadoopStorage,
    best: Candidate,
    every_line: DataFrame | None,
    rows: int,
    final: str,
) -> int | None:
    """Puts the winner in ``<model-dir>/<final>/``: refitted on ``every_line`` (train and test, both cached
    already; returns their ``rows``), or else the candidate itself (returns None), also when the app builds
    no model from all the data."""
    if every_line is not None and refit(app, every_line.sparkSession, storage, best, every_line, final):
        return rows
    storage.delete(final)
    storage.rename(best.relative, final)
    return None


@asset(partitions_def=generations, kinds={"spark", "pmml"}, group_name="ml")
def tuned_model(
    context: AssetExecutionContext,
    train_test_split: TrainTestSplit | None,
    historical_data: DataFrame | None,
    batch: BatchAppResource,
    spark: LazyPySparkResource,
) -> Output[ChosenModel | None]:
    """The generation's chosen model in ``<model-dir>/<ts>/``; None for a plain BatchLayerUpdate."""
    app, settings, config = batch.ml_app, batch.settings, batch.oryx.load()
    split = train_test_split
    if app is None or split is None:
        return Output(None, metadata={"ml_app": False, "note": PASS_THROUGH})
    if split.new_rows == 0:
        # Oryx 2's lambda tier builds nothing in a generation without new input, whatever the split rule says.
        context.log.info(NO_DATA)
        return Output(None, metadata={"ml_app": True, "note": NO_DATA})
    timestamp = generation_timestamp(context.partition_key)
    session = spark.spark_session
    model_dir = settings.model_dir
    facts = {"test_rows": split.test_rows, "test_source": split.test_source}
    if split.evaluates and split.test_rows == 0:
        note = f"no test line ({split.test_source}): no model this generation, the previous model stays"
        return _nothing(context, TunedModel(None, note=note, test_source=split.test_source))
    past = batch.parsed(context.partition_key, "past", historical_data) if split.past_trains else None
    train = split.train_data(past)
    if train is None:
        # e.g. test-fraction 1 on the first generation: every new line tests, and there is no past yet.
        note = f"no training data ({split.rule.value}): no model this generation"
        return _nothing(context, TunedModel(None, note=note, **facts))
    # Every candidate, its evaluation and the refit read these two: computed once, released at the end.
    train = train.cache()
    train_rows = train.count()
    test = split.test.cache() if split.test is not None else None
    how_many, strategy, parallelism, threshold = search_settings(settings, test is not None)
    params = search_space(context, app, config)
    combinations = choose_combinations(params, how_many, strategy, random.Random(split.seed))
    storage = HadoopStorage(session, model_dir)
    scratch = temporary_name(timestamp)
    storage.delete(scratch)  # what a killed run of this generation left
    session.sparkContext.setCheckpointDir(child_uri(model_dir, ".checkpoint"))
    try:
        log = context.log.info
        candidates = build_candidates(app, session, storage, scratch, combinations, train, test, parallelism, log)
        best = best_candidate(candidates, evaluated=split.evaluates)
        note = _refusal(candidates, best, threshold, baseline_check(config))
        refit_rows = None
        if best is not None and note is None:
            every_line = train.unionByName(test) if test is not None and settings.refit else None
            refit_rows = _keep(app, storage, best, every_line, train_rows + split.test_rows, str(timestamp))
        elif note is not None:
            context.log.warning(f"{note}: nothing is published this generation")
    finally:
        for frame in (train, test):
            if frame is not None:
                frame.unpersist()
        storage.delete(scratch)
    chosen = TunedModel(
        child_uri(model_dir, str(timestamp)) if best is not None and note is None else None,
        best.score if best is not None else None,
        threshold,
        len(candidates),
        sum(c.built for c in candidates),
        requested=settings.candidates,
        evaluates=split.evaluates,
        test_rows=split.test_rows,
        test_source=split.test_source,
        evaluation=best.evaluation if best is not None else None,
        refit_rows=refit_rows,
        note=note,
    )
    metadata = _metadata(chosen, candidates, best, strategy, params, train_rows)
    if chosen.path is not None:
        metadata["pmml_bytes"] = storage.size(f"{timestamp}/{MODEL_FILE}")
    return Output(chosen, metadata=metadata)


def _nothing(context: AssetExecutionContext, chosen: TunedModel) -> Output[ChosenModel | None]:
    context.log.warning(chosen.note)
    metadata = {"ml_app": True, "kept": False, "note": chosen.note, "test_rows": chosen.test_rows}
    return Output(chosen, metadata={**metadata, "test_source": chosen.test_source})


def _metadata(
    chosen: TunedModel,
    candidates: list[Candidate],
    best: Candidate | None,
    strategy: str,
    params: dict[str, HyperParamValues],
    train_rows: int,
) -> dict[str, Any]:
    """What the asset page shows, in the order a user reads it: why nothing was kept, the winner's figures
    next to its baselines, the candidates, the data it was tested and trained on, then the search settings."""
    metadata: dict[str, Any] = {"ml_app": True, "kept": chosen.path is not None}
    if chosen.note is not None:
        metadata["note"] = chosen.note
    evaluation = best.evaluation if best is not None else None
    if evaluation is not None and evaluation.valid:
        # Floats under the same keys every generation: the UI plots model quality over time.
        metadata.update(evaluation_metadata(evaluation))
        table = baselines_markdown(evaluation)
        if table is not None:
            metadata["baselines"] = MetadataValue.md(table)
    if best is not None:
        metadata["hyperparams"] = MetadataValue.json(best.hyperparams)
    metadata.update(
        {
            "candidates": MetadataValue.md(candidates_markdown(candidates, best)),
            "test_rows": chosen.test_rows,
            "test_source": chosen.test_source,
            "train_rows": train_rows,
            "refit": chosen.refit_rows is not None,
        }
    )
    if chosen.refit_rows is not None:
        metadata["refit_rows"] = chosen.refit_rows
    metadata.update(
        {
            "candidates_requested": chosen.requested,
            "candidates_built": chosen.built,
            "hyperparam_search": strategy,
            "log_scale": MetadataValue.json(sorted(n for n, v in params.items() if getattr(v, "log", False))),
            "threshold": chosen.threshold if chosen.threshold is not None else "(none)",
            "model_path": MetadataValue.path(chosen.path) if chosen.path else "(no model kept)",
        }
    )
    return metadata
