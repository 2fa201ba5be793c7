"""SQL text is found under <repo>/sql/ at run time."""

from __future__ import annotations

import pytest

from oryx_assets.sql import load_sql


def test_loads_a_statement_by_relative_path() -> None:
    assert "FROM {windows}" in load_sql("lambda/past_input.sql")


def test_missing_file_is_named() -> None:
    with pytest.raises(FileNotFoundError, match="lambda/nope.sql"):
        load_sql("lambda/nope.sql")
