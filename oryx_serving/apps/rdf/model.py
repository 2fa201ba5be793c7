"""The RDF serving model: the forest, its categorical encodings and its feature importances.

Queries never block. One example is routed through the object forest (fastest for one); a bulk request through
the compiled forest (``oryx_core.apps.rdf.compiled``: numpy arrays, all examples at once); both sum the trees in
the same order, so they answer identically. A row's missing values and unseen categories take the trees'
missing-value path (``Encodings.prediction_features``); only a malformed row is an error. An ``UP`` replaces
the leaf in the object forest (immutable leaves, one reference assignment) and swaps in a copy of the compiled
leaf outputs with that row changed (copy-on-write), without a lock on the readers' side. Updates are
serialised among themselves by a lock, so two updates of one leaf cannot lose each other's counts.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from oryx_core.apps.rdf.compiled import CompiledForest
from oryx_core.apps.rdf.encoding import Encodings, PredictionFeatures
from oryx_core.apps.rdf.trees import Forest, Leaf
from oryx_core.apps.rdf.updates import LeafUpdate, apply_update
from oryx_core.input.lines import BadLineError, parse_line


class RDFServingModel:
    def __init__(self, forest: Forest, encodings: Encodings) -> None:
        self.forest = forest
        self.encodings = encodings
        self.compiled = CompiledForest(forest)
        self._update_lock = threading.Lock()

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

    def apply(self, updates: Sequence[LeafUpdate]) -> list[Leaf]:
        with self._update_lock:
            leaves = []
            for update in updates:
                leaf = apply_update(self.forest, update)
                self.compiled.update_leaf(update.tree, leaf)
                leaves.append(leaf)
            return leaves
