"""The k-means PMML codec: a ``ClusteringModel`` laid out as Oryx 2 writes it, checked against the schema on read.

Layout (spec 4.2): ``DataDictionary`` and ``MiningSchema`` from ``oryx.input-schema``; a ``ClusteringModel``
(``functionName="clustering"``, ``modelClass="centerBased"``, ``numberOfClusters``) whose ``ComparisonMeasure``
is a ``distance`` of kind ``squaredEuclidean``; one ``ClusteringField`` per active feature, ``isCenterField``
true; one ``Cluster`` per center with ``id``, ``size`` (the training points assigned to it) and an ``Array`` of
type ``real`` holding the center. Values are written with Python's shortest round-trip form, so a center read
back is bit-for-bit the one written.

``squaredEuclidean`` is what our layers compute to assign a point (see ``clusters``), so an independent
evaluator of this document assigns every point to the same cluster as the serving layer.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import (
    PMMLError,
    add_array,
    add_child,
    array_values,
    find_child,
    find_children,
    pmml_skeleton,
)
from oryx_core.ml.pmml_schema import add_data_dictionary, add_mining_schema, check_data_dictionary

__all__ = ["ASSIGNMENT_MEASURES", "build_kmeans_pmml", "read_kmeans_pmml"]

ASSIGNMENT_MEASURES = frozenset({"squaredEuclidean", "euclidean"})
"""Comparison measures accepted on read: both give the nearest center by Euclidean distance."""


def build_kmeans_pmml(schema: InputSchema, model: KMeansModel, timestamp_ms: int | None = None) -> ET.Element:
    """The whole PMML document for ``model``, whose centers are over ``schema.predictors`` in order."""
    if model.features != len(schema.predictors):
        raise ValueError(f"centers have {model.features} values but the schema has {len(schema.predictors)} features")
    root = pmml_skeleton(timestamp_ms)
    add_data_dictionary(root, schema)
    clustering = add_child(
        root,
        "ClusteringModel",
        {"functionName": "clustering", "modelClass": "centerBased", "numberOfClusters": model.k},
    )
    add_mining_schema(clustering, schema)
    measure = add_child(clustering, "ComparisonMeasure", {"kind": "distance"})
    add_child(measure, "squaredEuclidean")
    for name in schema.predictors:
        add_child(clustering, "ClusteringField", {"field": name, "isCenterField": True})
    for cluster_id, center, count in zip(model.ids, model.centers, model.counts, strict=True):
        cluster = add_child(clustering, "Cluster", {"id": cluster_id, "size": int(count)})
        add_array(cluster, (repr(float(v)) for v in center), "real")
    return root


def _clustering_model(root: ET.Element) -> ET.Element:
    models = find_children(root, "ClusteringModel")
    if len(models) != 1:
        raise PMMLError(f"a k-means model needs exactly one ClusteringModel, found {len(models)}")
    return models[0]


def _check_measure(model: ET.Element) -> None:
    measure = find_child(model, "ComparisonMeasure")
    kinds = [e.tag.rsplit("}", 1)[-1] for e in measure] if measure is not None else []
    if not kinds or kinds[0] not in ASSIGNMENT_MEASURES:
        raise PMMLError(
            f"the ClusteringModel's ComparisonMeasure is {kinds}; expected one of {sorted(ASSIGNMENT_MEASURES)}"
        )


def _int(element: ET.Element, attribute: str, default: str | None = None) -> int:
    text = element.get(attribute, default)
    try:
        return int(text) if text is not None else int("")
    except ValueError:
        raise PMMLError(f"Cluster {attribute}={text!r} is not an integer") from None


def _center(cluster: ET.Element, features: int) -> list[float]:
    array = find_child(cluster, "Array")
    if array is None:
        raise PMMLError(f"Cluster {cluster.get('id')!r} has no Array of center coordinates")
    try:
        values = [float(v) for v in array_values(array)]
    except ValueError as error:
        raise PMMLError(f"Cluster {cluster.get('id')!r} has a non-numeric center: {error}") from None
    if len(values) != features:
        raise PMMLError(f"Cluster {cluster.get('id')!r} has {len(values)} coordinates, expected {features}")
    if not np.all(np.isfinite(values)):
        raise PMMLError(f"Cluster {cluster.get('id')!r} has a non-finite center coordinate")
    return values


def read_kmeans_pmml(root: ET.Element, schema: InputSchema) -> KMeansModel:
    """The model in a k-means PMML document; PMMLError when it does not match ``schema`` or is malformed.

    Checks what Oryx 2 checks (spec 4.2): the same columns as the schema and exactly one ClusteringModel,
    plus that its clustering fields are the schema's active features, in order.
    """
    check_data_dictionary(root, schema)
    model = _clustering_model(root)
    _check_measure(model)
    fields = tuple(f.get("field", "") for f in find_children(model, "ClusteringField"))
    if fields != schema.predictors:
        raise PMMLError(
            f"the model clusters on {list(fields)}, but oryx.input-schema's features are {list(schema.predictors)}"
        )
    clusters = find_children(model, "Cluster")
    if not clusters:
        raise PMMLError("the ClusteringModel has no Cluster")
    features = len(schema.predictors)
    try:
        return KMeansModel.of(
            [_center(c, features) for c in clusters],
            [_int(c, "size", "0") for c in clusters],
            [_int(c, "id") for c in clusters],
        )
    except ValueError as error:
        if isinstance(error, PMMLError):
            raise
        raise PMMLError(f"the ClusteringModel's clusters are inconsistent: {error}") from None
