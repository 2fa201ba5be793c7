"""Oryx 2's ``AssignTest``: ``/assign`` on ``TestKMeansModelFactory``'s clusters 2 (1,0), 3 (2,-1) and 4 (-1,0).

Upstream's ``testFormAssign`` checks the status and then the input topic against an expected list that does
not match its data (``-1.5,-0.5`` for ``-1.5,0.5``): it passes only because ``/assign`` writes nothing. The
port asserts exactly that: 200 and nothing written.
"""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import form_post, get, get_text, post_text

ASSIGN_DATA = "-1.5,0.5\n1.0,0.0\n-1.0,0.0\n0.5,2.0\n"


def testAssign(kmeans: Oryx2Server) -> None:
    response = get(kmeans.client, "/assign/1,0", accept="application/json")
    assert response.status_code == 200
    assert int(response.text) == 2


def testAssign2(kmeans: Oryx2Server) -> None:
    assert int(get_text(kmeans.client, "/assign/10,-1.0")) == 3


def testAssignPost(kmeans: Oryx2Server) -> None:
    assert post_text(kmeans.client, "/assign", "-1.5,0.5\n-1,0").text == "4\n4\n"


def testFormAssign(kmeans: Oryx2Server) -> None:
    assert form_post(kmeans.client, "/assign", ASSIGN_DATA).status_code == 200
    assert kmeans.input_messages() == []
