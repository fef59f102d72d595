"""Page compute timing: every page's loaders (the functions the page calls, with the filters a
fresh visit has), cold, uncached and cached, on a bench database of N interactions.

    python -m bench.pages --interactions 1000000 --repeat 5

Prints JSON: per page the median seconds of ``repeat`` runs after one warm-up: ``cold`` (every
Streamlit cache and every SQL template cleared: a server's first visit), ``uncached`` (results
cleared, SQL templates kept: the first visit after an import, or of another window) and
``cached`` (the same call again), and the process's peak RSS while serving them; the whole page
script as the server runs it (``script_uncached_s`` / ``script_cached_s``: loaders, chart
builders, tables and widgets, through Streamlit's AppTest, no browser); then the
Overview's metric families computed by two baselines in the same process on the same data
(bench/baselines.py: hand-written DuckDB SQL, and pandas — loading the frames, then computing),
their medians, the ratios to the app's uncached and cold Overview, and whether all three give
the same numbers. The database is bench/out/<N>/bench.duckdb (built by ``python -m bench
report`` / ``all`` through the app's import path when missing).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

# page → its steps, in order; a step is the loaders the page runs side by side, as
# app_state.concurrently runs them (two at a time, in order: a page that starts one loader with
# app_state.in_background and runs the others meanwhile is the same schedule), each as (loader,
# extra arguments after (filters, version));
# "settings", "manager", "client", "week" are filled in at run time, anything else is passed as it is.
PAGES = {
    "overview": [(("load_kpis", ("settings",)), ("load_kpi_trend", ("settings",))),
                 (("load_revenue_by_period", ("settings",)),)],
    "retention": [(("load_nrr_grr", ()),), (("load_retention", ("logo",)),)],
    "ltv": [(("load_ltv_distribution", ("margin", "settings")), ("load_ltv_curves", ("margin", "settings")),
             ("load_top_clients", ("margin", "settings")))],
    "nps": [(("load_nps", ()),)],
    "managers": [(("load_growth_index", ()), ("load_scorecard", ())), (("load_manager_clients", ("manager",)),)],
    "service": [(("load_service", ("settings",)),)],
    "clients": [(("load_at_risk", ("settings",)), ("load_concentration", ())), (("load_client_list", ("",)),),
                (("load_client_detail", ("client",)),)],
    # app_state.meeting.build_snapshot's loaders, as it runs them (the decisions aside)
    "meeting": [(("meeting.week_numbers", ("settings", "week")),)],
}


def _context(db: Path):
    """(filters, version, settings, a manager, a client) as a fresh visit of the app would have."""
    import app_state

    os.environ["DASHBOARD_DB"] = str(db)
    settings = app_state.get_settings()
    version = app_state.data_version()
    options = app_state.load_options(version)
    filters = app_state.default_filters(options, "en", settings)
    with app_state.cursor() as cur:
        (manager,), = cur.execute("SELECT manager FROM clients WHERE manager IS NOT NULL LIMIT 1").fetchall()
        (client,), = cur.execute("SELECT client_id FROM payments ORDER BY paid_at DESC LIMIT 1").fetchall()
    from app_state import meeting

    week = meeting.default_week(options)
    return filters, version, {"settings": settings, "manager": manager, "client": client, "week": week}


def run_page(page: str, filters, version, values: dict) -> list:
    """What the page's loaders return, in the order of PAGES[page], each step's loaders run
    side by side as the page runs them."""
    import functools

    import app_state

    import app_state.meeting  # noqa: F401 (the meeting's loaders: app_state.meeting.load_*)

    results = []
    for step in PAGES[page]:
        calls = []
        for loader, extra in step:
            target = app_state
            for part in loader.split("."):
                target = getattr(target, part)
            calls.append(functools.partial(target, filters, version, *(values.get(a, a) for a in extra)))
        results.extend(app_state.concurrently(*calls))
    return results


def measure(db: Path, repeat: int) -> dict:
    import streamlit as st

    from warehouse import sqltemplates

    filters, version, values = _context(db)
    out = {}
    for page in PAGES:
        st.cache_data.clear()
        run_page(page, filters, version, values)  # warm-up (DuckDB's buffers)
        cold, uncached, cached = [], [], []
        for _ in range(repeat):
            st.cache_data.clear()
            sqltemplates.clear()
            t0 = time.perf_counter()
            run_page(page, filters, version, values)
            cold.append(time.perf_counter() - t0)
            st.cache_data.clear()
            t0 = time.perf_counter()
            run_page(page, filters, version, values)
            uncached.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            run_page(page, filters, version, values)
            cached.append(time.perf_counter() - t0)
        out[page] = {"uncached_s": round(statistics.median(uncached), 3),
                     "cold_s": round(statistics.median(cold), 3),
                     "cached_s": round(statistics.median(cached), 4)}
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def _app_test(page: str):
    """An AppTest of the app opened on ``page`` in English, its first visit done (the pages
    are run as a browser session runs them after a server's first page; see
    tests/conftest.py legacy_pages_off)."""
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import AppTest

    if not getattr(pages_manager.PagesManager, "_bench_patched", False):
        original = pages_manager.PagesManager.__init__

        def init(self, *args, **kwargs):
            original(self, *args, **kwargs)
            pages_manager.PagesManager.uses_pages_directory = False

        pages_manager.PagesManager.__init__ = init
        pages_manager.PagesManager._bench_patched = True
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=600)
    at.query_params["lang"] = "en"
    return at


def _script_run(at, page: str) -> float:
    t0 = time.perf_counter()
    if page == "overview":
        at.run()
    else:
        at.switch_page(f"pages/{page}.py").run()
    elapsed = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception}")
    return elapsed


def measure_scripts(db: Path, repeat: int) -> dict:
    """Every page's whole script run on the server (AppTest: loaders, chart builders, tables,
    widgets; no browser): ``uncached`` with the results cleared (SQL templates kept), ``cached``
    a rerun of the same page. Medians of ``repeat`` after a warm-up."""
    import streamlit as st

    os.environ["DASHBOARD_DB"] = str(db)
    out = {}
    for page in PAGES:
        uncached, cached = [], []
        for run in range(repeat + 1):
            at = _app_test(page)
            at.run()  # the first visit (the Overview), as a browser's session starts
            st.cache_data.clear()
            first = _script_run(at, page)
            again = _script_run(at, page)
            if run:  # the first round is the warm-up
                uncached.append(first)
                cached.append(again)
        out[page] = {"script_uncached_s": round(statistics.median(uncached), 3),
                     "script_cached_s": round(statistics.median(cached), 3)}
    return out


def _median_of(repeat: int, fn, *args) -> tuple[float, object]:
    result = fn(*args)  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def measure_baselines(db: Path, repeat: int, overview_s: float, overview_cold_s: float) -> dict:
    """The Overview's figures by the app (uncached), hand-written SQL and pandas; medians and ratios."""
    import streamlit as st

    import app_state
    from bench import baselines

    filters, version, values = _context(db)
    settings = values["settings"]
    st.cache_data.clear()
    ours = baselines.overview_ours(app_state.load_kpis(filters, version, settings),
                                   app_state.load_kpi_trend(filters, version, settings))
    with app_state.cursor() as cur:
        sql_s, sql = _median_of(repeat, baselines.overview_sql, cur, filters.start, filters.end)
        load_s, frames = _median_of(repeat, baselines.load_frames, cur)
    pandas_s, by_pandas = _median_of(repeat, baselines.overview_pandas, frames, filters.start, filters.end)
    differ = baselines.differences(ours, sql) + baselines.differences(ours, by_pandas)
    return {
        "overview_uncached_s": overview_s, "overview_cold_s": overview_cold_s,
        "sql_s": round(sql_s, 3), "sql_over_ours": round(sql_s / overview_s, 2),
        "sql_over_ours_cold": round(sql_s / overview_cold_s, 2),
        "pandas_load_s": round(load_s, 3), "pandas_compute_s": round(pandas_s, 3),
        "pandas_compute_over_ours": round(pandas_s / overview_s, 2),
        "pandas_end_to_end_over_ours": round((load_s + pandas_s) / overview_s, 2),
        "pandas_end_to_end_over_ours_cold": round((load_s + pandas_s) / overview_cold_s, 2),
        "all_agree": not differ, "differences": differ[:10],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-baselines", action="store_true", help="page timings only")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import run

    db = run.bench_database(args.interactions, args.seed)
    pages = measure(db, args.repeat)
    for page, timings in measure_scripts(db, args.repeat).items():
        pages[page].update(timings)
    result = {"interactions": args.interactions, "repeat": args.repeat, "pages": pages}
    if not args.no_baselines:
        result["overview_baselines"] = measure_baselines(db, args.repeat, pages["overview"]["uncached_s"],
                                                          pages["overview"]["cold_s"])
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
