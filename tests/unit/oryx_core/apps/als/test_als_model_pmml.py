"""The ALS skeleton PMML round-trips through text with Oryx 2's extension names."""

import pytest

from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml, read_als_pmml
from oryx_core.ml.pmml import PMMLError, get_extension, read_pmml, write_pmml


def test_round_trip_keeps_every_field_including_quoted_ids() -> None:
    description = ALSModelDescription(
        features=3,
        implicit=True,
        lambda_=0.01,
        alpha=40.0,
        log_strength=True,
        epsilon=0.5,
        x_ids=("u1", "user two"),
        y_ids=("i1", 'i"2'),
    )
    root = read_pmml(write_pmml(build_als_pmml(description, 0)))
    assert read_als_pmml(root) == description
    assert get_extension(root, "X") == "X/"
    assert get_extension(root, "implicit") == "true"


def test_explicit_model_has_no_alpha_and_no_epsilon() -> None:
    root = read_pmml(write_pmml(build_als_pmml(ALSModelDescription(features=2, implicit=False), 0)))
    assert get_extension(root, "alpha") is None
    assert get_extension(root, "epsilon") is None
    assert read_als_pmml(root).implicit is False


def test_missing_or_bad_features_is_named() -> None:
    root = build_als_pmml(ALSModelDescription(features=2, implicit=False), 0)
    for extension in root.iter():
        if extension.get("name") == "features":
            extension.set("value", "two")
    with pytest.raises(PMMLError, match="'features'"):
        read_als_pmml(root)
