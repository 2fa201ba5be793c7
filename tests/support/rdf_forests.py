"""Random forests as PMML text, hostile input rows, and a plain recursive walk over the PMML: the RDF oracle.

The property tests hand a generated PMML document to the code under test (``forest_from_pmml``, ``Forest``,
``CompiledForest``, the serving endpoints) and compare every answer with :func:`oracle`, which reads the same XML
with nothing but ElementTree and the PMML 4.4 rules:

* a field is missing when its text is empty or (for a number) NaN; a categorical value not in the
  ``DataDictionary`` is invalid, and ``invalidValueTreatment="asMissing"`` makes it missing;
* a predicate on a missing field is UNKNOWN; children are tried in order and the first TRUE one is taken; with
  ``missingValueStrategy="defaultChild"`` an UNKNOWN predicate sends the walk to the node's ``defaultChild``, with
  ``none`` (the default) UNKNOWN counts as FALSE;
* two of Oryx 2's readings where PMML says nothing useful: a binary split's ``True`` child is tried last wherever
  it stands (in PMML's order a second child after a ``True`` one is unreachable), and a ``defaultChild``-strategy
  node that names no ``defaultChild`` sends an UNKNOWN to its ``True`` child;
* a classification leaf's probabilities are its ``ScoreDistribution`` record counts over their sum; the forest
  averages the trees' probabilities or scores with the ``Segment`` weights (``weighted*`` methods) or equally.

It shares no code with ``oryx_core.apps.rdf``.
"""

from __future__ import annotations

import functools
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from hypothesis import strategies as st

NUMERIC = ("n0", "n1")
CATEGORIES = {"c0": ("A", "B", "C", "D", "E"), "c1": ("p", "q", "r")}
CLASSES = ("X", "Y", "Z")
COLUMNS = ("id", "n0", "c0", "n1", "c1", "target")
PREDICTORS = ("n0", "c0", "n1", "c1")
MAX_DEPTH = 6


def schema_overrides(classification: bool) -> list[str]:
    categorical = ["c0", "c1", "target"] if classification else ["c0", "c1"]
    return [
        'oryx.input-schema.feature-names=["id", "n0", "c0", "n1", "c1", "target"]',
        'oryx.input-schema.id-features=["id"]',
        f"oryx.input-schema.categorical-features={categorical}".replace("'", '"'),
        "oryx.input-schema.target-feature=target",
    ]


# ---- generating forests ---------------------------------------------------------------------------------------

HOSTILE_NUMBERS = (-2.0, -1.0, -0.0, 0.0, 5e-324, -5e-324, 1e308, -1e308, 2.5)
thresholds = st.one_of(st.sampled_from(HOSTILE_NUMBERS), st.floats(allow_nan=False, allow_infinity=False))


@st.composite
def _split(draw: st.DrawFn) -> str:
    """The positive child's predicate: a numeric greaterThan / greaterOrEqual, or a categorical isIn / isNotIn."""
    if draw(st.booleans()):
        field = draw(st.sampled_from(NUMERIC))
        operator = draw(st.sampled_from(["greaterThan", "greaterOrEqual"]))
        return f'<SimplePredicate field="{field}" operator="{operator}" value="{draw(thresholds)!r}"/>'
    field = draw(st.sampled_from(sorted(CATEGORIES)))
    values = draw(st.lists(st.sampled_from(CATEGORIES[field]), min_size=1, unique=True))
    operator = draw(st.sampled_from(["isIn", "isNotIn"]))
    array = f'<Array n="{len(values)}" type="string">{" ".join(values)}</Array>'
    return f'<SimpleSetPredicate field="{field}" booleanOperator="{operator}">{array}</SimpleSetPredicate>'


@st.composite
def _leaf_content(draw: st.DrawFn, classification: bool) -> tuple[str, str]:
    """(attributes, children) of a leaf: class counts (not all 0) or a regression score."""
    if not classification:
        return f' score="{draw(st.floats(-1e6, 1e6))!r}"', ""
    counts = draw(st.lists(st.integers(0, 50), min_size=3, max_size=3))
    if not any(counts):  # a leaf that saw no example has no probabilities; give it one (no filter: it is cheaper)
        counts[draw(st.integers(0, 2))] = 1
    distributions = "".join(
        f'<ScoreDistribution value="{name}" recordCount="{n}"/>' for name, n in zip(CLASSES, counts, strict=True)
    )
    return f' score="{CLASSES[counts.index(max(counts))]}"', distributions


@st.composite
def _node(draw: st.DrawFn, node_id: str, predicate: str, depth: int, classification: bool) -> str:
    if depth >= MAX_DEPTH or (depth > 0 and draw(st.integers(0, 2)) == 0):
        attributes, content = draw(_leaf_content(classification))
        return f'<Node id="{node_id}" recordCount="1"{attributes}>{predicate}{content}</Node>'
    positive = draw(_node(node_id + "+", draw(_split()), depth + 1, classification))
    negative = draw(_node(node_id + "-", "<True/>", depth + 1, classification))
    children = positive + negative if draw(st.integers(0, 3)) else negative + positive  # Oryx 2 writes + first
    default = draw(st.sampled_from(["+", "-", None]))  # None: no defaultChild, as in Oryx 2's test models
    named = "" if default is None else f' defaultChild="{node_id}{default}"'
    return f'<Node id="{node_id}" recordCount="2"{named}>{predicate}{children}</Node>'


def _mining_schema() -> str:
    fields = ['<MiningField name="id" usageType="supplementary"/>']
    for name in PREDICTORS:
        treatment = ' invalidValueTreatment="asMissing"' if name in CATEGORIES else ""
        fields.append(f'<MiningField name="{name}" usageType="active"{treatment}/>')
    fields.append('<MiningField name="target" usageType="predicted"/>')
    return f"<MiningSchema>{''.join(fields)}</MiningSchema>"


@st.composite
def _tree_model(draw: st.DrawFn, classification: bool) -> str:
    function = "classification" if classification else "regression"
    strategy = draw(st.sampled_from(['missingValueStrategy="defaultChild"', 'missingValueStrategy="none"', ""]))
    root = draw(_node("r", "<True/>", 0, classification))
    return (
        f'<TreeModel functionName="{function}" splitCharacteristic="binarySplit" {strategy}>'
        f"{_mining_schema()}{root}</TreeModel>"
    )


def _data_dictionary(classification: bool) -> str:
    def categorical(name: str, values: tuple[str, ...]) -> str:
        listed = "".join(f'<Value value="{v}"/>' for v in values)
        return f'<DataField name="{name}" optype="categorical" dataType="string">{listed}</DataField>'

    fields = [categorical("id", ())]
    for name in PREDICTORS:
        if name in CATEGORIES:
            fields.append(categorical(name, CATEGORIES[name]))
        else:
            fields.append(f'<DataField name="{name}" optype="continuous" dataType="double"/>')
    if classification:
        fields.append(categorical("target", CLASSES))
    else:
        fields.append('<DataField name="target" optype="continuous" dataType="double"/>')
    return f"<DataDictionary>{''.join(fields)}</DataDictionary>"


weights = st.one_of(st.sampled_from([0.0, 1.0, 2.0, 0.5]), st.floats(1e-3, 1000.0))
"""Segment weights: zeros included, subnormals not (their products underflow differently in any two orders)."""


@st.composite
def forests(draw: st.DrawFn, classification: bool, max_trees: int = 4) -> str:
    """A PMML document: one TreeModel, or a MiningModel of up to ``max_trees`` weighted segments."""
    trees = draw(st.lists(_tree_model(classification), min_size=1, max_size=max_trees))
    if len(trees) == 1 and draw(st.booleans()):
        model = trees[0]
    else:
        methods = ["weightedAverage", "average"] + (["weightedMajorityVote", "majorityVote"] if classification else [])
        method = draw(st.sampled_from(methods))
        tree_weights = draw(st.lists(weights, min_size=len(trees), max_size=len(trees)))
        if not sum(tree_weights):  # PMML forbids nothing here, but a forest of weight 0 has no answer
            tree_weights[0] = 1.0
        segments = "".join(
            f'<Segment id="{i}" weight="{w!r}"><True/>{tree}</Segment>'
            for i, (w, tree) in enumerate(zip(tree_weights, trees, strict=True))
        )
        function = "classification" if classification else "regression"
        model = (
            f'<MiningModel functionName="{function}">{_mining_schema()}'
            f'<Segmentation multipleModelMethod="{method}">{segments}</Segmentation></MiningModel>'
        )
    return (
        '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>'
        f"{_data_dictionary(classification)}{model}</PMML>"
    )


# ---- generating rows ------------------------------------------------------------------------------------------

HOSTILE_TEXTS = ("", "-2", "-1e308", "1e308", "-0.0", "5e-324", "NaN", "nan", "Infinity", "-inf", "1e999", "0")
numeric_texts = st.one_of(st.sampled_from(HOSTILE_TEXTS), st.floats().map(repr), st.integers(-10, 10).map(str))


def _category_texts(column: str) -> st.SearchStrategy[str]:
    return st.sampled_from((*CATEGORIES[column], "", "unseen", CATEGORIES[column][0].swapcase()))


rows = st.tuples(numeric_texts, _category_texts("c0"), numeric_texts, _category_texts("c1")).map(
    lambda v: f"7,{v[0]},{v[1]},{v[2]},{v[3]},"
)
"""CSV lines with every column (the target empty): hostile numbers, unseen and missing categories."""

malformed_rows = st.sampled_from(["7,1,A,2,p", "7,1,A,2,p,,", "7,x,A,2,p,", "7,1,A,0x10,p,", "7,--1,A,2,p,", "7"])
"""Lines a client got wrong: a wrong column count or a number that is not one."""


# ---- the oracle -----------------------------------------------------------------------------------------------


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if _local(c.tag) == name]


def _prepared(document: ET.Element, line: str) -> dict[str, float | str | None]:
    """The row's predictor values as PMML sees them: None when missing (empty, NaN, or an invalid category)."""
    texts = dict(zip(COLUMNS, line.split(","), strict=True))
    (dictionary,) = _children(document, "DataDictionary")
    valid = {f.get("name"): {v.get("value") for v in _children(f, "Value")} for f in _children(dictionary, "DataField")}
    row: dict[str, float | str | None] = {}
    for name in PREDICTORS:
        text = texts[name]
        if name in CATEGORIES:
            row[name] = text if text in valid[name] else None  # asMissing
        else:
            number = float(text) if text else math.nan
            row[name] = None if math.isnan(number) else number
    return row


def _truth(predicate: ET.Element, row: dict[str, float | str | None]) -> bool | None:
    kind = _local(predicate.tag)
    if kind in ("True", "False"):
        return kind == "True"
    value = row[predicate.get("field", "")]
    if value is None:
        return None
    if kind == "SimplePredicate":
        threshold = float(predicate.get("value", "nan"))
        operator = predicate.get("operator")
        assert operator in ("greaterThan", "greaterOrEqual")
        return float(value) > threshold if operator == "greaterThan" else float(value) >= threshold
    (array,) = _children(predicate, "Array")
    listed = (array.text or "").split()
    return (value in listed) == (predicate.get("booleanOperator") == "isIn")


def _leaf(node: ET.Element, row: dict[str, float | str | None], strategy: str) -> ET.Element:
    """The leaf reached from ``node``, recursively: the first child whose predicate is TRUE, by PMML's rules."""

    def predicate(child: ET.Element) -> ET.Element:
        return next(c for c in child if _local(c.tag) not in ("Extension", "Node"))

    children = sorted(_children(node, "Node"), key=lambda child: _local(predicate(child).tag) == "True")
    if not children:
        return node
    for child in children:
        truth = _truth(predicate(child), row)
        if truth is None and strategy == "defaultChild":
            named = node.get("defaultChild")
            (default,) = [c for c in children if c.get("id") == named or (named is None and c is children[-1])]
            return _leaf(default, row, strategy)
        if truth:
            return _leaf(child, row, strategy)
    raise AssertionError(f"no child of node {node.get('id')} is true")


@dataclass(frozen=True)
class Expected:
    """The oracle's answer for one row, and which of its predictors were missing or unseen."""

    probabilities: tuple[float, ...] | None
    value: float | None
    missing: bool
    unseen: bool
    scale: float = 1.0
    """The weighted mean of the leaves' absolute values: summing them in another order errs by a few ulps of it."""

    def accepts_value(self, actual: float) -> bool:
        assert self.value is not None
        return math.isclose(actual, self.value, rel_tol=1e-12, abs_tol=1e-12 * self.scale)

    def accepts_class(self, index: int) -> bool:
        """Whether a predicted class is the most probable one (within rounding of a near tie)."""
        assert self.probabilities is not None
        return self.probabilities[index] >= max(self.probabilities) - 1e-12

    def first_best(self) -> int:
        assert self.probabilities is not None
        return self.probabilities.index(max(self.probabilities))


@functools.lru_cache(maxsize=4)
def _parsed(pmml_text: str) -> ET.Element:
    return ET.fromstring(pmml_text)


def oracle(pmml_text: str, line: str) -> Expected:
    document = _parsed(pmml_text)
    row = _prepared(document, line)
    texts = dict(zip(COLUMNS, line.split(","), strict=True))
    unseen = any(texts[c] and texts[c] not in CATEGORIES[c] for c in CATEGORIES)
    missing = any(row[c] is None and not (c in CATEGORIES and texts[c]) for c in PREDICTORS)
    (model,) = [c for c in document if _local(c.tag) in ("TreeModel", "MiningModel")]
    if _local(model.tag) == "TreeModel":
        weighted = [(1.0, model)]
    else:
        (segmentation,) = _children(model, "Segmentation")
        honoured = segmentation.get("multipleModelMethod", "").startswith("weighted")
        weighted = [
            (float(s.get("weight", "1")) if honoured else 1.0, _children(s, "TreeModel")[0])
            for s in _children(segmentation, "Segment")
        ]
    total_weight = math.fsum(w for w, _ in weighted)
    leaves = [(w, _leaf(_children(t, "Node")[0], row, t.get("missingValueStrategy", "none"))) for w, t in weighted]
    if model.get("functionName") == "regression":
        scores = [(w, float(leaf.get("score", "nan"))) for w, leaf in leaves]
        value = math.fsum(w * v for w, v in scores) / total_weight
        scale = math.fsum(w * abs(v) for w, v in scores) / total_weight
        return Expected(None, value, missing, unseen, scale)
    mixed = [0.0] * len(CLASSES)
    for w, leaf in leaves:
        counts = {d.get("value"): float(d.get("recordCount", "0")) for d in _children(leaf, "ScoreDistribution")}
        total = math.fsum(counts.values())
        for i, name in enumerate(CLASSES):
            mixed[i] += w * counts.get(name, 0.0) / total
    return Expected(tuple(p / total_weight for p in mixed), None, missing, unseen)


def all_close(actual: list[float], expected: tuple[float, ...]) -> bool:
    """Probabilities equal up to the rounding of summing a few weighted terms in another order."""
    return len(actual) == len(expected) and all(
        math.isclose(a, e, rel_tol=1e-12, abs_tol=1e-12) for a, e in zip(actual, expected, strict=True)
    )
