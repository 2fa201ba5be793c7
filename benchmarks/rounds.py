"""Round bookkeeping shared by the batch benchmarks: a warm-up round (starts the JVMs, not counted), then
interleaved rounds whose medians are compared, so drifting background load weighs on every measure alike."""

from __future__ import annotations

import statistics


def record_round(results: dict[str, list[float]], round_number: int, timings: dict[str, float]) -> None:
    """Prints one round's timings; keeps them in ``results`` unless it is the warm-up (round 0)."""
    label = "warm-up" if round_number == 0 else f"round {round_number}"
    print(f"{label}: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()), flush=True)
    if round_number:
        for name, seconds in timings.items():
            results[name].append(seconds)


def report_medians(title: str, results: dict[str, list[float]], width: int = 12) -> dict[str, float]:
    """Prints ``title`` and the median seconds of each measure; returns the medians."""
    median = {name: statistics.median(values) for name, values in results.items()}
    print(f"\n{title}:")
    for name, seconds in median.items():
        print(f"  {name:{width}s} {seconds:7.2f} s")
    return median
