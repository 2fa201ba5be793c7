"""The random decision forest model state, shared by the speed manager and serving (Oryx 2's two RDF managers).

``MODEL`` / ``MODEL-REF`` replace the forest after a check against ``oryx.input-schema`` (same columns, kinds and
mining function); ``UP`` folds a speed-layer delta into one leaf, in serving. The speed layer ignores ``UP``,
its own included, so it always counts from the batch model and every update it sends is a delta (Oryx 2's
``RDFSpeedModelManager``). A malformed ``UP``, or one naming a node the forest lacks, raises, and the follower
logs and skips it.

Serving also answers bulk requests with the compiled forest (``oryx_core.apps.rdf.compiled``), which a leaf
update must keep in step: the state built with ``compiled=True`` maintains it; the speed layer has no use for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oryx_core.api.model_state import ModelState
from oryx_core.apps.rdf.compiled import CompiledForest
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_from_pmml
from oryx_core.apps.rdf.trees import Forest, Leaf
from oryx_core.apps.rdf.updates import LeafUpdate, apply_update, parse_update
from oryx_core.config import OryxConfig
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import read_pmml
from oryx_core.storage.model_refs import ModelDirectory
from oryx_core.topics.model_messages import model_dir_of


@dataclass(frozen=True, eq=False)
class ForestModel:
    """One batch forest with its encodings (and, for serving, its compiled twin). Leaves are replaced in place,
    one reference assignment each, so readers never need a lock; writers hold the state's lock."""

    forest: Forest
    encodings: Encodings
    compiled: CompiledForest | None = None

    def apply(self, updates: Sequence[LeafUpdate]) -> list[Leaf]:
        leaves = []
        for update in updates:
            leaf = apply_update(self.forest, update)
            if self.compiled is not None:
                self.compiled.update_leaf(update.tree, leaf)
            leaves.append(leaf)
        return leaves


class RDFState(ModelState[ForestModel]):
    app = "RDF"

    def __init__(
        self, schema: InputSchema, model_dir: ModelDirectory | None, *, apply_updates: bool, compiled: bool = False
    ) -> None:
        super().__init__(model_dir, apply_updates=apply_updates)
        self.schema = schema
        self.compiled = compiled

    @classmethod
    def from_config(cls, config: OryxConfig, *, apply_updates: bool, compiled: bool = False) -> RDFState:
        return cls(
            InputSchema.from_config(config), model_dir_of(config), apply_updates=apply_updates, compiled=compiled
        )

    def parse_model(self, text: str) -> ForestModel:
        forest, encodings = forest_from_pmml(read_pmml(text), self.schema)
        return ForestModel(forest, encodings, CompiledForest(forest) if self.compiled else None)

    def apply_update(self, model: ForestModel, message: str) -> ForestModel:
        model.apply([parse_update(message)])
        return model

    def describe(self, model: ForestModel) -> str:
        return f"{len(model.forest.trees)} tree(s)"
