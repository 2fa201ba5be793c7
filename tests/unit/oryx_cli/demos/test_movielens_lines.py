"""MovieLens ratings.csv rows become ALS input lines with millisecond timestamps."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_cli.demos.als.data import movielens_lines, ratings_file
from oryx_cli.demos.datasets import default_movielens_dir


def test_rows_become_user_item_rating_milliseconds(tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n7,1029,3.0,851866703\n")
    assert list(movielens_lines(ratings)) == ["1,31,2.5,1260759144000", "7,1029,3.0,851866703000"]


def test_a_file_without_the_ratings_header_is_refused(tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("1,31,2.5,1260759144\n")
    with pytest.raises(ValueError, match="expected the header"):
        list(movielens_lines(ratings))


def test_the_directory_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORYX_DATA_DIR", str(tmp_path))
    assert ratings_file() == tmp_path / "movielens-latest-small" / "ratings.csv"
    monkeypatch.delenv("ORYX_DATA_DIR")
    assert default_movielens_dir().parts[-3:] == ("shared", "data", "movielens-latest-small")
