"""The ALS "skeleton" PMML: the hyperparameters and ID lists of a model whose vectors travel separately.

The batch layer writes it; speed and serving read it on every ``MODEL`` to learn the feature count, whether
feedback is implicit, how strengths are transformed, and which user and item IDs the model will send as ``UP``
messages (so they can drop IDs the new model no longer has and report the fraction loaded). Oryx 2's extension
names are kept exactly (spec 4.1), so a model written by Oryx 2 loads here and the other way round.

Explicit models add ``minRating``/``maxRating`` (estimates are clipped to that range) and, when they carry
biases (``oryx_core.apps.als.layout``), ``biases`` = true and ``globalMean``; ``features`` is then the vector
length k + 2, so a reader that knows nothing of biases still checks vector lengths and computes the right
estimate as a plain dot product.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from oryx_core.apps.als.layout import VectorLayout
from oryx_core.ml.pmml import (
    PMMLError,
    add_extension,
    add_extension_content,
    get_extension,
    get_extension_content,
    pmml_skeleton,
)

__all__ = ["ALSModelDescription", "build_als_pmml", "read_als_pmml"]


@dataclass(frozen=True)
class ALSModelDescription:
    """What an ALS PMML says: hyperparameters, strength transformation, and the IDs of X (users) and Y (items)."""

    features: int
    implicit: bool
    lambda_: float = 0.001
    alpha: float | None = None
    log_strength: bool = False
    epsilon: float | None = None
    x_ids: tuple[str, ...] = field(default=(), repr=False)
    y_ids: tuple[str, ...] = field(default=(), repr=False)
    x_dir: str = "X/"
    y_dir: str = "Y/"
    biased: bool = False
    global_mean: float | None = None
    rating_range: tuple[float, float] | None = None

    @property
    def layout(self) -> VectorLayout:
        """Where the vectors keep their factors and biases; explicit estimates clip to ``rating_range``."""
        return VectorLayout(
            self.features,
            biased=self.biased,
            global_mean=self.global_mean if self.global_mean is not None else 0.0,
            rating_range=None if self.implicit else self.rating_range,
        )


def build_als_pmml(description: ALSModelDescription, timestamp_ms: int | None = None) -> ET.Element:
    """The skeleton PMML with Oryx 2's extensions, in Oryx 2's order."""
    root = pmml_skeleton(timestamp_ms)
    add_extension(root, "X", description.x_dir)
    add_extension(root, "Y", description.y_dir)
    add_extension(root, "features", description.features)
    add_extension(root, "lambda", description.lambda_)
    add_extension(root, "implicit", description.implicit)
    if description.implicit:
        add_extension(root, "alpha", 1.0 if description.alpha is None else description.alpha)
    add_extension(root, "logStrength", description.log_strength)
    if description.log_strength:
        add_extension(root, "epsilon", 1.0 if description.epsilon is None else description.epsilon)
    if description.rating_range is not None:
        add_extension(root, "minRating", description.rating_range[0])
        add_extension(root, "maxRating", description.rating_range[1])
    if description.biased:
        add_extension(root, "biases", True)
        add_extension(root, "globalMean", 0.0 if description.global_mean is None else description.global_mean)
    add_extension_content(root, "XIDs", description.x_ids)
    add_extension_content(root, "YIDs", description.y_ids)
    return root


def _required(root: ET.Element, name: str) -> str:
    value = get_extension(root, name)
    if value is None:
        raise PMMLError(f"the ALS model has no {name!r} extension")
    return value


def _float(root: ET.Element, name: str) -> float | None:
    value = get_extension(root, name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise PMMLError(f"the ALS model's {name!r} extension is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise PMMLError(f"the ALS model's {name!r} extension is not finite: {value!r}")
    return number


def _bool(root: ET.Element, name: str, default: bool) -> bool:
    value = get_extension(root, name)
    return default if value is None else value.strip().lower() == "true"


def read_als_pmml(root: ET.Element) -> ALSModelDescription:
    """The model description; PMMLError naming the extension that is missing or malformed."""
    features_text = _required(root, "features")
    try:
        features = int(features_text)
    except ValueError:
        raise PMMLError(f"the ALS model's 'features' extension is not an integer: {features_text!r}") from None
    if features <= 0:
        raise PMMLError(f"the ALS model's 'features' must be positive, got {features}")
    implicit = _bool(root, "implicit", default=True)
    log_strength = _bool(root, "logStrength", default=False)
    biased = _bool(root, "biases", default=False)
    if biased and features <= 2:
        raise PMMLError(f"the ALS model has biases, so 'features' (the vector length) must exceed 2, got {features}")
    min_rating, max_rating = _float(root, "minRating"), _float(root, "maxRating")
    rating_range = None
    if min_rating is not None and max_rating is not None:
        if min_rating > max_rating:
            raise PMMLError(f"the ALS model's minRating {min_rating} exceeds its maxRating {max_rating}")
        rating_range = (min_rating, max_rating)
    return ALSModelDescription(
        features=features,
        implicit=implicit,
        lambda_=_float(root, "lambda") or 0.0,
        alpha=_float(root, "alpha"),
        log_strength=log_strength,
        epsilon=_float(root, "epsilon"),
        x_ids=tuple(get_extension_content(root, "XIDs")),
        y_ids=tuple(get_extension_content(root, "YIDs")),
        x_dir=get_extension(root, "X") or "X/",
        y_dir=get_extension(root, "Y") or "Y/",
        biased=biased,
        global_mean=_float(root, "globalMean"),
        rating_range=rating_range,
    )
