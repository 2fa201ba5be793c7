"""The ClusteringModel codec: Oryx 2's layout, exact round trip, and refusal of models of another schema."""

from __future__ import annotations

import pytest

from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.pmml import build_kmeans_pmml, read_kmeans_pmml
from oryx_core.config import load_config
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import PMMLError, array_values, find_child, find_children, read_pmml, write_pmml


def schema(*names: str, ignored: str = '["label"]') -> InputSchema:
    config = load_config(
        None,
        [
            f"oryx.input-schema.feature-names={list(names or ('id', 'x', 'y', 'label'))}".replace("'", '"'),
            'oryx.input-schema.id-features=["id"]',
            f"oryx.input-schema.ignored-features={ignored}",
            "oryx.input-schema.categorical-features=[]",
        ],
    )
    return InputSchema.from_config(config, require_target=False)


MODEL = KMeansModel.of([[0.1, 1.0 / 3.0], [-2.5, 1e-300]], [5, 7])


def round_trip(model: KMeansModel = MODEL) -> KMeansModel:
    return read_kmeans_pmml(read_pmml(write_pmml(build_kmeans_pmml(schema(), model, 0))), schema())


def test_document_has_oryx_2_clustering_layout() -> None:
    root = build_kmeans_pmml(schema(), MODEL, 0)
    model = find_child(root, "ClusteringModel")
    assert model is not None
    assert (model.get("functionName"), model.get("modelClass"), model.get("numberOfClusters")) == (
        "clustering",
        "centerBased",
        "2",
    )
    measure = find_child(model, "ComparisonMeasure")
    assert measure is not None and measure.get("kind") == "distance"
    assert find_child(measure, "squaredEuclidean") is not None
    fields = find_children(model, "ClusteringField")
    assert [(f.get("field"), f.get("isCenterField")) for f in fields] == [("x", "true"), ("y", "true")]
    clusters = find_children(model, "Cluster")
    assert [(c.get("id"), c.get("size")) for c in clusters] == [("0", "5"), ("1", "7")]
    array = find_child(clusters[0], "Array")
    assert array is not None and array.get("type") == "real"
    assert array_values(array) == ["0.1", repr(1.0 / 3.0)]
    usage = {f.get("name"): f.get("usageType") for f in find_children(find_child(model, "MiningSchema"), "MiningField")}
    assert usage == {"id": "supplementary", "x": "active", "y": "active", "label": "supplementary"}


def test_centers_and_sizes_round_trip_exactly() -> None:
    back = round_trip()
    assert back.ids == (0, 1)
    assert back.centers.tolist() == MODEL.centers.tolist()
    assert back.counts.tolist() == [5, 7]


def test_model_of_another_schema_is_refused() -> None:
    text = write_pmml(build_kmeans_pmml(schema(), MODEL, 0))
    with pytest.raises(PMMLError, match="columns"):
        read_kmeans_pmml(read_pmml(text), schema("id", "x", "z", "label"))


def test_model_whose_clustering_fields_differ_from_the_features_is_refused() -> None:
    text = write_pmml(build_kmeans_pmml(schema(), MODEL, 0)).replace('field="y"', 'field="label"')
    with pytest.raises(PMMLError, match="clusters on"):
        read_kmeans_pmml(read_pmml(text), schema())


def test_two_clustering_models_are_refused() -> None:
    root = build_kmeans_pmml(schema(), MODEL, 0)
    root.append(find_children(root, "ClusteringModel")[0])
    with pytest.raises(PMMLError, match="exactly one ClusteringModel"):
        read_kmeans_pmml(root, schema())


def test_center_of_wrong_width_is_refused() -> None:
    text = write_pmml(build_kmeans_pmml(schema(), MODEL, 0)).replace('n="2" type="real">0.1 ', 'n="1" type="real">')
    with pytest.raises(PMMLError, match="1 coordinates, expected 2"):
        read_kmeans_pmml(read_pmml(text), schema())


def test_other_comparison_measure_is_refused() -> None:
    text = write_pmml(build_kmeans_pmml(schema(), MODEL, 0)).replace("<squaredEuclidean />", "<cityBlock />")
    with pytest.raises(PMMLError, match="cityBlock"):
        read_kmeans_pmml(read_pmml(text), schema())
