"""Oryx 2's k-means serving-test models (``TestKMeansModelFactory``, ``MockKMeansModelGenerator``) as the
update-topic messages Oryx 2 would publish for them."""

from __future__ import annotations

from collections.abc import Sequence

from compat.oryx2_text import PMML_CLOSE, PMML_OPEN, join_json

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
        PMML_OPEN
        + f'    <DataDictionary numberOfFields="{len(names)}">\n{fields}    </DataDictionary>\n'
        + '    <ClusteringModel functionName="clustering" modelClass="centerBased" '
        + f'numberOfClusters="{len(clusters)}">\n'
        + f"        <MiningSchema>\n{mining}        </MiningSchema>\n"
        + '        <ComparisonMeasure kind="distance">\n            <squaredEuclidean/>\n        </ComparisonMeasure>\n'
        + clustering_fields
        + cluster_elements
        + "    </ClusteringModel>\n"
        + PMML_CLOSE
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
    return [("MODEL", dummy)] + [("UP", join_json(id_ % 3, [id_, id_], id_)) for id_ in range(1, how_many)]
