"""Oryx 2's ``EstimateForAnonymousTest``: ``/estimateForAnonymous`` (fold-in) on ``TestALSModelFactory``'s model.

The anonymous user's vector is folded in with double arithmetic and kept as a 32-bit float vector, as Oryx 2's
``buildTemporaryUserVector`` keeps ``float[]``; the estimate is its dot product with the item, so the values
match Oryx 2's to 1e-12.
"""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_status, get_text
from compat.oryx2_checks import DOUBLE_EPSILON


def testEstimateForAnonymous(als: Oryx2Server) -> None:
    item = get_json(als.client, "/estimateForAnonymous/I7/I4=1.0/I5=2.0")
    assert item == pytest.approx(0.3596476256862573, abs=DOUBLE_EPSILON)


def testEstimateForAnonymousWithUnknown(als: Oryx2Server) -> None:
    item = get_json(als.client, "/estimateForAnonymous/I3/foo/I4=1.0/I5=2.0")
    assert item == pytest.approx(-0.0670749299183302, abs=DOUBLE_EPSILON)


def testEstimateForAnonymousWithAllUnknown(als: Oryx2Server) -> None:
    item = get_json(als.client, "/estimateForAnonymous/I3/foo")
    assert item == pytest.approx(0.0, abs=DOUBLE_EPSILON)


def testEstimateForAnonymousCSV(als: Oryx2Server) -> None:
    response = get_text(als.client, "/estimateForAnonymous/I3/I4=1.0/I5=2.0")
    assert float(response) == pytest.approx(-0.0670749299183302, abs=DOUBLE_EPSILON)


def testBadRequest(als: Oryx2Server) -> None:
    assert get_status(als.client, "/estimateForAnonymous") == 404


def testUnknownUser(als: Oryx2Server) -> None:
    assert get_status(als.client, "/estimateForAnonymous/foo") == 404
