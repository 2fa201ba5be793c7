"""The k-means UP message: ``[clusterID, [center], count]``, exact floats, bad messages named."""

from __future__ import annotations

import pytest

from oryx_core.apps.kmeans.clusters import ClusterUpdate
from oryx_core.apps.kmeans.messages import format_update, parse_update


def test_update_is_oryx_2_json_array() -> None:
    assert format_update(ClusterUpdate(2, (1.5, -0.25), 10)) == "[2,[1.5,-0.25],10]"


def test_floats_round_trip_exactly() -> None:
    update = ClusterUpdate(0, (0.1, 1.0 / 3.0, 1e-300), 1)
    assert parse_update(format_update(update)) == update


def test_integer_center_values_and_string_ids_are_accepted() -> None:
    assert parse_update('["4",[1,2],3]') == ClusterUpdate(4, (1.0, 2.0), 3)


@pytest.mark.parametrize("message", ['[1,[1.0],"x"]', "[1,1.0,3]", "{}", "not json", "[1,[NaN],3]", "[true,[1],1]"])
def test_malformed_updates_raise_naming_the_message(message: str) -> None:
    with pytest.raises(ValueError, match="k-means UP"):
        parse_update(message)
