"""The batch layer's one Dagster code location (``workspace.yaml`` loads this module).

The configuration comes from ``$ORYX_CONF`` (set by ``oryx up``); the generation interval and the Spark
settings are read from it when the code location loads. ``defs`` is built lazily, on load, so importing this
module has no side effects and ``build_definitions`` can be reused by the CLI and tests with their own config.
"""

from __future__ import annotations

from dagster import Definitions, definitions, in_process_executor

from oryx_assets.lambda_.automation import generation_job, generation_schedule
from oryx_assets.lambda_.history import historical_data
from oryx_assets.lambda_.input_window import input_window
from oryx_assets.lambda_.publication import published_model
from oryx_assets.resources import OryxConfigResource, build_resources

GENERATION_ASSETS = [input_window, historical_data, published_model]


def build_definitions(oryx: OryxConfigResource) -> Definitions:
    config = oryx.load()
    interval = config.get_int("oryx.batch.streaming.generation-interval-sec")
    return Definitions(
        assets=GENERATION_ASSETS,
        jobs=[generation_job],
        sensors=[generation_schedule(interval)],
        resources=build_resources(oryx),
        # Ad hoc materializations from the UI also share one process, hence one SparkSession.
        executor=in_process_executor,
    )


@definitions
def defs() -> Definitions:
    return build_definitions(OryxConfigResource())
