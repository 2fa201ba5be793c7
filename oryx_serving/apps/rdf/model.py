"""The RDF serving model: the forest, its categorical encodings and its feature importances.

Queries never block. One example is routed through the object forest (fastest for one); a bulk request through
the compiled forest (``oryx_core.apps.rdf.compiled``: numpy arrays, all examples at once); both sum the trees in
the same order, so they answer identically. A row's missing values and unseen categories take the trees'
missing-value path (``Encodings.prediction_features``); only a malformed row is an error. ``UP`` messages are
applied by the shared state (``oryx_core.apps.rdf.state``): each replaces the leaf in the object forest (one
reference assignment) and swaps in a copy of the compiled leaf outputs (copy-on-write), so readers take no lock.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from oryx_core.apps.rdf.compiled import CompiledForest
from oryx_core.apps.rdf.encoding import PredictionFeatures
from oryx_core.apps.rdf.state import ForestModel
from oryx_core.input.lines import BadLineError, parse_line


class RDFServingModel:
    """The endpoints' view of one forest of the shared RDF state (built with its compiled twin)."""

    def __init__(self, model: ForestModel) -> None:
        self.forest = model.forest
        self.encodings = model.encodings
        self.compiled = model.compiled if model.compiled is not None else CompiledForest(model.forest)

    def get_fraction_loaded(self) -> float:
        """A forest arrives whole in one MODEL."""
        return 1.0

    @property
    def is_classification(self) -> bool:
        return self.forest.is_classification

    def example(self, line: str) -> PredictionFeatures:
        """One input line (the target may be empty) as features to predict with; ValueError if malformed."""
        if not line.strip():
            raise ValueError("empty datum")
        try:
            fields = parse_line(line)
        except BadLineError as e:
            raise ValueError(str(e)) from None
        return self.encodings.prediction_features(fields)

    def predict(self, example: PredictionFeatures) -> str | float:
        """The most probable class name, or the predicted value (a float)."""
        if self.forest.classes is not None:
            return self.forest.classes[self.forest.predict_class_index(example.vector)]
        return self.forest.predict_value(example.vector)

    def predict_many(self, examples: Sequence[PredictionFeatures]) -> list[str]:
        """Predictions of many examples at once (vectorised): class names, or values as decimal strings."""
        if not examples:
            return []
        return self.compiled.predict(np.array([e.vector for e in examples], dtype=np.float64))

    def distribution(self, example: PredictionFeatures) -> list[tuple[str, float]]:
        """Every class with its probability, in encoding order (classification only)."""
        classes = self.forest.classes
        if classes is None:
            raise ValueError("Only applicable for classification")
        probabilities = self.forest.distribution(example.vector)
        return [(name, float(p)) for name, p in zip(classes, probabilities, strict=True)]

    def importances(self) -> list[float]:
        """One importance per schema column, in schema order; columns that are not predictors have 0."""
        by_name = dict(zip(self.encodings.schema.predictors, self.forest.importances, strict=False))
        return [float(by_name.get(name, 0.0)) for name in self.encodings.schema.names]
