"""Oryx 2's ``FeatureImportanceTest``: ``/feature/importance`` reads the importances 0.1 and 0.3 of the PMML.

Upstream's ``testAllImportance`` expects ``[0.1, 0.3]`` from a forest built in memory with two importances. A
forest Oryx 2 reads from PMML (``RDFPMMLUtils.read``, what its serving layer does with every ``MODEL``) has one
importance per column, in ``MiningSchema`` order, 0 for the target: for this model, delivered as PMML, Oryx 2
answers ``[0.1, 0.3, 0.0]``, and so does this port.
"""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import get_json
from compat.oryx2_checks import DOUBLE_EPSILON


def testImportance(rdf: Oryx2Server) -> None:
    assert get_json(rdf.client, "/feature/importance/0") == pytest.approx(0.1, abs=DOUBLE_EPSILON)
    assert get_json(rdf.client, "/feature/importance/1") == pytest.approx(0.3, abs=DOUBLE_EPSILON)


def testAllImportance(rdf: Oryx2Server) -> None:
    assert get_json(rdf.client, "/feature/importance") == [0.1, 0.3, 0.0]
