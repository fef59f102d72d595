"""AppTest of every page in en and ru against one small demo database (built once per session).

Expected numbers are computed independently with DuckDB SQL on the same file, before the app
opens it, and compared with what the page shows.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import i18n
from warehouse import demo

ENTRY = str(pathlib.Path(__file__).resolve().parent.parent / "dashboard.py")
PAGES = ("overview", "meeting", "retention", "ltv", "nps", "managers", "service", "clients", "upload")
KPI_METRICS = ("revenue_amount", "margin_amount", "active_clients_count", "nps", "nrr",
               "churn_rate", "first_response_median_min", "missed_call_rate")
# st.metric labels each page must show (metric registry names).
PAGE_METRICS = {
    "overview": KPI_METRICS,
    "meeting": ("revenue_amount", "new_clients_count", "churned_clients_count", "complaints_count",
                "nps_change", "nps_score_effect", "nps_mix_effect"),
    "retention": ("nrr", "grr"),
    "ltv": (),
    "nps": ("nps", "nps_responses"),
    "managers": (),
    "service": ("first_response_median_min", "first_response_p90_min", "resolution_median_min",
                "sla_hit_rate", "missed_call_rate", "complaints_per_100"),
    "clients": ("top20_revenue_share", "gini", "clients_count", "revenue_amount"),
    "upload": (),
}
# UI words that must not survive in the Russian interface.
ENGLISH_WORDS = ("Overview", "Retention", "Managers", "Clients", "Upload", "Filters", "Revenue",
                 "Margin", "Manager", "Segment", "Team", "From", "Periods", "Months", "Something",
                 "Share", "Client", "Import", "Cohort", "Period", "minutes", "Promoters")


@pytest.fixture
def app(monkeypatch, demo_db, legacy_pages_off):
    monkeypatch.setenv("DASHBOARD_DB", str(demo_db["path"]))

    def open_page(page: str, lang: str = "en", **params) -> AppTest:
        at = AppTest.from_file(ENTRY, default_timeout=90)
        at.query_params["lang"] = lang
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, at.exception
        if page != "overview":
            at.switch_page(f"pages/{page}.py").run()
        return at

    return open_page


def _texts(at: AppTest) -> list[str]:
    """Every visible text: headings, captions, messages, metric labels, widget labels, charts."""
    out = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning",
                 "error", "success", "text"):
        out += [str(el.value) for el in at.get(kind)]
    out += [m.label for m in at.metric]
    for kind in ("selectbox", "multiselect", "date_input", "button_group", "segmented_control",
                 "button", "radio"):
        out += [str(getattr(el, "label", "")) for el in at.get(kind)]
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        out.append(layout.get("title", {}).get("text", ""))
        for axis in ("xaxis", "yaxis"):
            out.append(layout.get(axis, {}).get("title", {}).get("text", ""))
    return out


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(app, page, lang):
    at = app(page, lang)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == i18n.t(f"page.{page}.title", lang)
    labels = {m.label for m in at.metric}
    expected = {i18n.t(f"metric.{name}.label", lang) for name in PAGE_METRICS[page]}
    assert expected <= labels


@pytest.mark.parametrize("page", PAGES)
def test_page_in_russian_has_no_english_words(app, page):
    at = app(page, "ru")
    texts = " ".join(_texts(at))
    found = [word for word in ENGLISH_WORDS if f" {word} " in f" {texts} ".replace(",", " ")]
    assert found == []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_overview_revenue_matches_sql(app, demo_db, lang):
    at = app("overview", lang)
    label = i18n.t("metric.revenue_amount.label", lang)
    shown = next(m.value for m in at.metric if m.label == label)
    assert shown == i18n.fmt_money(demo_db["revenue"], lang, "RUB")


def test_overview_kpis_have_deltas_and_sparklines(app):
    at = app("overview")
    revenue = next(m for m in at.metric if m.label == i18n.t("metric.revenue_amount.label", "en"))
    assert revenue.delta
    assert len(revenue.proto.chart_data) > 1


def test_managers_filter_from_url_shows_only_that_managers_clients(app, demo_db):
    at = app("managers", filter_manager=demo_db["manager"])
    assert at.selectbox(key="manager").options == [demo_db["manager"]]
    clients = at.dataframe[-1].value
    names = set(clients[i18n.t("col.client_name", "en")])
    assert names == demo_db["managed"]
    assert not names & demo_db["others"]


def test_page_error_shows_translated_message_not_traceback(app, monkeypatch):
    import app_state

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app_state, "load_kpis", broken)
    at = app("overview", "ru")
    assert [e.value for e in at.error] == [i18n.t("app.error", "ru")]
    assert "secret detail" not in " ".join(_texts(at))


def test_page_run_in_legacy_mode_reroutes_through_the_entry_script(monkeypatch, demo_db):
    monkeypatch.setenv("DASHBOARD_DB", str(demo_db["path"]))
    at = AppTest.from_file(ENTRY, default_timeout=90)
    at.run()
    at.switch_page("pages/nps.py").run()  # AppTest starts this run in the legacy mode
    assert not at.exception
    assert at.title[0].value == i18n.t("page.nps.title", "en")
    assert at.sidebar.multiselect(key="filter_manager").label == i18n.t("filters.manager", "en")


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_empty_database_points_to_upload(empty_app, lang):
    at = empty_app("retention", lang)
    assert [i.value for i in at.info] == [i18n.t("app.empty", lang)]


# 3 clients: the import adds 3 rows; the same bytes a second time change nothing.
CLIENTS_CSV = (b"client_id,client_name,manager,segment\n"
               b"c1,Alpha LLC,Ivanova,SMB\nc2,Beta JSC,Ivanova,Enterprise\nc3,Gamma,Petrov,SMB\n")


def test_upload_imports_once_and_names_the_earlier_import(empty_app):
    at = empty_app("upload")
    at.file_uploader(key="upload_0").set_value([("clients.csv", CLIENTS_CSV, "text/csv")]).run()
    at.button(key="import_button").click().run()
    assert [s.value for s in at.success] == [i18n.t(
        "upload.committed", "en", file="clients.csv", table=i18n.t("table.clients", "en"),
        read=3, inserted=3, duplicate=0, rejected=0)]
    at.file_uploader(key="upload_1").set_value([("again.csv", CLIENTS_CSV, "text/csv")]).run()
    at.button(key="import_button").click().run()
    warning = at.warning[0].value
    assert warning.startswith("again.csv:") and "#1" in warning and "clients.csv" in warning
    assert at.dataframe[0].value[i18n.t("col.rows_inserted", "en")].tolist() == [3]


def _table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The last dataframe on the page that has ``column`` (pages show several)."""
    return next(df.value for df in reversed(at.dataframe) if column in df.value.columns)


def test_upload_rejects_are_translated(empty_app):
    at = empty_app("upload", "ru")
    bad = b"paid_at,client_id,amount\n2026-01-05,c1,100\n05.01.2026,c2,200\n"
    at.file_uploader(key="upload_0").set_value([("pay.csv", bad, "text/csv")]).run()
    at.button(key="import_button").click().run()
    assert len(at.error) == 1
    reasons = _table_with(at, i18n.t("col.reason", "ru"))[i18n.t("col.reason", "ru")].tolist()
    assert reasons == [i18n.t("upload.reason.bad_timestamp", "ru")]


def test_undo_removes_the_import(empty_app):
    at = empty_app("upload")
    at.file_uploader(key="upload_0").set_value([("clients.csv", CLIENTS_CSV, "text/csv")]).run()
    at.button(key="import_button").click().run()
    at.button(key="undo_1").click().run()
    assert at.dataframe[0].value[i18n.t("col.status", "en")].tolist() == ["imported"]
    at.button(key="confirm_undo_1").click().run()
    log = at.dataframe[0].value
    assert log[i18n.t("col.status", "en")].tolist() == ["undone"]


def _catalogue_file(lang: str) -> dict:
    path = pathlib.Path(ENTRY).parent / "i18n" / "catalog" / lang / "pages.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_pages_catalogue_has_the_same_keys_in_en_and_ru():
    assert set(_catalogue_file("en")) == set(_catalogue_file("ru"))


def test_every_literal_key_of_the_app_is_in_both_catalogues():
    import re

    root = pathlib.Path(ENTRY).parent
    sources = [root / "dashboard.py", *sorted((root / "app_state").glob("*.py")), *sorted((root / "pages").glob("*.py"))]
    keys = {key for path in sources
            for key in re.findall(r"""\bt[n]?\(\s*"([a-z0-9_.]+)"\s*,""", path.read_text(encoding="utf-8"))}
    assert len(keys) > 50
    missing = {lang: sorted(k for k in keys if not i18n.has(k, lang)) for lang in i18n.LANGS}
    assert missing == {"en": [], "ru": []}


def test_managers_filter_keeps_company_wide_comparison(app):
    # Alone in scope, a manager would be "balanced" against their own medians; the type must
    # stay the one they have among all managers.
    header = i18n.t("col.manager_type", "en")
    manager_column = i18n.t("col.manager", "en")
    everyone = app("managers").dataframe[0].value
    balanced = i18n.t("manager_type.ideal", "en")
    other = everyone[(everyone[header] != balanced) & (everyone[header] != i18n.MISSING)].iloc[0]
    scoped = app("managers", filter_manager=other[manager_column]).dataframe[0].value
    assert scoped[manager_column].tolist() == [other[manager_column]]
    assert scoped[header].tolist() == [other[header]]


def test_overview_churn_is_the_last_periods_rate_as_in_the_report(app, demo_db, tmp_path):
    """The Overview's churn card shows what `python -m metrics report` gives for the same window."""
    import datetime as dt
    import shutil

    import ibis

    from metrics.report import build_report

    copy = tmp_path / "copy.duckdb"  # the app process may already hold the file open
    shutil.copy(demo_db["path"], copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        last_day, = con.execute("SELECT max(paid_at)::DATE FROM payments").fetchone()
    finally:
        con.close()
    start = (last_day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for _ in range(10):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    backend = ibis.duckdb.connect(str(copy), read_only=True)
    try:
        expected = build_report(backend, start=start, end=last_day, grain="month")["kpis"]["churn_rate"]
    finally:
        backend.disconnect()
    at = app("overview")
    shown = next(m.value for m in at.metric if m.label == i18n.t("metric.churn_rate.label", "en"))
    assert shown == i18n.fmt_percent(expected, "en")


def _revenue_shown(at: AppTest) -> str:
    label = i18n.t("metric.revenue_amount.label", "en")
    return next(m.value for m in at.metric if m.label == label)


def test_an_import_and_an_undo_show_at_once_on_the_pages(empty_app):
    """Loaders are cached by data version: a new import or an undo is never served stale."""
    at = empty_app("upload")
    first = b"paid_at,client_id,amount\n2026-03-02,c1,100\n2026-03-09,c2,250\n"
    second = b"paid_at,client_id,amount\n2026-03-16,c3,50\n"
    at.file_uploader(key="upload_0").set_value([("week1.csv", first, "text/csv")]).run()
    at.button(key="import_button").click().run()
    at.switch_page("pages/overview.py").run()
    assert _revenue_shown(at) == i18n.fmt_money(350, "en", "RUB")
    at.run()  # a rerun with the same filters: the same figure
    assert _revenue_shown(at) == i18n.fmt_money(350, "en", "RUB")

    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_1").set_value([("week2.csv", second, "text/csv")]).run()
    at.button(key="import_button").click().run()
    at.switch_page("pages/overview.py").run()
    assert _revenue_shown(at) == i18n.fmt_money(400, "en", "RUB")  # 100 + 250 + 50

    at.switch_page("pages/upload.py").run()
    at.button(key="undo_2").click().run()
    at.button(key="confirm_undo_2").click().run()
    at.switch_page("pages/overview.py").run()
    assert _revenue_shown(at) == i18n.fmt_money(350, "en", "RUB")
    assert not at.exception


def test_dates_the_user_chose_stay_after_an_import(empty_app):
    at = empty_app("upload")
    at.file_uploader(key="upload_0").set_value(
        [("week1.csv", b"paid_at,client_id,amount\n2026-03-02,c1,100\n2026-03-09,c2,250\n", "text/csv")]).run()
    at.button(key="import_button").click().run()
    at.switch_page("pages/overview.py").run()
    at.date_input(key="filter_end").set_value(dt.date(2026, 3, 5)).run()  # kept in the URL
    assert _revenue_shown(at) == i18n.fmt_money(100, "en", "RUB")  # only 2 March is in the window
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_1").set_value(
        [("week2.csv", b"paid_at,client_id,amount\n2026-03-16,c3,50\n", "text/csv")]).run()
    at.button(key="import_button").click().run()
    at.switch_page("pages/overview.py").run()
    assert at.date_input(key="filter_end").value == dt.date(2026, 3, 5)
    assert _revenue_shown(at) == i18n.fmt_money(100, "en", "RUB")


def test_client_picker_searches_instead_of_listing_every_client(app, demo_db, monkeypatch):
    import streamlit as st

    import app_state

    at = app("clients")
    every = at.selectbox(key="client").options
    assert len(every) >= len(demo_db["managed"] | demo_db["others"]) > 10  # all 30: fewer than the cap
    name = sorted(demo_db["managed"])[0]
    at.text_input(key="client_search").input(name[1:5].upper()).run()  # any case, part of the name
    narrowed = at.selectbox(key="client").options
    assert name in narrowed and len(narrowed) < len(every)
    assert all(name[1:5].lower() in option.lower() for option in narrowed)

    monkeypatch.setattr(app_state, "CLIENT_CHOICES", 3)  # a big book: only the first few on offer
    st.cache_data.clear()
    at = app("clients")
    assert len(at.selectbox(key="client").options) == 3
    shown = [c.value for c in at.caption if c.value.startswith("Showing 3 of ")]
    assert shown == [f"Showing 3 of {len(every)} clients; type part of a name or id to find the others."]


def test_a_long_at_risk_list_draws_its_first_rows_and_downloads_them_all(app, monkeypatch):
    import app_state
    from app_state import downloads

    exported = {}
    original = downloads.download_buttons

    def counted(frame, columns, rows, name, lang):
        exported[name] = len(frame())  # what a click on a download would get
        assert rows == exported[name]
        return original(frame, columns, rows, name, lang)

    monkeypatch.setattr(downloads, "download_buttons", counted)
    monkeypatch.setattr(app_state, "TABLE_ROWS_SHOWN", 3)
    at = app("clients")
    table = _table_with(at, i18n.t("col.reasons", "en"))
    total = exported["clients_at_risk"]
    assert len(table) == 3 < total
    assert f"The table shows the first 3; the downloads hold all {total}." in [c.value for c in at.caption]


def _drawn(at: AppTest) -> dict:
    """The kinds of elements a first visit's Overview draws, counted (sidebar included)."""
    return {
        "titles": len(at.title), "cards": len(at.metric),
        "sparklines": sum(len(m.proto.chart_data) > 1 for m in at.metric),
        "plotly charts": len(at.get("plotly_chart")), "date inputs": len(at.date_input),
        "multiselects": len(at.multiselect), "segmented controls": len(at.get("button_group")),
    }


def test_the_first_page_benchmark_baseline_draws_what_the_overview_draws(app):
    """bench/bare_page.py (the first page's floor in bench/first_page.py) draws the same kinds
    and numbers of elements as the Overview of a first visit, from constants."""
    bare = AppTest.from_file(str(pathlib.Path(ENTRY).parent / "bench" / "bare_page.py"), default_timeout=30).run()
    assert not bare.exception
    drawn = _drawn(app("overview"))
    assert (drawn["cards"], drawn["sparklines"], drawn["plotly charts"]) == (8, 7, 1)
    assert _drawn(bare) == drawn
