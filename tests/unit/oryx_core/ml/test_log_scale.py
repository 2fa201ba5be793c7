"""oryx.ml.eval.log-scale-hyperparams: which ranges are searched on a log scale, and the ones that cannot be."""

from __future__ import annotations

import pytest

from oryx_core.config import ConfigError, load_config
from oryx_core.ml.hyperparams import ContinuousRange, DiscreteRange, Fixed, Unordered
from oryx_core.ml.log_scale import hyperparam_keys, log_scale_names, log_scaled

DEFAULT_NAMES = frozenset({"lambda", "alpha", "epsilon", "min-info-gain-nats", "bias-lambda"})


def test_the_default_list_names_the_scale_parameters() -> None:
    assert log_scale_names(load_config()) == DEFAULT_NAMES


def test_a_listed_continuous_range_becomes_logarithmic() -> None:
    scaled, refused = log_scaled({"lambda": ContinuousRange(0.01, 1.0)}, DEFAULT_NAMES)
    assert scaled == {"lambda": ContinuousRange(0.01, 1.0, log=True)}
    assert refused == []


def test_the_last_segment_of_a_dotted_name_is_matched_and_underscores_are_hyphens() -> None:
    params = {
        "oryx.rdf.hyperparams.min-info-gain-nats": ContinuousRange(1e-4, 0.1),
        "bias_lambda": ContinuousRange(1, 9),
    }
    scaled, _ = log_scaled(params, DEFAULT_NAMES)
    assert all(isinstance(v, ContinuousRange) and v.log for v in scaled.values())


def test_unlisted_names_integer_ranges_sets_and_fixed_values_stay_as_they_are() -> None:
    params = {
        "features": ContinuousRange(5.0, 50.0),
        "alpha": DiscreteRange(1, 40),
        "lambda": Unordered(["0.1", "1"]),
        "epsilon": Fixed(1e-5),
    }
    scaled, refused = log_scaled(params, DEFAULT_NAMES)
    assert scaled == params and refused == []


def test_removing_a_name_opts_its_range_out() -> None:
    names = log_scale_names(load_config(None, ['oryx.ml.eval.log-scale-hyperparams=["alpha"]']))
    scaled, _ = log_scaled({"lambda": ContinuousRange(0.01, 1.0), "alpha": ContinuousRange(1.0, 40.0)}, names)
    assert scaled == {"lambda": ContinuousRange(0.01, 1.0), "alpha": ContinuousRange(1.0, 40.0, log=True)}


@pytest.mark.parametrize("lo", [0.0, -0.5])
def test_a_range_reaching_zero_stays_linear_and_is_reported(lo: float) -> None:
    scaled, refused = log_scaled({"lambda": ContinuousRange(lo, 1.0)}, DEFAULT_NAMES)
    assert scaled == {"lambda": ContinuousRange(lo, 1.0)}
    assert refused == ["lambda"]


def test_the_key_holding_a_refused_range_is_found_for_the_warning() -> None:
    config = load_config(None, ["oryx.als.hyperparams.lambda=[0.0, 1.0]"])
    assert hyperparam_keys(config, "lambda", ContinuousRange(0.0, 1.0)) == ["oryx.als.hyperparams.lambda"]


def test_no_key_is_named_when_no_hyperparams_block_holds_the_range() -> None:
    assert hyperparam_keys(load_config(), "lambda", ContinuousRange(0.0, 1.0)) == []


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("oryx.ml.eval.log-scale-hyperparams=[1, 2]", "oryx.ml.eval.log-scale-hyperparams"),
        ('oryx.ml.eval.log-scale-hyperparams="lambda"', "oryx.ml.eval.log-scale-hyperparams"),
        ("oryx.ml.eval.min-test-rows=-1", "oryx.ml.eval.min-test-rows"),
        ("oryx.ml.eval.baseline-check=maybe", "oryx.ml.eval.baseline-check"),
        ("oryx.ml.eval.refit=sometimes", "oryx.ml.eval.refit"),
    ],
)
def test_invalid_ml_eval_settings_are_refused_naming_the_key(override: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, [override])
    assert info.value.key == key
