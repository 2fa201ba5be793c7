"""The forest's PMML: a ``TreeModel`` for one tree, else a ``MiningModel`` with one ``Segment`` per tree.

Layout (spec 4.3), with two deliberate differences from Oryx 2:

* Every ``TreeModel`` uses ``splitCharacteristic="binarySplit"`` and ``missingValueStrategy="defaultChild"``.
  Nodes carry ``recordCount`` and inner nodes ``defaultChild`` (the child with more training examples). The
  positive child ``<id>+`` comes first with the split predicate (``SimplePredicate greaterThan`` or
  ``SimpleSetPredicate isNotIn``); the negative ``<id>-`` follows with ``True``.
* Classification leaves have ``score`` (the most probable class) and one ``ScoreDistribution`` per class in
  encoding order, with the leaf's real class counts as ``recordCount`` and their shares as ``confidence`` and
  ``probability`` (Oryx 2 only knew the top class's probability and spread the rest evenly).
* Regression leaves have the exact leaf mean as ``score`` (Oryx 2 truncated it to an integer).
* The forest's ``Segmentation`` is ``weightedAverage`` for both kinds: for classification PMML then averages the
  trees' probability distributions, which is exactly what the serving layer does. Oryx 2 wrote
  ``weightedMajorityVote`` while serving averaged probabilities, so an independent evaluator could disagree with
  it; the reader accepts both. Each ``Segment``'s ``weight`` is the tree's weight (read back; ``weightedAverage``
  and ``weightedMajorityVote`` weigh the trees' probabilities or values by it, as Oryx 2's
  ``WeightedPrediction`` does; ``average`` and ``majorityVote`` weigh every tree 1).
* Categorical predictors' ``MiningField``s say ``invalidValueTreatment="asMissing"``: a category the model never
  saw is a missing value and takes the ``defaultChild`` path, which is what the serving layer does, so an
  independent evaluator agrees on such rows too (PMML's default, ``returnInvalid``, would fail them).

Reading also accepts what Oryx 2's ``RDFPMMLUtils`` reads, so Oryx 2's own models load:

* ``missingValueStrategy="none"`` (PMML's default): a missing value makes the positive child's predicate false,
  so it goes to the negative child (``True``). A ``defaultChild`` strategy whose node names no ``defaultChild``
  sends missing values to the negative child too (Oryx 2's test models have such roots); one naming a node that
  is not a child is refused.
* Either child order: the child whose predicate is ``True`` is the negative branch, first or second. (Strict
  PMML order would make a second child unreachable after a ``True`` one; Oryx 2 reads the pair as a split.)
* ``SimplePredicate`` ``greaterOrEqual`` besides ``greaterThan``: ``x >= t`` is kept as ``x > t'`` with ``t'``
  the double just below ``t``, which is the same comparison for every double ``x`` (Oryx 2 turned ``>`` into
  ``>=`` the other way round).

Strategies that need scores on inner nodes or a mix of branches (``lastPrediction``, ``nullPrediction``,
``weightedConfidence``, ``aggregateNodes``) are refused with a message, so a model is never served under rules it
does not follow.

``Extension``s ``maxDepth``, ``maxSplitCandidates`` and ``impurity`` record the hyperparameters, and the
``MiningSchema`` of the top model carries each predictor's ``importance``.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.trees import (
    ROOT_ID,
    CategoricalSplit,
    ClassificationLeaf,
    Decision,
    Forest,
    Node,
    NumericSplit,
    RegressionLeaf,
    child_id,
)
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import (
    PMMLError,
    add_array,
    add_child,
    add_extension,
    array_values,
    find_child,
    find_children,
    get_extension,
    local_name,
    pmml_skeleton,
)
from oryx_core.ml.pmml_schema import add_data_dictionary, add_mining_schema, categorical_values, check_data_dictionary

__all__ = ["forest_from_pmml", "forest_to_pmml", "hyperparams_of"]

_CLASSIFICATION = "classification"
_REGRESSION = "regression"
_WEIGHTED_METHODS = frozenset({"weightedAverage", "weightedMajorityVote"})
_SEGMENTATION_METHODS = _WEIGHTED_METHODS | {"average", "majorityVote"}
_DEFAULT_CHILD = "defaultChild"
_NONE = "none"
_MISSING_VALUE_STRATEGIES = (_DEFAULT_CHILD, _NONE)


def _number(value: float) -> str:
    """The shortest text that reads back as the same double (in Python and in Java)."""
    as_int = int(value)
    return str(as_int) if value == as_int and abs(value) < 2**53 else repr(float(value))


# ---- writing --------------------------------------------------------------------------------------------


def forest_to_pmml(
    forest: Forest,
    encodings: Encodings,
    hyperparams: Mapping[str, Any],
    timestamp_ms: int | None = None,
) -> ET.Element:
    """The PMML document of ``forest``; ``hyperparams`` become extensions (``maxDepth``, ``impurity``...)."""
    schema = encodings.schema
    root = pmml_skeleton(timestamp_ms)
    add_data_dictionary(root, schema, encodings.values)
    function = _CLASSIFICATION if forest.is_classification else _REGRESSION
    importances = dict(zip(schema.predictors, forest.importances, strict=False)) if forest.importances else None
    if len(forest.trees) == 1:
        _add_tree_model(root, forest, 0, encodings, importances)
    else:
        mining = add_child(root, "MiningModel", {"functionName": function})
        _add_mining_schema(mining, schema, importances)
        segmentation = add_child(mining, "Segmentation", {"multipleModelMethod": "weightedAverage"})
        for index, weight in enumerate(forest.weights):
            segment = add_child(segmentation, "Segment", {"id": index, "weight": float(weight)})
            add_child(segment, "True")
            _add_tree_model(segment, forest, index, encodings, None)
    for name, value in hyperparams.items():
        add_extension(root, name, value)
    return root


def _add_mining_schema(model: ET.Element, schema: InputSchema, importances: Mapping[str, float] | None) -> None:
    mining = add_mining_schema(model, schema, importances)
    categorical = set(schema.categorical_predictors)
    for field in find_children(mining, "MiningField"):
        if field.get("name") in categorical:
            field.set("invalidValueTreatment", "asMissing")


def _add_tree_model(
    parent: ET.Element, forest: Forest, index: int, encodings: Encodings, importances: Mapping[str, float] | None
) -> None:
    function = _CLASSIFICATION if forest.is_classification else _REGRESSION
    model = add_child(
        parent,
        "TreeModel",
        {"functionName": function, "splitCharacteristic": "binarySplit", "missingValueStrategy": _DEFAULT_CHILD},
    )
    _add_mining_schema(model, encodings.schema, importances)
    _add_node(model, forest.trees[index], encodings, forest.classes, None)


def _add_predicate(element: ET.Element, split: NumericSplit | CategoricalSplit | None, encodings: Encodings) -> None:
    if split is None:
        add_child(element, "True")
        return
    column = encodings.schema.predictors[split.feature]
    if isinstance(split, NumericSplit):
        add_child(
            element, "SimplePredicate", {"field": column, "operator": "greaterThan", "value": _number(split.threshold)}
        )
        return
    predicate = add_child(element, "SimpleSetPredicate", {"field": column, "booleanOperator": "isNotIn"})
    add_array(predicate, [encodings.decode(column, code) for code in sorted(split.negative_values)])


def _add_node(
    parent: ET.Element,
    node: Node,
    encodings: Encodings,
    classes: tuple[str, ...] | None,
    split: NumericSplit | CategoricalSplit | None,
) -> None:
    """``split`` is the parent's split when ``node`` is its positive child (None: the predicate is True)."""
    attributes: dict[str, Any] = {"id": node.id}
    if isinstance(node, RegressionLeaf):
        attributes["score"] = _number(node.value)
    elif isinstance(node, ClassificationLeaf):
        assert classes is not None
        attributes["score"] = classes[int(node.probabilities().argmax())]
    attributes["recordCount"] = _number(node.record_count)
    if isinstance(node, Decision):
        attributes["defaultChild"] = child_id(node.id, node.default_positive)
    element = add_child(parent, "Node", attributes)
    _add_predicate(element, split, encodings)
    if isinstance(node, ClassificationLeaf):
        assert classes is not None
        for name, count, probability in zip(classes, node.counts, node.probabilities(), strict=True):
            add_child(
                element,
                "ScoreDistribution",
                {
                    "value": name,
                    "recordCount": _number(count),
                    "confidence": _number(probability),
                    "probability": _number(probability),
                },
            )
    elif isinstance(node, Decision):
        _add_node(element, node.positive, encodings, classes, node.split)
        _add_node(element, node.negative, encodings, classes, None)


# ---- reading --------------------------------------------------------------------------------------------


def _model_element(root: ET.Element) -> ET.Element:
    for element in root:
        if isinstance(element.tag, str) and local_name(element.tag) in ("MiningModel", "TreeModel"):
            return element
    raise PMMLError("the PMML holds neither a MiningModel nor a TreeModel")


def _segment_weight(segment: ET.Element) -> float:
    text = segment.get("weight", "1")
    try:
        return float(text)
    except ValueError:
        raise PMMLError(f"segment {segment.get('id')!r} has weight {text!r}, which is not a number") from None


def _tree_models(model: ET.Element) -> tuple[list[ET.Element], list[float]]:
    """The TreeModels and the weight of each (1 for a lone TreeModel or an unweighted method)."""
    if local_name(model.tag) == "TreeModel":
        return [model], [1.0]
    segmentation = find_child(model, "Segmentation")
    if segmentation is None:
        raise PMMLError("the MiningModel has no Segmentation")
    method = segmentation.get("multipleModelMethod")
    if method not in _SEGMENTATION_METHODS:
        raise PMMLError(f"unsupported multipleModelMethod {method!r}; expected one of {sorted(_SEGMENTATION_METHODS)}")
    trees, weights = [], []
    for segment in find_children(segmentation, "Segment"):
        if _predicate_of(segment) != "True":
            raise PMMLError(f"segment {segment.get('id')!r} applies only to some rows; a forest's segments are True")
        tree = find_child(segment, "TreeModel")
        if tree is None:
            raise PMMLError(f"segment {segment.get('id')!r} holds no TreeModel")
        trees.append(tree)
        weights.append(_segment_weight(segment) if method in _WEIGHTED_METHODS else 1.0)
    if not trees:
        raise PMMLError("the MiningModel has no segments")
    return trees, weights


def _predicate(element: ET.Element) -> ET.Element | None:
    """The predicate of a Node or Segment: its first child element that is not an Extension (or a Node)."""
    return next((c for c in element if isinstance(c.tag, str) and local_name(c.tag) not in ("Extension", "Node")), None)


def _predicate_of(element: ET.Element) -> str | None:
    predicate = _predicate(element)
    return None if predicate is None else local_name(predicate.tag)


def _missing_value_strategy(tree_model: ET.Element) -> str:
    strategy = tree_model.get("missingValueStrategy", _NONE)
    if strategy not in _MISSING_VALUE_STRATEGIES:
        raise PMMLError(
            f"unsupported missingValueStrategy {strategy!r}; the serving layer follows one of "
            f"{list(_MISSING_VALUE_STRATEGIES)}"
        )
    return strategy


def _importances(model: ET.Element, schema: InputSchema) -> list[float]:
    mining = find_child(model, "MiningSchema")
    given = {}
    if mining is not None:
        for field in find_children(mining, "MiningField"):
            if field.get("importance") is not None:
                given[field.get("name", "")] = float(field.get("importance", "0"))
    return [given.get(name, 0.0) for name in schema.predictors]


class _NodeReader:
    def __init__(self, encodings: Encodings, classes: list[str] | None, missing_value_strategy: str) -> None:
        self.encodings = encodings
        self.classes = classes
        self.strategy = missing_value_strategy
        self.predictor_index = {name: i for i, name in enumerate(encodings.schema.predictors)}

    def split_of(self, predicate: ET.Element) -> NumericSplit | CategoricalSplit:
        column = predicate.get("field", "")
        if column not in self.predictor_index:
            raise PMMLError(f"a split names {column!r}, which is not a predictor of oryx.input-schema")
        feature = self.predictor_index[column]
        kind = local_name(predicate.tag)
        if kind == "SimplePredicate" and predicate.get("operator") in ("greaterThan", "greaterOrEqual"):
            return self.numeric_split(predicate, feature, column)
        operator = predicate.get("booleanOperator")
        if kind == "SimpleSetPredicate" and operator in ("isNotIn", "isIn"):
            array = find_child(predicate, "Array")
            values = array_values(array) if array is not None else []
            try:
                listed = frozenset(self.encodings.encode(column, v) for v in values)
            except ValueError as e:
                raise PMMLError(f"a split on {column!r} lists a value the DataDictionary does not: {e}") from None
            if operator == "isIn":  # positive for the listed values: every other known value goes negative
                listed = frozenset(range(len(self.encodings.values.get(column, ())))) - listed
            return CategoricalSplit(feature, listed)
        raise PMMLError(f"unsupported split predicate <{kind}> on {column!r}")

    @staticmethod
    def numeric_split(predicate: ET.Element, feature: int, column: str) -> NumericSplit:
        """``greaterThan t`` as it is; ``greaterOrEqual t`` as ``greaterThan`` the next double below ``t``."""
        text = predicate.get("value", "nan")
        try:
            threshold = float(text)
        except ValueError:
            raise PMMLError(f"a split on {column!r} has threshold {text!r}, which is not a number") from None
        if predicate.get("operator") == "greaterThan":
            return NumericSplit(feature, threshold)
        if threshold == -math.inf:
            raise PMMLError(f"a split on {column!r} is greaterOrEqual -Infinity, which no value fails; unsupported")
        return NumericSplit(feature, math.nextafter(threshold, -math.inf))

    def default_positive(self, element: ET.Element, positive: ET.Element, negative: ET.Element, node_id: str) -> bool:
        """Which child a missing value takes: ``defaultChild`` names it; with strategy none, or (as Oryx 2 reads
        it) when the node names none, the True child."""
        default = element.get("defaultChild")
        if self.strategy == _NONE or default is None:
            return False
        ids = (positive.get("id", child_id(node_id, True)), negative.get("id", child_id(node_id, False)))
        if default not in ids:
            raise PMMLError(
                f"node {node_id!r}: missingValueStrategy defaultChild needs defaultChild naming one of its "
                f"children {list(ids)}, got {default!r}"
            )
        return default == ids[0]

    def read(self, element: ET.Element, node_id: str) -> Node:
        children = find_children(element, "Node")
        record_count = float(element.get("recordCount", "0"))
        if not children:
            return self.leaf(element, node_id, record_count)
        if len(children) != 2:
            raise PMMLError(f"node {node_id!r} has {len(children)} children; binary splits have 2")
        positive, negative = children
        if _predicate_of(negative) != "True" and _predicate_of(positive) == "True":  # the True child first
            positive, negative = negative, positive
        if _predicate_of(negative) != "True":
            raise PMMLError(f"node {node_id!r}: one child of a binary split must be True")
        predicate = _predicate(positive)
        if predicate is None:
            raise PMMLError(f"node {child_id(node_id, True)!r} has no predicate")
        return Decision(
            node_id,
            self.split_of(predicate),
            self.read(positive, child_id(node_id, True)),
            self.read(negative, child_id(node_id, False)),
            self.default_positive(element, positive, negative, node_id),
            record_count,
        )

    def leaf(self, element: ET.Element, node_id: str, record_count: float) -> Node:
        if self.classes is None:
            return RegressionLeaf(node_id, float(element.get("score", "nan")), record_count)
        counts = [0.0] * len(self.classes)
        index = {name: i for i, name in enumerate(self.classes)}
        for distribution in find_children(element, "ScoreDistribution"):
            name = distribution.get("value", "")
            if name not in index:
                raise PMMLError(f"leaf {node_id!r} scores class {name!r}, which the DataDictionary does not list")
            counts[index[name]] = float(distribution.get("recordCount", "0"))
        return ClassificationLeaf(node_id, tuple(counts))


def forest_from_pmml(root: ET.Element, schema: InputSchema) -> tuple[Forest, Encodings]:
    """The forest and encodings of a PMML document; PMMLError when it does not fit ``schema``."""
    check_data_dictionary(root, schema)
    model = _model_element(root)
    function = model.get("functionName")
    expected = _CLASSIFICATION if schema.is_classification else _REGRESSION
    if function != expected:
        raise PMMLError(f"the model's functionName is {function!r}, but oryx.input-schema's target needs {expected!r}")
    encodings = Encodings(schema, categorical_values(root))
    classes = encodings.classes
    if classes is not None and not classes:
        raise PMMLError(f"the DataDictionary lists no values of the target {schema.target!r}")
    tree_models, weights = _tree_models(model)
    trees = []
    for tree_model in tree_models:
        node = find_child(tree_model, "Node")
        if node is None:
            raise PMMLError("a TreeModel has no root Node")
        reader = _NodeReader(encodings, classes, _missing_value_strategy(tree_model))
        trees.append(reader.read(node, ROOT_ID))
    try:
        return Forest(trees, classes, _importances(model, schema), weights), encodings
    except ValueError as e:
        raise PMMLError(f"the segments' {e}") from None


def hyperparams_of(root: ET.Element) -> dict[str, str]:
    """The recorded ``maxDepth``, ``maxSplitCandidates`` and ``impurity`` extensions (those present)."""
    names = ("maxDepth", "maxSplitCandidates", "impurity", "minNodeSize", "minInfoGainNats")
    return {name: value for name in names if (value := get_extension(root, name)) is not None}
