"""The linear regression app's part of ``oryx demo``: synthetic examples in through ``/train``, a generation, then
``/predict`` next to the value the known coefficients give."""

from __future__ import annotations

import time
from collections.abc import Callable

from oryx_cli.demos.datasets import refuse_data_file
from oryx_cli.demos.http import datum_path, get_status, get_text, post_lines, wait_for
from oryx_cli.demos.linear.data import COEFFICIENTS, INTERCEPT, synthetic_lines, true_value
from oryx_core.config import OryxConfig

EXAMPLES = 2000
PROBES = ((0.0, 0.0, 0.0), (1.0, -5.0, 50.0), (-2.0, 10.0, -100.0))


def linear_demo(base: str, run_generation: Callable[[], None]) -> None:
    lines = synthetic_lines(EXAMPLES)
    print(f"sending {len(lines)} synthetic examples (y = {INTERCEPT} + {COEFFICIENTS} · x + noise) to {base}/train")
    post_lines(base, "/train", lines)
    started = time.monotonic()
    run_generation()
    wait_for(lambda: get_status(base + "/ready") == 200, 120, "the serving layer to load the linear model")
    print(f"model served {time.monotonic() - started:.1f} s after the generation started")
    print("GET /predict next to the known coefficients' value:")
    for probe in PROBES:
        datum = ",".join(str(v) for v in probe) + ","
        predicted = float(get_text(base + datum_path("/predict", datum)))
        print(f"  {datum:<20} predicted {predicted:10.4f}   true {true_value(probe):10.4f}")


def prepare_demo(
    config: OryxConfig, data_file: str | None, run_generation: Callable[[], None]
) -> Callable[[str], None]:
    """The registered demo entry (``oryx demo``): its data is synthetic, so a ``--data-file`` is refused."""
    refuse_data_file(data_file, "linear", "a seeded generator with known coefficients")
    return lambda base: linear_demo(base, run_generation)
