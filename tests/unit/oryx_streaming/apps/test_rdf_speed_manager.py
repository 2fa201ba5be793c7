"""The RDF speed manager without Spark: model loading, ignoring UP, and the per-leaf deltas it computes."""

from __future__ import annotations

from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_to_pmml
from oryx_core.apps.rdf.trees import ClassificationLeaf, Decision, Forest, NumericSplit
from oryx_core.apps.rdf.updates import ClassCountsUpdate, MeanUpdate, updates_for_examples
from oryx_core.config import load_config
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import write_pmml
from oryx_streaming.apps.rdf import RDFSpeedModelManager, examples_of, merge_partials

SCHEMA = [
    'oryx.input-schema.feature-names=["x", "label"]',
    'oryx.input-schema.categorical-features=["label"]',
    "oryx.input-schema.target-feature=label",
]


def encodings() -> Encodings:
    return Encodings(InputSchema.from_config(load_config(None, SCHEMA)), {"label": ["no", "yes"]})


def forest() -> Forest:
    tree = Decision(
        "r", NumericSplit(0, 5.0), ClassificationLeaf("r+", (1.0, 9.0)), ClassificationLeaf("r-", (8.0, 2.0)), True, 20
    )
    return Forest([tree], ["no", "yes"], [1.0])


def manager_with_model() -> RDFSpeedModelManager:
    manager = RDFSpeedModelManager(load_config(None, SCHEMA))
    manager.consume_key_message("MODEL", write_pmml(forest_to_pmml(forest(), encodings(), {}, 0)))
    return manager


def test_model_message_loads_the_forest() -> None:
    manager = manager_with_model()
    model = manager.model()
    assert model is not None and model.classes == ("no", "yes") and manager.fraction_loaded() == 1.0


def test_up_messages_leave_the_model_unchanged() -> None:
    manager = manager_with_model()
    manager.consume_key_message("UP", '[0,"r+",{"0":100}]')
    model = manager.model()
    assert model is not None and model.node(0, "r+") == ClassificationLeaf("r+", (1.0, 9.0))


def test_unusable_lines_are_counted_not_fatal() -> None:
    examples, bad = examples_of(["7,yes", "1,maybe", "x,no", "1", None, "2,"], encodings())
    assert (examples, bad) == ([([7.0], 1.0)], 5)


def test_class_counts_per_leaf_from_new_examples() -> None:
    examples, _ = examples_of(["7,yes", "8,yes", "9,no", "1,no"], encodings())
    assert updates_for_examples(forest(), examples) == [
        ClassCountsUpdate(0, "r+", {1: 2, 0: 1}),
        ClassCountsUpdate(0, "r-", {0: 1}),
    ]


def test_partition_partials_merge_into_one_update_per_leaf() -> None:
    rows = [(0, "r+", 1, 2.0, 2), (0, "r+", 1, 1.0, 1), (0, "r-", 0, 1.0, 1), (-1, "", 0, 0.0, 3)]
    assert merge_partials(rows, classification=True) == (
        [ClassCountsUpdate(0, "r+", {1: 3}), ClassCountsUpdate(0, "r-", {0: 1})],
        3,
    )


def test_regression_partials_merge_into_mean_and_count() -> None:
    rows = [(0, "r", -1, 30.0, 2), (0, "r", -1, 60.0, 1)]
    assert merge_partials(rows, classification=False) == ([MeanUpdate(0, "r", 30.0, 3)], 0)
