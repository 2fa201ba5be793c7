"""The end-to-end tests' private stacks: each its own state folder, torn down with `oryx down` whatever happens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_support import AlsDemoStack, run_demo
from support.stacks import oryx_down, private_state

from oryx_cli.demos.datasets import default_movielens_dir

PORT_OFFSET = int(os.environ.get("ORYX_TEST_KAFKA_PORT", "19092")) - 19092
"""Shifts the ALS demo stack's ports with the session broker's (0 by default), so two engineers' runs on one
machine, each with its own ORYX_TEST_KAFKA_PORT, do not collide."""
ALS_DEMO_PORTS = (19392 + PORT_OFFSET, 18180 + PORT_OFFSET, 13100 + PORT_OFFSET)
"""(broker, serving, Dagster) of the ALS demo stack."""


@pytest.fixture
def stack_env(tmp_path: Path, kafka_brokers: str, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """A private state folder; the test module's ``DAGSTER_PORT`` is the port `oryx down` is told about."""
    env = private_state(tmp_path)
    yield env
    oryx_down(env, tmp_path, request.module.DAGSTER_PORT)


@pytest.fixture(scope="module")
def als_demo(kafka_brokers: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlsDemoStack]:
    """One ALS demo stack (`oryx up` + `oryx demo` on MovieLens, found via ORYX_DATA_DIR) for test_als_demo.py,
    which also collects the README's curl tests; `oryx down` when the module ends, whatever happens."""
    movielens = default_movielens_dir()  # $ORYX_DATA_DIR/movielens-latest-small, else ../shared/data/...
    if not (movielens / "ratings.csv").is_file():
        pytest.skip(f"MovieLens not found at {movielens}")
    folder = tmp_path_factory.mktemp("als-demo")
    env = private_state(folder)
    _, serving, dagster = ALS_DEMO_PORTS
    try:
        output = run_demo(
            env,
            folder,
            "als-example.conf",
            app_id="ALSDemoTest",
            ports=ALS_DEMO_PORTS,
            extra="  ml.eval.candidates = 1\n  als.hyperparams.lambda = 0.1",
        )
        yield AlsDemoStack(output, f"http://127.0.0.1:{serving}", movielens)
    finally:
        oryx_down(env, folder, dagster)
