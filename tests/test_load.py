"""The load harness (bench/load.py) against a real `streamlit run`: viewers on every page while
an importer uploads through the Upload page — no errors, every page served, every import in."""

from __future__ import annotations

import asyncio

from bench import load
from warehouse import demo
from warehouse.connection import connect


def test_load_harness_smoke(tmp_path):
    db = tmp_path / "load.duckdb"
    demo.build_demo_db(db, interactions=3000, seed=7)

    with load.streamlit_server(db, log_path=tmp_path / "streamlit.log") as url:
        # every page once per viewer and one upload, however slow the machine (bounded by 240 s)
        result = asyncio.run(load.load(url, sessions=2, importers=1, seconds=240, rounds=1))

    assert result["errors"] == 0, result["error_samples"]
    assert set(load.VIEW_PAGES) <= set(result["pages"])
    assert result["imports"] == 1 and result["runs"] == 2 * len(load.VIEW_PAGES) + 1
    con = connect(db)
    try:
        committed = con.execute("SELECT count(*), sum(rows_inserted) FROM imports "
                                "WHERE file_name LIKE 'load-%' AND status = 'committed'").fetchall()
    finally:
        con.close()
    assert committed == [(result["imports"], 20 * result["imports"])]
