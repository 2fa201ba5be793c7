"""What a forest's PMML says about weights and missing values, and that the reader serves exactly that.

The Oryx 2-style document below is the model of Oryx 2's own ``ClassificationDistributionTest`` (two trees of
weights 1 and 2 under ``weightedMajorityVote``), written as Oryx 2's ``RDFUpdate`` writes PMML.
"""

from __future__ import annotations

import math

import pytest
from test_rdf_pmml import CLASSIFICATION, COLORS, HYPERPARAMS, schema
from test_rdf_trees import classifier

from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_from_pmml, forest_to_pmml
from oryx_core.apps.rdf.trees import Forest
from oryx_core.config import load_config
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import PMMLError, find_child, iter_descendants, read_pmml, write_pmml

ORYX2_SCHEMA = InputSchema.from_config(
    load_config(
        None,
        [
            'oryx.input-schema.feature-names=["0", "1", "2"]',
            'oryx.input-schema.categorical-features=["0", "2"]',
            'oryx.input-schema.target-feature="2"',
        ],
    )
)


def leaf(node_id: str, counts: tuple[int, int, int], predicate: str = "<True/>") -> str:
    distributions = "".join(
        f'<ScoreDistribution value="{name}" recordCount="{n}"/>' for name, n in zip("XYZ", counts, strict=True)
    )
    return f'<Node id="{node_id}" recordCount="{sum(counts)}">{predicate}{distributions}</Node>'


def tree(split: str, positive: tuple[int, int, int], negative: tuple[int, int, int], attributes: str) -> str:
    return (
        f'<TreeModel functionName="classification" splitCharacteristic="binarySplit" {attributes}>'
        '<MiningSchema><MiningField name="0"/><MiningField name="1"/>'
        '<MiningField name="2" usageType="predicted"/></MiningSchema>'
        f'<Node id="r" defaultChild="r-"><True/>{leaf("r+", positive, split)}{leaf("r-", negative)}</Node>'
        "</TreeModel>"
    )


def oryx2_document(
    method: str = "weightedMajorityVote",
    weights: tuple[str, str] = ("1.0", "2.0"),
    strategy: str = 'missingValueStrategy="defaultChild"',
) -> str:
    """Tree 1: feature 0 is B -> (10, 30, 50), else (1, 2, 3). Tree 2: feature 1 > -3 -> (1000, 10000, 100000),
    else (100, 400, 900). Missing values go to r- (defaultChild) in both."""
    categorical = '<SimpleSetPredicate field="0" booleanOperator="isNotIn"><Array type="string">A C</Array>'
    numeric = '<SimplePredicate field="1" operator="greaterThan" value="-3.0"/>'
    trees = [
        tree(categorical + "</SimpleSetPredicate>", (10, 30, 50), (1, 2, 3), strategy),
        tree(numeric, (1000, 10000, 100000), (100, 400, 900), strategy),
    ]
    segments = "".join(
        f'<Segment id="{i}" weight="{w}"><True/>{t}</Segment>'
        for i, (w, t) in enumerate(zip(weights, trees, strict=True))
    )
    return (
        '<PMML xmlns="http://www.dmg.org/PMML-4_3" version="4.3"><Header/>'
        '<DataDictionary><DataField name="0" optype="categorical" dataType="string">'
        '<Value value="A"/><Value value="B"/><Value value="C"/></DataField>'
        '<DataField name="1" optype="continuous" dataType="double"/>'
        '<DataField name="2" optype="categorical" dataType="string">'
        '<Value value="X"/><Value value="Y"/><Value value="Z"/></DataField></DataDictionary>'
        '<MiningModel functionName="classification"><MiningSchema><MiningField name="0"/><MiningField name="1"/>'
        f'<MiningField name="2" usageType="predicted"/></MiningSchema><Segmentation multipleModelMethod="{method}">'
        f"{segments}</Segmentation></MiningModel></PMML>"
    )


def read(text: str) -> Forest:
    return forest_from_pmml(read_pmml(text), ORYX2_SCHEMA)[0]


B, A = 1.0, 0.0


def test_segment_weights_weigh_the_probabilities_as_oryx2_computes_them() -> None:
    forest = read(oryx2_document())
    assert forest.weights == (1.0, 2.0)
    expected_b0 = [
        (10 / 90 + 2 * (1000 / 111000)) / 3,
        (30 / 90 + 2 * (10000 / 111000)) / 3,
        (50 / 90 + 2 * (100000 / 111000)) / 3,
    ]
    expected_a_minus5 = [(1 / 6 + 2 * (100 / 1400)) / 3, (2 / 6 + 2 * (400 / 1400)) / 3, (3 / 6 + 2 * (900 / 1400)) / 3]
    assert forest.distribution([B, 0.0]).tolist() == pytest.approx(expected_b0, rel=1e-15)
    assert forest.distribution([A, -5.0]).tolist() == pytest.approx(expected_a_minus5, rel=1e-15)


def test_unweighted_methods_weigh_every_tree_one() -> None:
    forest = read(oryx2_document(method="average"))
    assert forest.weights == (1.0, 1.0)
    assert forest.distribution([B, 0.0])[0] == pytest.approx((10 / 90 + 1000 / 111000) / 2, rel=1e-15)


def test_weights_survive_a_round_trip_through_our_pmml() -> None:
    weighted = Forest(classifier().trees, ["no", "yes"], [0.75, 0.25], weights=[0.25, 3.0])
    encodings = Encodings(schema(CLASSIFICATION), {"color": COLORS, "label": ["no", "yes"]})
    text = write_pmml(forest_to_pmml(weighted, encodings, HYPERPARAMS, 0))
    segments = [s.get("weight") for s in iter_descendants(read_pmml(text), "Segment")]
    assert segments == ["0.25", "3.0"]
    forest, _ = forest_from_pmml(read_pmml(text), schema(CLASSIFICATION))
    assert forest.weights == (0.25, 3.0)
    expected = [(0.25 * 0.1 + 3 * 0.5) / 3.25, (0.25 * 0.9 + 3 * 0.5) / 3.25]  # tree 0's r+ and tree 1's leaf
    assert forest.distribution([7.0, 2.0]).tolist() == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (("1.0", "heavy"), "weight 'heavy', which is not a number"),
        (("1.0", "-2.0"), "weights must be finite, non-negative and not all 0"),
        (("0", "0"), "weights must be finite, non-negative and not all 0"),
        (("1.0", "NaN"), "weights must be finite"),
    ],
)
def test_bad_segment_weights_are_refused(weights: tuple[str, str], message: str) -> None:
    with pytest.raises(PMMLError, match=message):
        read(oryx2_document(weights=weights))


def test_default_child_strategy_sends_missing_values_to_the_named_child() -> None:
    forest = read(oryx2_document())
    assert [leaf.id for leaf in forest.leaves_for([math.nan, math.nan])] == ["r-", "r-"]
    named_positive = oryx2_document().replace('defaultChild="r-"', 'defaultChild="r+"')
    assert [leaf.id for leaf in read(named_positive).leaves_for([math.nan, math.nan])] == ["r+", "r+"]


def test_strategy_none_sends_missing_values_to_the_true_child() -> None:
    """PMML's default: the positive child's predicate is not true for a missing value, so the next child wins."""
    document = oryx2_document(strategy="").replace('defaultChild="r-"', 'defaultChild="r+"')
    assert [leaf.id for leaf in read(document).leaves_for([math.nan, math.nan])] == ["r-", "r-"]


@pytest.mark.parametrize("strategy", ["lastPrediction", "nullPrediction", "weightedConfidence", "aggregateNodes"])
def test_strategies_the_serving_layer_cannot_follow_are_refused(strategy: str) -> None:
    with pytest.raises(PMMLError, match=f"unsupported missingValueStrategy '{strategy}'"):
        read(oryx2_document(strategy=f'missingValueStrategy="{strategy}"'))


def test_default_child_strategy_without_a_default_child_sends_missing_values_negative() -> None:
    """As Oryx 2 reads it: its own test models (``RDFPMMLUtilsTest.buildDummyClassificationModel``) name none."""
    forest = read(oryx2_document().replace(' defaultChild="r-"', ""))
    assert [leaf.id for leaf in forest.leaves_for([math.nan, math.nan])] == ["r-", "r-"]
    assert [leaf.id for leaf in forest.leaves_for([B, 0.0])] == ["r+", "r+"]


def test_a_default_child_naming_no_child_is_refused() -> None:
    with pytest.raises(PMMLError, match=r"needs defaultChild naming one of its children \['r\+', 'r-'\], got 'r\+-'"):
        read(oryx2_document().replace(' defaultChild="r-"', ' defaultChild="r+-"'))


def test_greater_or_equal_splits_send_the_threshold_itself_positive() -> None:
    document = oryx2_document().replace('operator="greaterThan" value="-3.0"', 'operator="greaterOrEqual" value="-3.0"')
    forest = read(document)
    below = math.nextafter(-3.0, -math.inf)
    assert [forest.leaves_for([A, value])[1].id for value in (below, -3.0, -2.5, math.inf, -math.inf)] == [
        "r-",
        "r+",
        "r+",
        "r+",
        "r-",
    ]
    strict = read(oryx2_document())
    assert [strict.leaves_for([A, value])[1].id for value in (-3.0, math.nextafter(-3.0, math.inf))] == ["r-", "r+"]


def test_greater_or_equal_minus_infinity_is_refused() -> None:
    document = oryx2_document().replace('operator="greaterThan" value="-3.0"', 'operator="greaterOrEqual" value="-INF"')
    with pytest.raises(PMMLError, match="a split on '1' is greaterOrEqual -Infinity, which no value fails"):
        read(document)


def test_a_threshold_that_is_no_number_is_refused() -> None:
    document = oryx2_document().replace('operator="greaterThan" value="-3.0"', 'operator="greaterThan" value="low"')
    with pytest.raises(PMMLError, match="a split on '1' has threshold 'low', which is not a number"):
        read(document)


def test_the_true_child_is_the_negative_branch_in_either_order() -> None:
    """Oryx 2 writes the positive child first; its reader, and ours, take the ``True`` child as negative wherever
    it stands, so a tree written the other way round answers the same."""
    document = oryx2_document()
    swapped = document
    for positive, negative in (
        ('<Node id="r+" recordCount="90">', '<Node id="r-" recordCount="6">'),
        ('<Node id="r+" recordCount="111000">', '<Node id="r-" recordCount="1400">'),
    ):
        first = swapped.index(positive)
        middle = swapped.index(negative)
        end = swapped.index("</Node>", middle) + len("</Node>")
        swapped = swapped[:first] + swapped[middle:end] + swapped[first:middle] + swapped[end:]
    assert swapped != document
    ordered, reversed_ = read(document), read(swapped)
    for row in ([B, 0.0], [A, -5.0], [math.nan, math.nan], [B, -3.0], [A, 7.0]):
        assert [leaf.id for leaf in reversed_.leaves_for(row)] == [leaf.id for leaf in ordered.leaves_for(row)]
        assert reversed_.distribution(row).tolist() == ordered.distribution(row).tolist()
    assert [leaf.id for leaf in reversed_.leaves_for([B, 0.0])] == ["r+", "r+"]


def test_is_in_splits_send_the_listed_values_positive() -> None:
    document = oryx2_document().replace(
        'booleanOperator="isNotIn"><Array type="string">A C', 'booleanOperator="isIn"><Array type="string">B'
    )
    forest = read(document)
    assert [forest.leaves_for([code, 0.0])[0].id for code in (0.0, 1.0, 2.0)] == ["r-", "r+", "r-"]


def test_a_segment_that_applies_to_some_rows_only_is_refused() -> None:
    document = oryx2_document().replace('weight="2.0"><True/>', 'weight="2.0"><False/>')
    with pytest.raises(PMMLError, match="segment '1' applies only to some rows"):
        read(document)


def test_a_binary_split_without_a_true_child_is_refused() -> None:
    document = oryx2_document().replace(
        '<Node id="r-" recordCount="6"><True/>', '<Node id="r-" recordCount="6"><False/>'
    )
    with pytest.raises(PMMLError, match="node 'r': one child of a binary split must be True"):
        read(document)


def test_our_pmml_declares_unseen_categories_missing() -> None:
    encodings = Encodings(schema(CLASSIFICATION), {"color": COLORS, "label": ["no", "yes"]})
    root = read_pmml(write_pmml(forest_to_pmml(classifier(), encodings, HYPERPARAMS, 0)))
    schemas = [find_child(model, "MiningSchema") for model in [*iter_descendants(root, "TreeModel")]]
    schemas.append(find_child(find_child(root, "MiningModel"), "MiningSchema"))  # type: ignore[arg-type]
    for mining in schemas:
        assert mining is not None
        treatments = {f.get("name"): f.get("invalidValueTreatment") for f in iter_descendants(mining, "MiningField")}
        assert treatments == {"x": None, "color": "asMissing", "label": None}
