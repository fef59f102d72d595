"""Many sessions, one writer: the query timeout interrupts only its own cursor; concurrent
AppTest sessions importing at once give exact counts."""

from __future__ import annotations

import datetime as dt
import threading
import time

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import app_state
from tests.conftest import ENTRY

SLOW = "SELECT count(*) FROM range(4000000000) a WHERE a.range % 7 = 3"  # minutes if not stopped


def test_query_timeout_interrupts_its_cursor_only(tmp_path, monkeypatch):
    path = str(tmp_path / "t.duckdb")
    monkeypatch.setenv("DASHBOARD_DB", path)
    started = time.monotonic()
    with pytest.raises(duckdb.InterruptException):
        with app_state.cursor(path, timeout_s=0.5) as cur:
            cur.execute(SLOW).fetchall()
    assert time.monotonic() - started < 5
    with app_state.cursor(path, timeout_s=5) as other:  # the shared connection still serves
        assert other.execute("SELECT 40 + 2").fetchall() == [(42,)]


def _import(name: str, data: bytes, errors: list, ready: threading.Barrier) -> None:
    """One session's import through the Upload page's glue (plan, then import under the lock)."""
    from app_state import imports

    try:
        planned = imports.plan_upload_unmemoised(data, name)
        ready.wait(timeout=60)  # all sessions import at the same moment
        result, earlier = imports.run_import(data, name, planned, planned.mapping, accept_partial=False,
                                             imported_by=name)
        if earlier is not None or result.status != "committed":
            errors.append((name, result and result.message))
    except Exception as exc:  # reported below, with the file's name
        errors.append((name, repr(exc)))


def test_concurrent_sessions_importing_give_exact_counts(tmp_path, monkeypatch, legacy_pages_off):
    """Eight sessions import at once through the shared connection: every import commits once,
    the counts add up exactly, and the app then shows them all."""
    path = str(tmp_path / "c.duckdb")
    monkeypatch.setenv("DASHBOARD_DB", path)
    weeks = range(1, 9)
    files = {f"week{w}.csv": ("paid_at,client_id,amount\n" + "".join(
        f"2026-0{w}-{d:02d},c{w}-{d},{w * 100 + d}\n" for d in range(1, 11))).encode() for w in weeks}
    errors: list = []
    ready = threading.Barrier(len(files))
    threads = [threading.Thread(target=_import, args=(name, data, errors, ready)) for name, data in files.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    with app_state.cursor(path) as cur:
        assert cur.execute("SELECT count(*), sum(amount) FROM payments").fetchall() == [
            (80, sum(w * 100 + d for w in weeks for d in range(1, 11)))]
        assert cur.execute("SELECT count(*), sum(rows_inserted), count(DISTINCT imported_by) FROM imports "
                           "WHERE status = 'committed'").fetchall() == [(8, 80, 8)]
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.run()
    at.switch_page("pages/upload.py").run()
    log = next(df.value for df in at.dataframe if "Added" in df.value.columns)
    assert sorted(log["Added"].tolist()) == [10] * 8


def test_a_page_whose_query_runs_too_long_says_so_in_the_users_language(monkeypatch, tmp_path, legacy_pages_off):
    import dataclasses

    import i18n
    from warehouse import demo

    path = tmp_path / "slow.duckdb"
    demo.build_demo_db(path, interactions=3000, seed=7)
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    settings = dataclasses.replace(app_state.get_settings(), query_timeout_s=1)
    monkeypatch.setattr(app_state, "get_settings", lambda: settings)

    def slow_kpis(filters, version, settings):
        with app_state.scoped_tables(filters, version) as (backend, tables):
            backend.raw_sql(SLOW).fetchall()

    monkeypatch.setattr(app_state, "load_kpis", slow_kpis)
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.query_params["lang"] = "ru"
    started = time.monotonic()
    at.run()

    assert time.monotonic() - started < 30
    assert [e.value for e in at.error] == [i18n.t("app.query_timeout", "ru", seconds=1)]


def test_a_rerun_with_the_same_filters_never_recomputes_and_an_import_does(monkeypatch, tmp_path,
                                                                           legacy_pages_off):
    from warehouse import demo
    from warehouse.ingest import import_csv

    path = tmp_path / "cache.duckdb"
    demo.build_demo_db(path, interactions=3000, seed=7)
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    calls = []
    _counted(monkeypatch, calls, app_state, "_kpi_values", 1)

    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.run()
    first = len(calls)
    at.run()
    at.run()
    assert first > 0 and len(calls) == first  # two reruns, same filters: all from the cache
    with app_state.cursor(str(path)) as cur:  # a new import changes the data version
        import_csv(cur, b"paid_at,client_id,amount\n2026-11-02,new-client,10\n", file_name="new.csv")
    at.run()
    assert len(calls) == 2 * first


def test_a_new_import_shows_new_figures_at_once(monkeypatch, demo_copy):
    """The cached Overview figures of a window move by exactly the imported payment (derived
    tables and raw rows alike), and the same filters never serve the old cached result."""
    import datetime as dt

    from warehouse.ingest import import_csv, undo_import

    monkeypatch.setenv("DASHBOARD_DB", str(demo_copy))
    settings = app_state.get_settings()
    filters = app_state.Filters(dt.date(2026, 1, 1), dt.date(2026, 11, 23), "month")

    def revenue() -> tuple[float, float, int]:
        version = app_state.data_version()
        kpis = app_state.load_kpis(filters, version, settings).set_index("metric").value
        by_period = app_state.load_revenue_by_period(filters, version, settings)
        november = by_period.loc[pd.to_datetime(by_period.period) == pd.Timestamp("2026-11-01"),
                                 "revenue_amount"].sum()
        return kpis["revenue_amount"], november, int(kpis["active_clients_count"])

    before = revenue()
    with app_state.cursor(str(demo_copy)) as cur:
        result = import_csv(cur, b"paid_at,client_id,amount\n2026-11-02,brand-new-client,1234.5\n",
                            file_name="new.csv")
    after = revenue()
    assert after[0] == pytest.approx(before[0] + 1234.5)
    assert after[1] == pytest.approx(before[1] + 1234.5)
    assert after[2] == before[2] + 1
    with app_state.cursor(str(demo_copy)) as cur:
        undo_import(cur, result.import_id)
    assert revenue() == pytest.approx(before)


@pytest.mark.parametrize("grain, start, end", [
    ("month", dt.date(2026, 1, 1), dt.date(2026, 11, 23)),   # the window starts a period
    ("week", dt.date(2026, 3, 18), dt.date(2026, 9, 9)),     # mid-week on both sides
    ("month", dt.date(2026, 6, 3), dt.date(2026, 6, 20)),    # inside one month: both ends in it
])
def test_the_churn_kpis_are_each_windows_last_period_from_the_trends_query(monkeypatch, demo_copy, grain, start, end):
    """load_kpis takes the window's and the previous window's churn rate from the one churn
    query it shares with load_kpi_trend: each equals metrics.churn_of_last_period over its own
    window (an independent query), the trend keeps the window's periods only, and the churn
    query runs once for both loaders."""
    import shutil

    import ibis

    from metrics import churn
    from metrics._time import periods_between

    monkeypatch.setenv("DASHBOARD_DB", str(demo_copy))
    settings = app_state.get_settings()
    filters = app_state.Filters(start, end, grain)
    _clear_caches()
    queries = []
    _counted(monkeypatch, queries, churn, "churn_by_period", 1)
    version = app_state.data_version()
    kpis = app_state.load_kpis(filters, version, settings).set_index("metric")
    trend = app_state.load_kpi_trend(filters, version, settings)
    assert len(queries) == 1
    assert list(pd.to_datetime(trend.period)) == [pd.Timestamp(p) for p in periods_between(start, end, grain)]
    oracle = demo_copy.with_name("oracle.duckdb")  # the app's connection holds the file open
    shutil.copy(demo_copy, oracle)
    backend = ibis.duckdb.connect(str(oracle), read_only=True)
    try:
        tables = {name: backend.table(name) for name in ("payments", "clients")}
        for window, column in ((filters, "value"), (filters.previous(), "previous_value")):
            expected = backend.execute(churn.churn_of_last_period(
                tables["payments"], tables["clients"], grain=grain, start=window.start, end=window.end,
                churn_after_days=settings.churn_after_days))["churn_rate"].iloc[0]
            assert kpis.loc["churn_rate", column] == pytest.approx(expected)
    finally:
        backend.disconnect()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_warmed_first_page_computes_nothing_on_the_first_visit(monkeypatch, demo_copy, legacy_pages_off, lang):
    """app_state.warmup (run by `make run` as the server starts) fills exactly the cache entries
    a first visit reads: the Overview then runs no KPI query at all, in either language."""
    from app_state import warmup

    monkeypatch.setenv("DASHBOARD_DB", str(demo_copy))
    _clear_caches()
    computed = []
    _counted(monkeypatch, computed, app_state, "_kpi_values", 1)
    assert warmup.warm_first_page() == 3 * 2  # three loaders, two languages
    assert len(computed) == 2  # load_kpis: the window and the one before, once for both languages
    computed.clear()

    at = AppTest.from_file(ENTRY, default_timeout=90)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception and len(at.metric) == 8
    assert computed == []  # every KPI card came from the warmed cache

    _clear_caches()  # the mutation check: without the warm-up the same visit computes
    at = AppTest.from_file(ENTRY, default_timeout=90)
    at.query_params["lang"] = lang
    at.run()
    assert len(computed) == 2


def test_a_warmed_meeting_computes_nothing_on_its_first_visit(monkeypatch, demo_copy, legacy_pages_off):
    """warm_meeting fills what the Meeting page reads first: its week's KPIs and the at-risk
    list are then not computed by the visit (and are without the warm-up)."""
    from app_state import meeting, warmup

    monkeypatch.setenv("DASHBOARD_DB", str(demo_copy))
    _clear_caches()
    computed = []
    _counted(monkeypatch, computed, meeting, "_week_values", "kpis")
    _counted(monkeypatch, computed, app_state, "_reasons_text", "risk")
    assert warmup.warm_meeting(("en",)) == 1
    assert computed.count("risk") == 1 and computed.count("kpis") == 5  # this week and the 4 before
    computed.clear()

    def visit() -> AppTest:
        at = AppTest.from_file(ENTRY, default_timeout=90)
        at.query_params["lang"] = "en"
        at.run()
        at.switch_page("pages/meeting.py").run()
        assert not at.exception and at.metric
        return at

    visit()
    assert computed == []
    _clear_caches()
    visit()
    assert sorted(set(computed)) == ["kpis", "risk"]


def test_numbers_are_computed_once_for_both_languages_and_reasons_worded_in_each(monkeypatch, demo_copy):
    """A loader's numbers do not depend on the viewer's language: an English and a Russian
    visit share one computation (KPIs, the at-risk rows); what is in words (the at-risk
    reasons) comes in each language."""
    import dataclasses
    import re

    from metrics import risk

    monkeypatch.setenv("DASHBOARD_DB", str(demo_copy))
    _clear_caches()
    computed = []
    _counted(monkeypatch, computed, app_state, "_kpi_values", "kpis")
    _counted(monkeypatch, computed, risk, "at_risk_clients", "risk")
    settings, version = app_state.get_settings(), app_state.data_version()
    en = app_state.default_filters(app_state.load_options(version, None), "en", settings)
    ru = dataclasses.replace(en, lang="ru")
    kpis = {lang: app_state.load_kpis(f, version, settings) for lang, f in (("en", en), ("ru", ru))}
    risks = {lang: app_state.load_at_risk(f, version, settings) for lang, f in (("en", en), ("ru", ru))}
    assert computed == ["kpis", "kpis", "risk"]  # two windows of KPIs and the at-risk rows, once
    pd.testing.assert_frame_equal(kpis["en"], kpis["ru"])
    pd.testing.assert_frame_equal(risks["en"].drop(columns="reasons"), risks["ru"].drop(columns="reasons"))
    assert len(risks["en"]) > 0
    assert all(re.search("[a-z]", text) and not re.search("[а-я]", text) for text in risks["en"].reasons)
    assert all(re.search("[а-я]", text) for text in risks["ru"].reasons)


def test_warm_up_does_nothing_on_an_empty_database_or_without_cache(monkeypatch, tmp_path):
    from app_state import warmup

    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "empty.duckdb"))
    assert (warmup.warm_first_page(), warmup.warm_meeting()) == (0, 0)
    monkeypatch.setenv("DASHBOARD_NO_CACHE", "1")
    assert (warmup.warm_first_page(), warmup.warm_meeting()) == (0, 0)


def test_a_new_data_version_drops_older_results_and_warms_the_new_one(monkeypatch, demo_copy):
    """After an import (any session's), the first data_version() that sees it drops every
    cached loader result of the older version and, under the server, warms the first page for
    the new one in the background: the next visit computes nothing, a question about the old
    version computes again (it is no longer held)."""
    from app_state import warmup
    from warehouse.ingest import import_csv

    monkeypatch.setenv("DASHBOARD_DB", str(demo_copy))
    monkeypatch.setitem(warmup._rewarm, "enabled", True)
    _clear_caches()
    computed = []
    _counted(monkeypatch, computed, app_state, "_kpi_values", 1)
    settings = app_state.get_settings()

    def first_visit(version):
        filters = app_state.default_filters(app_state.load_options(version, None), "en", settings)
        return app_state.load_kpis(filters, version, settings)

    old = app_state.data_version()
    assert warmup._rewarm["worker"] is None  # the first version seen is not a change
    before = first_visit(old)
    assert len(computed) == 2  # this window and the one before
    with app_state.cursor(str(demo_copy)) as cur:
        import_csv(cur, b"paid_at,client_id,amount\n2026-11-02,brand-new-client,1234.5\n", file_name="new.csv")
    new = app_state.data_version()
    assert new.number > old.number
    worker = warmup._rewarm["worker"]
    assert worker is not None
    worker.join(timeout=120)
    assert not worker.is_alive() and warmup._rewarm["worker"] is None

    computed.clear()
    after = first_visit(new)
    assert computed == []  # warmed for the new version
    assert after.set_index("metric").value["revenue_amount"] == pytest.approx(
        before.set_index("metric").value["revenue_amount"] + 1234.5)
    first_visit(old)
    assert len(computed) == 2  # the old version's result was dropped, not kept beside the new


def test_changes_during_a_warm_make_one_more_warm_never_two_at_once(monkeypatch):
    """Re-warming runs in one thread: changes noticed while it works make it warm once more
    when done (not a second thread, not once per change); off, nothing runs."""
    from app_state import warmup

    release, calls, running = threading.Event(), [], []

    def fake_warm(*_):
        running.append(1)
        assert len(running) == 1  # never two warms at once
        calls.append(1)
        release.wait(timeout=30)
        running.pop()
        return 1

    monkeypatch.setattr(warmup, "warm_first_page", fake_warm)
    monkeypatch.setattr(warmup, "warm_meeting", lambda *_: 0)
    assert warmup.after_change() is None and calls == []  # off unless the server turned it on
    monkeypatch.setitem(warmup._rewarm, "enabled", True)
    worker = warmup.after_change()
    deadline = time.monotonic() + 10
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert warmup.after_change() is worker and warmup.after_change() is worker  # two more changes
    release.set()
    worker.join(timeout=30)
    assert not worker.is_alive() and len(calls) == 2  # the first warm and one more for both
    later = warmup.after_change()
    later.join(timeout=30)
    assert later is not worker and len(calls) == 3


def _counted(monkeypatch, calls: list, owner, name: str, label) -> None:
    """``owner.name`` works as before and appends ``label`` to ``calls`` each time it runs."""
    original = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *a, **k: calls.append(label) or original(*a, **k))


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()


def test_loaders_run_side_by_side_and_come_back_in_their_order():
    second_ran = threading.Event()

    def first():
        assert second_ran.wait(10)  # set only if the second runs while the first waits
        return "first"

    def second():
        second_ran.set()
        return "second"

    assert app_state.concurrently(first, second, lambda: "third") == ["first", "second", "third"]


def test_a_loader_that_fails_fails_the_page_once_the_others_are_done():
    done = []

    def fails():
        raise ValueError("boom")

    def slow():
        time.sleep(0.2)
        done.append("slow")
        return 1

    with pytest.raises(ValueError, match="boom"):
        app_state.concurrently(fails, slow)
    assert done == ["slow"]


def test_loaders_side_by_side_see_the_page_runs_context():
    def script():
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        import app_state

        ours = get_script_run_ctx()
        seen = [*app_state.concurrently(get_script_run_ctx, get_script_run_ctx),
                app_state.in_background(get_script_run_ctx).result()]
        st.write(f"same context: {all(ctx is ours for ctx in seen) and ours is not None}")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert not at.exception and [m.value for m in at.markdown] == ["same context: True"]


def test_a_slow_loader_started_in_the_background_runs_while_the_page_goes_on(monkeypatch):
    page_went_on = threading.Event()

    def slow():
        assert page_went_on.wait(10)  # set only if the page goes on while this runs
        return threading.current_thread().name

    later = app_state.in_background(slow)
    page_went_on.set()
    assert later.result(timeout=10) == "loader-background"

    def fails():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        app_state.in_background(fails).result(timeout=10)
    monkeypatch.setattr(app_state, "LOADER_THREADS", 1)  # one at a time: computed at once, here
    assert app_state.in_background(lambda: threading.current_thread().name).result() == "MainThread"


def test_managed_facts_follow_the_data_version(monkeypatch, demo_copy):
    """The scorecard leaves out the book fallback only while every stored interaction / NPS
    response names its manager: asked per data version, so an import of a contact without a
    manager turns it back on for the new version — and that contact counts for its client's
    book manager."""
    from warehouse.ingest import import_csv

    monkeypatch.setenv("DASHBOARD_DB", str(demo_copy))
    _clear_caches()
    old = app_state.data_version()
    settings = app_state.get_settings()
    filters = app_state.default_filters(app_state.load_options(old, None), "en", settings)
    window = {"start": dt.datetime.combine(filters.start, dt.time()), "end": dt.datetime.combine(filters.end, dt.time())}
    with app_state.cursor(str(demo_copy)) as cur:
        nulls = cur.execute("SELECT (SELECT count(*) FROM interactions WHERE manager IS NULL),"
                            " (SELECT count(*) FROM nps_responses WHERE manager IS NULL)").fetchall()[0]
        client, owner = cur.execute("SELECT client_id, manager FROM clients WHERE manager IS NOT NULL"
                                    " ORDER BY client_id LIMIT 1").fetchall()[0]
        # the owner's own contacts of the window (the demo's contacts all name their manager)
        contacts, complaints = cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE kind = 'complaint') FROM interactions"
            " WHERE manager = $owner AND occurred_at >= $start AND occurred_at < $end",
            {"owner": owner, **window}).fetchall()[0]
    assert nulls[0] == 0
    assert app_state.managed_facts(old) == {"interactions_managed": True, "nps_managed": nulls[1] == 0}
    before = app_state.load_scorecard(filters, old)["rows"].set_index("manager")
    assert before.loc[owner, "complaints_per_100"] == pytest.approx(100 * complaints / contacts)

    day = filters.end - dt.timedelta(days=1)
    with app_state.cursor(str(demo_copy)) as cur:
        import_csv(cur, (f"interaction_id,occurred_at,client_id,manager,channel,direction,kind\n"
                         f"no-manager-1,{day} 10:00:00,{client},,chat,inbound,complaint\n").encode(),
                   file_name="orphan.csv")
    new = app_state.data_version()
    assert app_state.managed_facts(new)["interactions_managed"] is False
    after = app_state.load_scorecard(filters, new)["rows"].set_index("manager")
    # the complaint without a manager went to the client's book manager
    assert after.loc[owner, "complaints_per_100"] == pytest.approx(100 * (complaints + 1) / (contacts + 1))
