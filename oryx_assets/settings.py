"""The batch layer's settings, read from the Oryx configuration once per run into one typed object.

Assets read ``BatchSettings`` fields instead of looking keys up one by one, so a key is parsed (and a bad value
reported) once, and a reader sees in one place every setting a generation depends on.
"""

from __future__ import annotations

from dataclasses import dataclass

from oryx_core.config import OryxConfig


@dataclass(frozen=True)
class BatchSettings:
    """``oryx.batch.storage.*`` and ``oryx.ml.eval.*`` as one generation uses them."""

    data_dir: str
    model_dir: str
    max_age_data_hours: int
    max_age_model_hours: int
    test_fraction: float
    min_test_rows: int
    candidates: int
    hyperparam_search: str
    parallelism: int
    threshold: float | None
    refit: bool

    @classmethod
    def from_config(cls, config: OryxConfig) -> BatchSettings:
        storage, evaluation = "oryx.batch.storage", "oryx.ml.eval"
        return cls(
            data_dir=config.get_string(f"{storage}.data-dir"),
            model_dir=config.get_string(f"{storage}.model-dir"),
            max_age_data_hours=config.get_int(f"{storage}.max-age-data-hours"),
            max_age_model_hours=config.get_int(f"{storage}.max-age-model-hours"),
            test_fraction=config.get_float(f"{evaluation}.test-fraction"),
            min_test_rows=config.get_int(f"{evaluation}.min-test-rows"),
            candidates=config.get_int(f"{evaluation}.candidates"),
            hyperparam_search=config.get_string(f"{evaluation}.hyperparam-search"),
            parallelism=config.get_int(f"{evaluation}.parallelism"),
            threshold=config.get_optional_float(f"{evaluation}.threshold"),
            refit=config.get_bool(f"{evaluation}.refit"),
        )
