"""Shared test fixtures.

``backend`` runs a metric test on DuckDB (in memory) and on PySpark in local mode, with the
same expressions and the same expected values (design §6). One Spark session serves the whole
run (it takes ~9 s to start).
"""

from __future__ import annotations

import itertools
import os
import pathlib
import tempfile

import duckdb
import ibis
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from warehouse import demo

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


# ---------------------------------------------------------------- AppTest of the dashboard

ENTRY = str(pathlib.Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture
def legacy_pages_off(monkeypatch):
    """Runs every AppTest run as a browser session runs after the process's first page.

    With a ``pages/`` folder next to the entry script, Streamlit runs the first script run of
    a process in its legacy multipage mode (the page file alone) until st.navigation is
    called once; AppTest resets that flag before *every* run. The app copes (see
    test_page_run_in_legacy_mode_reroutes_through_the_entry_script); the other tests look at
    the normal runs.
    """
    from streamlit.runtime import pages_manager

    original = pages_manager.PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        pages_manager.PagesManager.uses_pages_directory = False

    monkeypatch.setattr(pages_manager.PagesManager, "__init__", init)


@pytest.fixture
def empty_app(monkeypatch, tmp_path, legacy_pages_off):
    """open_page(page, lang) → an AppTest on that page of the app over an empty database."""
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "empty.duckdb"))

    def open_page(page: str, lang: str = "en") -> AppTest:
        at = AppTest.from_file(ENTRY, default_timeout=90)
        at.query_params["lang"] = lang
        at.run()
        if page != "overview":
            at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, at.exception
        return at

    return open_page


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """Path of a demo database and the numbers the tests expect from it (computed in SQL)."""
    path = tmp_path_factory.mktemp("app") / "demo.duckdb"
    demo.build_demo_db(path, interactions=3000, seed=7)
    con = duckdb.connect(str(path), read_only=True)
    try:
        # Default window: the 12 calendar months ending with the last payment's month,
        # through the last payment's day (inclusive).
        revenue, = con.execute("""
            WITH bounds AS (SELECT max(paid_at)::DATE AS last_day FROM payments)
            SELECT sum(amount) FROM payments, bounds
            WHERE paid_at >= date_trunc('month', last_day) - INTERVAL 11 MONTH
              AND paid_at < last_day + INTERVAL 1 DAY
        """).fetchone()
        manager, = con.execute("""
            SELECT manager FROM clients WHERE manager IS NOT NULL
            GROUP BY manager ORDER BY count(*), manager LIMIT 1
        """).fetchone()
        managed = {name for (name,) in con.execute(
            "SELECT client_name FROM clients WHERE manager = ?", [manager]).fetchall()}
        others = {name for (name,) in con.execute(
            "SELECT client_name FROM clients WHERE manager <> ?", [manager]).fetchall()}
    finally:
        con.close()
    return {"path": path, "revenue": revenue, "manager": manager, "managed": managed,
            "others": others - managed}


@pytest.fixture
def demo_copy(tmp_path, demo_db) -> pathlib.Path:
    """A private copy of the session's demo database, for tests that write to it."""
    import shutil

    path = tmp_path / "demo-copy.duckdb"
    shutil.copy(demo_db["path"], path)
    return path
