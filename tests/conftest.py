"""Shared test fixtures.

``backend`` runs a metric test on DuckDB (in memory) and on PySpark in local mode, with the
same expressions and the same expected values (design §6). One Spark session serves the whole
run (it takes ~9 s to start).
"""

from __future__ import annotations

import itertools
import os
import tempfile

import ibis
import pandas as pd
import pytest

BACKENDS = ("duckdb", "pyspark")
_counter = itertools.count()


class Backend:
    """Loads literal frames into a backend and returns Ibis tables."""

    def __init__(self, name: str, con):
        self.name = name
        self.con = con

    def table(self, df: pd.DataFrame, name: str | None = None):
        name = name or f"t_{next(_counter)}"
        if self.name == "pyspark":
            # Missing values as None, so Spark loads them as NULL (not the text "NaN").
            nullable = df.astype(object).where(df.notna(), None)
            return self.con.create_view(name, ibis.memtable(nullable), overwrite=True)
        return self.con.create_table(name, df, overwrite=True)

    def tables(self, **frames: pd.DataFrame) -> dict:
        return {key: self.table(df) for key, df in frames.items()}

    def execute(self, expr) -> pd.DataFrame:
        return self.con.execute(expr)


@pytest.fixture(scope="session")
def _spark_con():
    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)
    from pyspark.sql import SparkSession

    warehouse_dir = tempfile.mkdtemp(prefix="spark-warehouse-")
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("dashboard-tests")
        .config("spark.sql.warehouse.dir", warehouse_dir)
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(spark)
    spark.stop()


@pytest.fixture(params=BACKENDS)
def backend(request) -> Backend:
    if request.param == "pyspark":
        return Backend("pyspark", request.getfixturevalue("_spark_con"))
    return Backend("duckdb", ibis.duckdb.connect())


@pytest.fixture
def duck() -> Backend:
    """DuckDB only: for property tests (hypothesis runs many examples)."""
    return Backend("duckdb", ibis.duckdb.connect())
