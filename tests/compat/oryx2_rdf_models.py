"""Oryx 2's RDF serving-test models (``TestRDFRegressionModelFactory``, ``TestRDFClassificationModelFactory``,
``MockRDFClassificationModelGenerator``) as the update-topic messages Oryx 2 would publish for them."""

from __future__ import annotations

from collections.abc import Sequence

from compat.oryx2_text import PMML_CLOSE, PMML_OPEN, join_json

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
        PMML_OPEN
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
        + PMML_CLOSE
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
    PMML_OPEN
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
    + PMML_CLOSE
)
"""``RDFPMMLUtilsTest.buildDummyClassificationModel()``: one tree, r+ (not red) banana, r- apple; note that
the root names no ``defaultChild`` although the strategy is ``defaultChild`` (Oryx 2 then treats a missing
value as negative)."""


def mock_rdf_messages(how_many: int = 5) -> list[tuple[str, str]]:
    """``MockRDFClassificationModelGenerator``: the dummy model, then ``[0,"r±",{"0":1,"1":2}]`` alternately."""
    messages = [("MODEL", _MOCK_RDF_PMML)]
    for id_ in range(1, how_many):
        node = "r-" if id_ % 2 == 0 else "r+"
        messages.append(("UP", join_json(0, node, {"0": 1, "1": 2})))
    return messages
