"""The batch layer's one Dagster code location (``workspace.yaml`` loads this module).

One asset graph serves every app, keyed by generation (one dynamic partition per generation)::

    input_window  ->  historical_data
    input_window + historical_data                ->  train_test_split  ->  tuned_model
    input_window + historical_data + tuned_model  ->  published_model

``input_window`` and ``historical_data`` are the generic tier's input (the history waits for the window, whose
erasure requests rewrite it); ``train_test_split`` and ``tuned_model``
are the ML tier (split, hyperparameter search, best model), and pass through for a plain ``BatchLayerUpdate``
app, whose ``run_update`` then runs in ``published_model``. Checks: ``bad_line_ratio`` on the window (a warning);
on the tuned model ``model_meets_threshold``, ``model_not_empty``, ``model_has_valid_score``,
``model_beats_baseline`` and ``model_not_worse_than_published``, all blocking, each failing with ERROR (the model
is not published) or WARN (it is, with a warning on the asset) as ``oryx_assets.ml.checks`` explains.
``republished_model`` (group ``rollback``, job ``rollback_job``) stands apart: it publishes an earlier
generation's retained model again (``oryx_assets.lambda_.rollback``).

The configuration comes from ``$ORYX_CONF`` (set by ``oryx up``); the generation interval, the lag trigger and
the Spark settings are read from it when the code location loads. ``defs`` is built lazily, on load, so
importing this module has no side effects and ``build_definitions`` can be reused by the CLI and tests with
their own config.
"""

from __future__ import annotations

from dagster import Definitions, definitions, in_process_executor

from oryx_assets.lambda_.automation import (
    LAG_TRIGGER_KEY,
    dead_generation_sensor,
    generation_failure_sensor,
    generation_job,
    generation_schedule,
    input_lag_sensor,
)
from oryx_assets.lambda_.checks import bad_line_ratio
from oryx_assets.lambda_.history import historical_data
from oryx_assets.lambda_.input_window import input_window
from oryx_assets.lambda_.publication import published_model
from oryx_assets.lambda_.rollback import republished_model, rollback_job
from oryx_assets.ml.best_model import tuned_model
from oryx_assets.ml.checks import (
    model_beats_baseline,
    model_has_valid_score,
    model_meets_threshold,
    model_not_empty,
    model_not_worse_than_published,
)
from oryx_assets.ml.split import train_test_split
from oryx_assets.resources import OryxConfigResource
from oryx_assets.wiring import build_resources

GENERATION_ASSETS = [input_window, historical_data, train_test_split, tuned_model, published_model]
GENERATION_CHECKS = [
    bad_line_ratio,
    model_meets_threshold,
    model_not_empty,
    model_has_valid_score,
    model_beats_baseline,
    model_not_worse_than_published,
]


def build_definitions(oryx: OryxConfigResource) -> Definitions:
    config = oryx.load()
    interval = config.get_int("oryx.batch.streaming.generation-interval-sec")
    return Definitions(
        assets=[*GENERATION_ASSETS, republished_model],
        asset_checks=GENERATION_CHECKS,
        jobs=[generation_job, rollback_job],
        sensors=[
            generation_schedule(interval),
            input_lag_sensor(interval, config.get_int(LAG_TRIGGER_KEY)),
            generation_failure_sensor,
            dead_generation_sensor,
        ],
        resources=build_resources(oryx),
        # Ad hoc materializations from the UI also share one process, hence one SparkSession.
        executor=in_process_executor,
    )


@definitions
def defs() -> Definitions:
    return build_definitions(OryxConfigResource())
