"""Oryx 2's ``DistanceToNearestTest``: ``/distanceToNearest`` (Euclidean) on ``TestKMeansModelFactory``'s clusters."""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import get, get_text
from compat.oryx2_checks import DOUBLE_EPSILON


def testDistance(kmeans: Oryx2Server) -> None:
    response = get(kmeans.client, "/distanceToNearest/1,0", accept="application/json")
    assert response.status_code == 200
    assert float(response.text) == pytest.approx(0.0, abs=DOUBLE_EPSILON)


def testDistance2(kmeans: Oryx2Server) -> None:
    assert float(get_text(kmeans.client, "/distanceToNearest/10,-1.0")) == pytest.approx(8.0, abs=DOUBLE_EPSILON)
