"""The batch layer's SQL files reach every install: a checkout reads ``sql/``, a wheel its installed copy."""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from oryx_assets import sql

REPO = Path(__file__).resolve().parents[3]


def test_every_sql_file_is_installed_by_the_wheel_at_its_relative_path() -> None:
    data_files = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    installed = {
        f"{target}/{Path(path).name}"
        for target, patterns in data_files.items()
        for pattern in patterns
        for path in glob.glob(pattern, root_dir=REPO)
    }
    in_checkout = {f"share/oryx-py/{path.relative_to(REPO).as_posix()}" for path in (REPO / "sql").rglob("*.sql")}
    assert in_checkout and installed == in_checkout


def test_load_sql_falls_back_to_the_installed_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed = tmp_path / "share" / "oryx-py" / "sql"
    (installed / "apps").mkdir(parents=True)
    (installed / "apps" / "only_installed.sql").write_text("SELECT 1")
    monkeypatch.setattr(sql, "sql_dirs", lambda: (tmp_path / "checkout" / "sql", installed))
    assert sql.load_sql.__wrapped__("apps/only_installed.sql") == "SELECT 1"
    with pytest.raises(FileNotFoundError, match=r"'apps/missing.sql' not found under .*checkout/sql or .*oryx-py/sql"):
        sql.load_sql.__wrapped__("apps/missing.sql")


def test_the_checkout_copy_wins() -> None:
    assert sql.sql_dirs()[0] == REPO / "sql"
    assert sql.load_sql("apps/als/rmse.sql") == (REPO / "sql" / "apps" / "als" / "rmse.sql").read_text()


def test_loads_a_statement_by_relative_path() -> None:
    assert "FROM {windows}" in sql.load_sql("lambda/past_input.sql")


def test_missing_file_is_named() -> None:
    with pytest.raises(FileNotFoundError, match="lambda/nope.sql"):
        sql.load_sql("lambda/nope.sql")


def _is_cached(frame: DataFrame) -> bool:
    """What Spark's cache manager holds for the frame (``DataFrame.is_cached`` is only a Python-side flag)."""
    return frame.storageLevel.useMemory or frame.storageLevel.useDisk


def test_a_cached_frame_passed_to_a_sql_file_stays_cached(spark: SparkSession) -> None:
    """PySpark's ``spark.sql(text, name=frame)`` uncaches ``frame`` when it drops its view; ``run_sql`` must not."""
    strengths = spark.createDataFrame(
        [("u1", "i1", 1.0), ("u2", "i1", 2.0)], "user string, item string, strength double"
    )
    cached = strengths.cache()
    try:
        assert cached.count() == 2 and _is_cached(cached)
        ids = sql.run_sql(spark, "apps/als/id_indices.sql", ids=cached.selectExpr("user AS id"))
        assert sorted(map(tuple, ids.collect())) == [("u1", 0), ("u2", 1)]
        summed = sql.run_sql(spark, "apps/als/rating_summary.sql", ratings=cached).collect()
        assert summed and _is_cached(cached)
        assert not [name for name in spark.catalog.listTables() if name.name.startswith("_oryx_")]
    finally:
        cached.unpersist()
