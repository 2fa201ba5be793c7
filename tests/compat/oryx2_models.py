"""Oryx 2's fixed serving-test models, as the update-topic messages Oryx 2 would publish for them.

Oryx 2's resource tests build their models in memory (``TestALSModelFactory``, ``TestKMeansModelFactory``,
``TestRDFRegressionModelFactory``, ``TestRDFClassificationModelFactory``) and its model-manager ITs publish
``Mock*ModelGenerator`` messages. Here every model is the text Oryx 2 writes to the update topic: a ``MODEL``
message holding PMML laid out as its batch layer writes it (``PMMLUtils.buildSkeletonPMML``, ``AppPMMLUtils``,
``RDFUpdate.rdfModelToPMML``, ``KMeansUpdate``), then ``UP`` messages as ``TextUtils.joinJSON`` writes them,
floats in Java's ``Float.toString`` form. The texts are written out here rather than produced by our own
codecs, so the suite checks that we read what Oryx 2 writes, not that we read what we write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from oryx_core.apps.als.rescorer import RescorerProvider

# ---- PMML pieces, as jpmml-model serialises Oryx 2's documents ---------------------------------------------

_PMML_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<PMML xmlns="http://www.dmg.org/PMML-4_4" xmlns:data="http://jpmml.org/jpmml-model/InlineTable" version="4.4">\n'
    '    <Header>\n        <Application name="Oryx"/>\n        <Timestamp>2016-05-04T12:00:00+0000</Timestamp>\n'
    "    </Header>\n"
)
_PMML_CLOSE = "</PMML>\n"


def _extension(name: str, value: object) -> str:
    return f'    <Extension name="{name}" value="{value}"/>\n'


def _extension_content(name: str, values: Sequence[str]) -> str:
    return f'    <Extension name="{name}">{" ".join(values)}</Extension>\n'


def _join_json(*elements: object) -> str:
    """``TextUtils.joinJSON``: a compact JSON array; float texts (already Java's form) are inserted verbatim."""
    return (
        "["
        + ",".join(e.raw if isinstance(e, JavaFloats) else json.dumps(e, separators=(",", ":")) for e in elements)
        + "]"
    )


class JavaFloats:
    """A float[] as Jackson writes it: each value in Java's ``Float.toString`` form (``-3.5398357E-16``)."""

    def __init__(self, *texts: str) -> None:
        self.texts = texts
        self.raw = "[" + ",".join(texts) + "]"

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(float(text) for text in self.texts)


# ---- ALS: TestALSModelFactory.buildTestModel() ------------------------------------------------------------
# X, Y: the rank-2 SVD of A = X0·Y0ᵀ for two 0/1 matrices (see the Java source); features 2, implicit,
# sample rate 1.0, TestALSRescorerProvider; known items: the non-zero entries of A.

ALS_USER_VECTORS = {
    "U0": JavaFloats("-0.35837504", "0.60391283"),
    "U1": JavaFloats("-0.7757129", "0.4327127"),
    "U2": JavaFloats("-0.7757129", "-0.4327127"),
    "U3": JavaFloats("-0.35837504", "-0.60391283"),
    "U4": JavaFloats("-1.1340879", "1.0366255"),
    "U5": JavaFloats("-1.5514258", "-3.5398357E-16"),
    "U6": JavaFloats("-1.1340879", "-1.0366255"),
}
ALS_ITEM_VECTORS = {
    "I0": JavaFloats("-0.23176478", "0.504302"),
    "I1": JavaFloats("-0.53749436", "0.45167503"),
    "I2": JavaFloats("-0.53749436", "-0.45167503"),
    "I3": JavaFloats("-0.23176478", "-0.504302"),
    "I4": JavaFloats("-0.7692591", "0.9559771"),
    "I5": JavaFloats("-1.0749887", "1.0619507E-16"),
    "I6": JavaFloats("-0.7692591", "-0.9559771"),
    "I7": JavaFloats("-1.3067534", "0.504302"),
    "I8": JavaFloats("-1.3067534", "-0.504302"),
}
_ALS_INTERACTIONS = (
    (1, 0, 0, 0, 1, 0, 0, 1, 0),
    (0, 1, 0, 0, 1, 1, 0, 1, 1),
    (0, 0, 1, 0, 0, 1, 1, 1, 1),
    (0, 0, 0, 1, 0, 0, 1, 0, 1),
    (1, 1, 0, 0, 2, 1, 0, 2, 1),
    (0, 1, 1, 0, 1, 2, 1, 2, 2),
    (0, 0, 1, 1, 0, 1, 2, 1, 2),
)
ALS_KNOWN_ITEMS = {
    f"U{user}": [f"I{item}" for item, count in enumerate(row) if count > 0]
    for user, row in enumerate(_ALS_INTERACTIONS)
}


def als_model_pmml(user_ids: Sequence[str], item_ids: Sequence[str], *, full: bool = True) -> str:
    """``ALSUpdate.mllibModelToPMML``'s skeleton (``full``), or the bare one ``MockALSModelUpdateGenerator`` sends."""
    body = ""
    if full:
        body += _extension("X", "X/") + _extension("Y", "Y/")
    body += _extension("features", 2)
    if full:
        body += _extension("lambda", "0.001")
    body += _extension("implicit", "true")
    if full:
        body += _extension("alpha", "1.0") + _extension("logStrength", "false")
    body += _extension_content("XIDs", user_ids) + _extension_content("YIDs", item_ids)
    return _PMML_OPEN + body + _PMML_CLOSE


def als_test_model_messages() -> list[tuple[str, str]]:
    """MODEL, then every item vector, then every user vector with its known items, as Oryx 2's batch publishes."""
    messages = [("MODEL", als_model_pmml(list(ALS_USER_VECTORS), list(ALS_ITEM_VECTORS)))]
    messages += [("UP", _join_json("Y", item, vector)) for item, vector in ALS_ITEM_VECTORS.items()]
    messages += [
        ("UP", _join_json("X", user, vector, ALS_KNOWN_ITEMS[user])) for user, vector in ALS_USER_VECTORS.items()
    ]
    return messages


class _TestRescorer:
    """``TestALSRescorerProvider.TEST_RESCORER``: IDs whose last character is even are filtered, others doubled."""

    def is_filtered(self, id_: str) -> bool:
        return ord(id_[-1]) % 2 == 0

    def rescore(self, id_: str, score: float) -> float:
        return float("nan") if self.is_filtered(id_) else score * 2.0


class TestALSRescorerProvider(RescorerProvider):
    """Oryx 2's ``TestALSRescorerProvider``: the test rescorer for every endpoint, when rescorerParams are given."""

    __test__ = False  # a provider, not a pytest test class

    @staticmethod
    def _rescorer(args: Sequence[str]) -> _TestRescorer | None:
        return _TestRescorer() if args else None

    def get_recommend_rescorer(self, user_ids: Sequence[str], args: Sequence[str]) -> _TestRescorer | None:
        return self._rescorer(args)

    def get_recommend_to_anonymous_rescorer(self, item_ids: Sequence[str], args: Sequence[str]) -> _TestRescorer | None:
        return self._rescorer(args)

    def get_most_popular_items_rescorer(self, args: Sequence[str]) -> _TestRescorer | None:
        return self._rescorer(args)

    def get_most_active_users_rescorer(self, args: Sequence[str]) -> _TestRescorer | None:
        return self._rescorer(args)

    def get_most_similar_items_rescorer(self, args: Sequence[str]) -> _TestRescorer | None:
        return self._rescorer(args)


ALS_CONFIG = (
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
    f"oryx.als.rescorer-provider-class={__name__}.TestALSRescorerProvider",
)


# ---- ALS: MockALSModelUpdateGenerator (ALSServingModelManagerIT) --------------------------------------------


def id_to_string_id(id_: int) -> str:
    """``ALSUtilsTest.idToStringID``: 6 -> ``G6``."""
    return chr(ord("A") + id_ % 26) + str(id_)


MOCK_ALS_X = {
    id_to_string_id(6): JavaFloats("-0.6790019", "0.1732324"),
    id_to_string_id(7): JavaFloats("-0.8232442", "-0.9200852"),
    id_to_string_id(8): JavaFloats("-1.1865344", "0.44631857"),
    id_to_string_id(9): JavaFloats("-0.20789514", "0.5303508"),
}
MOCK_ALS_Y = {
    id_to_string_id(1): JavaFloats("-0.7203235", "0.45654634"),
    id_to_string_id(2): JavaFloats("-0.77601856", "-0.34911805"),
    id_to_string_id(3): JavaFloats("-0.5384191", "0.7197065"),
    id_to_string_id(4): JavaFloats("-1.0381957", "-0.22146331"),
    id_to_string_id(5): JavaFloats("-0.31787223", "-0.6780096"),
}
MOCK_ALS_A = {"G6": ["1", "4"], "H7": ["2", "4", "5"], "I8": ["1", "2", "3", "4"], "J9": ["3"]}
"""Known items per user as the generator sends them (raw numbers, not the items' string IDs)."""
MOCK_ALS_AT = {"B1": ["6", "8"], "C2": ["7", "8"], "D3": ["8", "9"], "E4": ["6", "7", "8"], "F5": ["7"]}


def mock_als_update_messages(how_many: int = 10) -> list[tuple[str, str]]:
    """``MockALSModelUpdateGenerator.generate(id)`` for id 0..how_many-1: MODEL every 10th, else an X or Y UP."""
    messages = []
    for id_ in range(how_many):
        if id_ % 10 == 0:
            messages.append(("MODEL", als_model_pmml(list(MOCK_ALS_X), list(MOCK_ALS_Y), full=False)))
            continue
        string_id = id_to_string_id(id_)
        if id_ % 10 >= 6:
            messages.append(("UP", _join_json("X", string_id, MOCK_ALS_X[string_id], MOCK_ALS_A[string_id])))
        else:
            messages.append(("UP", _join_json("Y", string_id, MOCK_ALS_Y[string_id], MOCK_ALS_AT[string_id])))
    return messages


# ---- k-means ----------------------------------------------------------------------------------------------


def _clustering_pmml(names: Sequence[str], clusters: Sequence[tuple[int, int, str]]) -> str:
    """``KMeansPMMLUtilsTest.buildDummyClusteringModel``'s layout: (id, size, center array text) per cluster."""
    fields = "".join(f'        <DataField name="{n}" optype="continuous" dataType="double"/>\n' for n in names)
    mining = "".join(f'            <MiningField name="{n}" usageType="active" optype="continuous"/>\n' for n in names)
    clustering_fields = "".join(f'        <ClusteringField field="{n}" isCenterField="true"/>\n' for n in names)
    cluster_elements = "".join(
        f'        <Cluster id="{id_}" size="{size}">\n'
        f'            <Array type="real" n="{len(names)}">{center}</Array>\n        </Cluster>\n'
        for id_, size, center in clusters
    )
    return (
        _PMML_OPEN
        + f'    <DataDictionary numberOfFields="{len(names)}">\n{fields}    </DataDictionary>\n'
        + '    <ClusteringModel functionName="clustering" modelClass="centerBased" '
        + f'numberOfClusters="{len(clusters)}">\n'
        + f"        <MiningSchema>\n{mining}        </MiningSchema>\n"
        + '        <ComparisonMeasure kind="distance">\n            <squaredEuclidean/>\n        </ComparisonMeasure>\n'
        + clustering_fields
        + cluster_elements
        + "    </ClusteringModel>\n"
        + _PMML_CLOSE
    )


KMEANS_TEST_MODEL_PMML = _clustering_pmml(["0", "1"], [(2, 1, "1.0 0.0"), (3, 1, "2.0 -1.0"), (4, 1, "-1.0 0.0")])
"""``TestKMeansModelFactory.buildTestModel()``: clusters 2 (1,0), 3 (2,-1) and 4 (-1,0), one point each."""
KMEANS_CONFIG = (
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager",
    "oryx.serving.application-resources="
    "com.cloudera.oryx.app.serving,com.cloudera.oryx.app.serving.clustering,com.cloudera.oryx.app.serving.kmeans",
    "oryx.input-schema.num-features=2",
    "oryx.input-schema.categorical-features=[]",
)
MOCK_KMEANS_CONFIG = (
    *KMEANS_CONFIG[:2],
    'oryx.input-schema.feature-names=["x","y"]',
    "oryx.input-schema.categorical-features=[]",
)


def mock_kmeans_messages(how_many: int = 10) -> list[tuple[str, str]]:
    """``MockKMeansModelGenerator``: the dummy model (clusters 0..2 of sizes 1..3), then ``[id%3,[id,id],id]``."""
    dummy = _clustering_pmml(["x", "y"], [(0, 1, "1.0 0.0"), (1, 2, "2.0 -1.0"), (2, 3, "-1.0 0.0")])
    return [("MODEL", dummy)] + [("UP", _join_json(id_ % 3, [id_, id_], id_)) for id_ in range(1, how_many)]


# ---- RDF: TestRDFRegressionModelFactory / TestRDFClassificationModelFactory ----------------------------------
# Columns "0" (categorical A, B, C), "1" (numeric) and the target "2". Tree 1 splits on "0": B goes to the
# positive child r+ (missing: positive); tree 2 on "1" >= -3 (missing: negative). Weights 1 and 2; feature
# importances 0.1 and 0.3.


def _rdf_pmml(classification: bool, leaves: Sequence[tuple[str, str]]) -> str:
    """Oryx 2's ``rdfModelToPMML`` layout for the two-tree test forest; ``leaves``: per tree, the r+ and r- leaf
    (each the attributes and content of its ``Node`` after the id)."""
    function = "classification" if classification else "regression"
    method = "weightedMajorityVote" if classification else "weightedAverage"
    target = (
        '        <DataField name="2" optype="categorical" dataType="string">\n'
        '            <Value value="X"/>\n            <Value value="Y"/>\n            <Value value="Z"/>\n'
        "        </DataField>\n"
        if classification
        else '        <DataField name="2" optype="continuous" dataType="double"/>\n'
    )
    splits = (
        (
            "r+",
            '<SimpleSetPredicate field="0" booleanOperator="isNotIn">'
            '<Array type="string">A C</Array></SimpleSetPredicate>',
        ),
        ("r-", '<SimplePredicate field="1" operator="greaterThan" value="-3.0"/>'),
    )
    segments = ""
    for index, ((default_child, predicate), (positive, negative)) in enumerate(zip(splits, leaves, strict=True)):
        positive_attributes, positive_content = positive
        negative_attributes, negative_content = negative
        segments += (
            f'            <Segment id="{index}" weight="{float(index + 1)}">\n                <True/>\n'
            '                <TreeModel splitCharacteristic="binarySplit" missingValueStrategy="defaultChild">\n'
            f'                    <Node id="r" defaultChild="{default_child}">\n                        <True/>\n'
            f'                        <Node id="r+"{positive_attributes}>{predicate}{positive_content}</Node>\n'
            f'                        <Node id="r-"{negative_attributes}><True/>{negative_content}</Node>\n'
            "                    </Node>\n                </TreeModel>\n            </Segment>\n"
        )
    return (
        _PMML_OPEN
        + '    <DataDictionary numberOfFields="3">\n'
        + '        <DataField name="0" optype="categorical" dataType="string">\n'
        + '            <Value value="A"/>\n            <Value value="B"/>\n            <Value value="C"/>\n'
        + "        </DataField>\n"
        + '        <DataField name="1" optype="continuous" dataType="double"/>\n'
        + target
        + "    </DataDictionary>\n"
        + f'    <MiningModel functionName="{function}">\n        <MiningSchema>\n'
        + '            <MiningField name="0" usageType="active" optype="categorical" importance="0.1"/>\n'
        + '            <MiningField name="1" usageType="active" optype="continuous" importance="0.3"/>\n'
        + '            <MiningField name="2" usageType="predicted"/>\n        </MiningSchema>\n'
        + f'        <Segmentation multipleModelMethod="{method}">\n{segments}        </Segmentation>\n'
        + "    </MiningModel>\n"
        + _PMML_CLOSE
    )


def _regression_leaf(value: float) -> tuple[str, str]:
    """``NumericPrediction(value, 1)``: Oryx 2 writes the score as ``Double.toString``."""
    return f' score="{value}" recordCount="1.0"', ""


def _classification_leaf(*counts: int) -> tuple[str, str]:
    """``CategoricalPrediction(counts)`` over X, Y, Z."""
    distributions = "".join(
        f'<ScoreDistribution value="{name}" recordCount="{float(count)}" confidence="{count / sum(counts)}"/>'
        for name, count in zip("XYZ", counts, strict=True)
    )
    return f' recordCount="{float(sum(counts))}"', distributions


RDF_REGRESSION_PMML = _rdf_pmml(
    False, [(_regression_leaf(10.0), _regression_leaf(1.0)), (_regression_leaf(1000.0), _regression_leaf(100.0))]
)
"""``TestRDFRegressionModelFactory``: leaves r-/r+ 1 and 10 in tree 1, 100 and 1000 in tree 2."""
RDF_CLASSIFICATION_PMML = _rdf_pmml(
    True,
    [
        (_classification_leaf(10, 30, 50), _classification_leaf(1, 2, 3)),
        (_classification_leaf(1000, 10000, 100000), _classification_leaf(100, 400, 900)),
    ],
)
"""``TestRDFClassificationModelFactory``: the same trees with class counts over X, Y, Z."""
_RDF_RESOURCES = (
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.rdf.model.RDFServingModelManager",
    "oryx.serving.application-resources="
    "com.cloudera.oryx.app.serving,com.cloudera.oryx.app.serving.classreg,com.cloudera.oryx.app.serving.rdf",
)
RDF_REGRESSION_CONFIG = (
    *_RDF_RESOURCES,
    "oryx.input-schema.num-features=3",
    'oryx.input-schema.categorical-features=["0"]',
    'oryx.input-schema.target-feature="2"',
)
RDF_CLASSIFICATION_CONFIG = (
    *_RDF_RESOURCES,
    "oryx.input-schema.num-features=3",
    'oryx.input-schema.categorical-features=["0","2"]',
    'oryx.input-schema.target-feature="2"',
)


# ---- RDF: MockRDFClassificationModelGenerator (RDFServingModelManagerIT) -----------------------------------

MOCK_RDF_CONFIG = (
    *_RDF_RESOURCES,
    'oryx.input-schema.feature-names=["color","fruit"]',
    "oryx.input-schema.numeric-features=[]",
    "oryx.input-schema.target-feature=fruit",
)
_MOCK_RDF_PMML = (
    _PMML_OPEN
    + '    <DataDictionary numberOfFields="2">\n'
    + '        <DataField name="color" optype="categorical" dataType="string">\n'
    + '            <Value value="yellow"/>\n            <Value value="red"/>\n        </DataField>\n'
    + '        <DataField name="fruit" optype="categorical" dataType="string">\n'
    + '            <Value value="banana"/>\n            <Value value="apple"/>\n        </DataField>\n'
    + "    </DataDictionary>\n"
    + '    <TreeModel functionName="classification" splitCharacteristic="binarySplit" '
    + 'missingValueStrategy="defaultChild">\n'
    + "        <MiningSchema>\n"
    + '            <MiningField name="color" usageType="active" optype="categorical" importance="0.5"/>\n'
    + '            <MiningField name="fruit" usageType="predicted" optype="categorical"/>\n'
    + "        </MiningSchema>\n"
    + '        <Node id="r" recordCount="2.0">\n            <True/>\n'
    + '            <Node id="r+" recordCount="1.0">\n'
    + '                <SimpleSetPredicate field="color" booleanOperator="isNotIn">'
    + '<Array type="string">red</Array></SimpleSetPredicate>\n'
    + '                <ScoreDistribution value="banana" recordCount="1.0"/>\n            </Node>\n'
    + '            <Node id="r-" recordCount="1.0">\n                <True/>\n'
    + '                <ScoreDistribution value="apple" recordCount="1.0"/>\n            </Node>\n'
    + "        </Node>\n    </TreeModel>\n"
    + _PMML_CLOSE
)
"""``RDFPMMLUtilsTest.buildDummyClassificationModel()``: one tree, r+ (not red) banana, r- apple; note that
the root names no ``defaultChild`` although the strategy is ``defaultChild`` (Oryx 2 then treats a missing
value as negative)."""


def mock_rdf_messages(how_many: int = 5) -> list[tuple[str, str]]:
    """``MockRDFClassificationModelGenerator``: the dummy model, then ``[0,"r±",{"0":1,"1":2}]`` alternately."""
    messages = [("MODEL", _MOCK_RDF_PMML)]
    for id_ in range(1, how_many):
        node = "r-" if id_ % 2 == 0 else "r+"
        messages.append(("UP", _join_json(0, node, {"0": 1, "1": 2})))
    return messages
