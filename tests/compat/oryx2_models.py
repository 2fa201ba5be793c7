"""Oryx 2's fixed ALS serving-test models, as the update-topic messages Oryx 2 would publish for them (k-means and
RDF: ``oryx2_kmeans_models``, ``oryx2_rdf_models``).

Oryx 2's resource tests build their models in memory (``TestALSModelFactory``, ``TestKMeansModelFactory``,
``TestRDFRegressionModelFactory``, ``TestRDFClassificationModelFactory``) and its model-manager ITs publish
``Mock*ModelGenerator`` messages. Here every model is the text Oryx 2 writes to the update topic: a ``MODEL``
message holding PMML laid out as its batch layer writes it (``PMMLUtils.buildSkeletonPMML``, ``AppPMMLUtils``,
``RDFUpdate.rdfModelToPMML``, ``KMeansUpdate``), then ``UP`` messages as ``TextUtils.joinJSON`` writes them,
floats in Java's ``Float.toString`` form. The texts are written out here rather than produced by our own
codecs, so the suite checks that we read what Oryx 2 writes, not that we read what we write.
"""

from __future__ import annotations

from collections.abc import Sequence

from compat.oryx2_text import PMML_CLOSE, PMML_OPEN, JavaFloats, extension, extension_content, join_json

from oryx_core.apps.als.rescorer import RescorerProvider

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


def als_model_pmml(user_ids: Sequence[str], item_ids: Sequence[str], *, full: bool = True, features: int = 2) -> str:
    """``ALSUpdate.mllibModelToPMML``'s skeleton (``full``), or the bare one ``MockALSModelUpdateGenerator`` sends."""
    body = ""
    if full:
        body += extension("X", "X/") + extension("Y", "Y/")
    body += extension("features", features)
    if full:
        body += extension("lambda", "0.001")
    body += extension("implicit", "true")
    if full:
        body += extension("alpha", "1.0") + extension("logStrength", "false")
    body += extension_content("XIDs", user_ids) + extension_content("YIDs", item_ids)
    return PMML_OPEN + body + PMML_CLOSE


def als_test_model_messages() -> list[tuple[str, str]]:
    """MODEL, then every item vector, then every user vector with its known items, as Oryx 2's batch publishes."""
    messages = [("MODEL", als_model_pmml(list(ALS_USER_VECTORS), list(ALS_ITEM_VECTORS)))]
    messages += [("UP", join_json("Y", item, vector)) for item, vector in ALS_ITEM_VECTORS.items()]
    messages += [
        ("UP", join_json("X", user, vector, ALS_KNOWN_ITEMS[user])) for user, vector in ALS_USER_VECTORS.items()
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
            messages.append(("UP", join_json("X", string_id, MOCK_ALS_X[string_id], MOCK_ALS_A[string_id])))
        else:
            messages.append(("UP", join_json("Y", string_id, MOCK_ALS_Y[string_id], MOCK_ALS_AT[string_id])))
    return messages
