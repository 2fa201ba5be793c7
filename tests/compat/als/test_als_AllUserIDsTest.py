"""Oryx 2's ``AllUserIDsTest``: ``/user/allIDs`` on ``TestALSModelFactory``'s model.

Upstream's first method is named ``testAllItemIDs`` although it lists users; the name is kept.
"""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_text
from compat.oryx2_checks import java_split_lines


def testAllItemIDs(als: Oryx2Server) -> None:
    users = get_json(als.client, "/user/allIDs")
    assert len(users) == 7
    assert set(users) == {f"U{user}" for user in range(7)}


def testAllUserIDsCSV(als: Oryx2Server) -> None:
    assert len(java_split_lines(get_text(als.client, "/user/allIDs"))) == 7
