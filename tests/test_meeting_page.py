"""AppTest of the weekly meeting: the default week, the week's KPIs and deltas against SQL, the
bridge drill-down, presentation navigation by URL and buttons, the frozen snapshot, decisions
recorded in one meeting and checked in the next."""

from __future__ import annotations

import datetime as dt
import pytest
from streamlit.testing.v1 import AppTest

import app_state.meeting
import i18n
from app_state.safe_text import plain
from tests.conftest import ENTRY
from warehouse.connection import connect
from warehouse.decisions import week_of, week_start


@pytest.fixture
def db(demo_copy):
    return demo_copy


@pytest.fixture
def meeting(monkeypatch, db, legacy_pages_off):
    monkeypatch.setenv("DASHBOARD_DB", str(db))

    def open_meeting(lang: str = "en", **params) -> AppTest:
        at = AppTest.from_file(ENTRY, default_timeout=120)
        at.query_params["lang"] = lang
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        at.switch_page("pages/meeting.py").run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        return at

    return open_meeting


def sql(db, query: str, params=None):
    con = connect(db)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def last_complete_week(db) -> str:
    (last,), = sql(db, "SELECT max(paid_at)::DATE FROM payments")
    return week_of(last - dt.timedelta(days=(last.weekday() + 1) % 7))


def week_revenue(db, week: str, back: int = 0) -> float:
    monday = week_start(week) - dt.timedelta(days=7 * back)
    (value,), = sql(db, "SELECT coalesce(sum(amount), 0) FROM payments WHERE paid_at >= ? AND paid_at < ?",
                    [monday, monday + dt.timedelta(days=7)])
    return value


def metric_value(at: AppTest, name: str, lang: str = "en"):
    return next(m for m in at.metric if m.label == i18n.t(f"metric.{name}.label", lang))


def test_default_week_is_the_last_complete_one_and_revenue_matches_sql(meeting, db):
    at = meeting()
    week = last_complete_week(db)
    assert at.sidebar.selectbox(key="meeting_week").value == week
    assert at.query_params["week"] == [week] or at.query_params["week"] == week
    revenue = metric_value(at, "revenue_amount")
    this, last = week_revenue(db, week), week_revenue(db, week, 1)
    assert revenue.value == i18n.fmt_money(this, "en", "RUB")
    assert revenue.delta == i18n.fmt_metric_change("revenue_amount", this - last, "en", "RUB")


def test_week_from_the_url_and_russian(meeting, db):
    week = week_of(week_start(last_complete_week(db)) - dt.timedelta(days=14))
    at = meeting("ru", week=week)
    assert at.sidebar.selectbox(key="meeting_week").value == week
    assert metric_value(at, "revenue_amount", "ru").value == i18n.fmt_money(week_revenue(db, week), "ru", "RUB")
    assert at.title[0].value == i18n.t("page.meeting.title", "ru")


def test_drill_down_lists_the_new_clients_of_the_bridge(meeting, db):
    at = meeting()
    week = last_complete_week(db)
    monday = week_start(week)
    new = {name for (name,) in sql(db, """
        WITH w AS (SELECT client_id,
                          sum(amount) FILTER (WHERE paid_at >= $cur AND paid_at < $end) AS cur,
                          sum(amount) FILTER (WHERE paid_at >= $prev AND paid_at < $cur) AS prev
                   FROM payments GROUP BY client_id)
        SELECT c.client_name FROM w JOIN clients c USING (client_id)
        WHERE coalesce(prev, 0) <= 0 AND coalesce(cur, 0) > 0""",
        {"prev": monday - dt.timedelta(days=7), "cur": monday, "end": monday + dt.timedelta(days=7)})}
    at.selectbox(key="drill_component").set_value("new").run()
    table = next(df.value for df in at.dataframe if i18n.t("col.change_amount", "en") in df.value.columns)
    assert set(table[i18n.t("col.client_name", "en")]) == new


def test_presentation_walks_slides_by_buttons_and_url(meeting):
    at = meeting(present="1")
    assert at.title[0].value == i18n.t("meeting.slide.agenda", "en")
    at.button(key="slide_next").click().run()
    assert at.title[0].value == i18n.t("meeting.slide.kpis", "en") and at.query_params["slide"] in (["2"], "2")
    at.button(key="slide_next").click().run()
    assert at.title[0].value == i18n.t("meeting.slide.changes", "en")
    at.button(key="slide_prev").click().run()
    assert at.title[0].value == i18n.t("meeting.slide.kpis", "en")
    last = meeting(present="1", slide="99")  # past the end: the last slide, Decisions
    assert last.title[0].value == i18n.t("meeting.slide.decisions", "en")
    assert last.button(key="slide_next").disabled


def test_presentation_numbers_stay_frozen_until_new_data_is_asked_for(meeting, db):
    week = last_complete_week(db)
    at = meeting(present="1", slide="2")
    before = metric_value(at, "revenue_amount").value
    con = connect(db)  # another session imports a payment into that week while the meeting runs
    try:
        from warehouse.ingest import import_csv

        paid = week_start(week) + dt.timedelta(days=2)
        import_csv(con, f"paid_at,client_id,amount\n{paid},late-client,1000\n".encode(), file_name="late.csv")
    finally:
        con.close()
    at.run()
    assert metric_value(at, "revenue_amount").value == before
    at.button(key="slide_refresh").click().run()
    after = metric_value(at, "revenue_amount").value
    assert after == i18n.fmt_money(week_revenue(db, week), "en", "RUB") != before


def test_a_decision_recorded_in_one_meeting_is_checked_in_the_next(meeting, db):
    this_week = last_complete_week(db)
    earlier = week_of(week_start(this_week) - dt.timedelta(days=7))
    at = meeting(present="1", slide="99", week=earlier)
    at.segmented_control(key="decision_kind").set_value("metric").run()
    at.selectbox(key="decision_subject_metric").set_value("revenue_amount").run()
    at.text_input(key="decision_owner").input("Анна").run()
    at.text_area(key="decision_body").input("Call every detractor within a day").run()
    at.button(key="decision_record").click().run()
    recorded = next(df.value for df in at.table if i18n.t("col.body", "en") in df.value.columns)  # a slide: st.table
    assert recorded[i18n.t("col.body", "en")].tolist() == ["Call every detractor within a day"]

    (baseline,), = sql(db, "SELECT baseline_value FROM decisions")
    assert baseline == pytest.approx(week_revenue(db, earlier))  # the metric's value when decided
    nxt = meeting(present="1", slide="99", week=this_week)
    check = next(df.value for df in nxt.table if i18n.t("col.since", "en") in df.value.columns)
    assert check[i18n.t("col.owner", "en")].tolist() == ["Анна"]
    now = week_revenue(db, this_week)
    assert check[i18n.t("col.since", "en")].tolist() == [plain(i18n.t(
        "meeting.since", "en", metric=i18n.t("metric.revenue_amount.label", "en"),
        then=i18n.fmt_money(baseline, "en", "RUB"), now=i18n.fmt_money(now, "en", "RUB"),
        change=i18n.fmt_metric_change("revenue_amount", now - baseline, "en", "RUB")))]
    agenda = meeting(present="1", slide="1", week=this_week)  # the next meeting opens with it
    opening = next(df.value for df in agenda.table if i18n.t("col.since", "en") in df.value.columns)
    assert opening[i18n.t("col.body", "en")].tolist() == ["Call every detractor within a day"]
    nxt.button(key="decision_done_1").click().run()
    assert sql(db, "SELECT status, closed_by FROM decisions") == [("done", "local")]


def test_risk_weights_are_settings_and_the_score_follows_them(meeting, db, monkeypatch):
    import dataclasses

    import app_state

    settings = dataclasses.replace(app_state.get_settings(), risk_weights=(("no_contact", 2.5), ("open_complaint", 0.0)))
    monkeypatch.setattr(app_state, "get_settings", lambda: settings)
    at = meeting(present="1", slide="4")
    table = next(df.value for df in at.table if i18n.t("col.risk_score", "en") in df.value.columns)
    risk = app_state.load_at_risk(app_state.meeting.week_filters(
        app_state.Filters(dt.date(2026, 1, 1), dt.date(2026, 1, 2)), last_complete_week(db)),
        app_state.data_version(), settings)
    shown = app_state.meeting.RISK_ROWS_ON_SLIDE  # a slide shows the first 10
    expected = (2.5 * risk["is_no_contact"] + risk["is_revenue_drop"] + risk["is_detractor"]).head(shown).tolist()
    # a slide shows a plain table in the page's type size: text markdown-escaped (plain), numbers
    # kept as numbers under their formatted text (test_a_slide_table_shows_names_as_written…)
    assert table[i18n.t("col.risk_score", "en")].tolist() == pytest.approx(expected)
    assert table[i18n.t("col.client_name", "en")].tolist() == [plain(n) for n in risk["client_name"].head(shown)]
    assert len(risk) > shown and i18n.t("meeting.risk.shown", "en", shown=shown) in [c.value for c in at.caption]
    assert not at.dataframe  # no interactive grid on a slide, and no download buttons
    assert not [b for b in at.get("download_button")]
    assert app_state.risk_score_text(settings, "en") in [c.value for c in at.caption]
    assert "× 2.5" in app_state.risk_score_text(settings, "en")


def test_a_slide_table_shows_names_as_written_and_numbers_formatted():
    """st.table renders markdown in its cells: a static table escapes every cell."""

    import pyarrow as pa

    def script():
        import pandas as pd

        import app_state

        frame = pd.DataFrame({"client_name": ["**Bold** <b>x</b>", "Smith & Co"], "revenue_at_risk_amount": [1234.5, None]})
        app_state.show_table(frame, {"client_name": "text", "revenue_at_risk_amount": "money"}, "ru", "RUB",
                             static=True)

    at = AppTest.from_function(script).run()
    assert not at.exception
    table = at.table[0].value
    assert list(table.columns) == [i18n.t("col.client_name", "ru"), i18n.t("col.revenue_at_risk_amount", "ru")]
    assert table.iloc[:, 0].tolist() == [r"\*\*Bold\*\* \<b\>x\</b\>", r"Smith \& Co"]
    # the money column stays numbers (st.table right-aligns a number column) under its text
    assert table.iloc[:, 1].tolist()[0] == 1234.5 and table.iloc[:, 1].dtype == "float64"
    shown = pa.ipc.open_stream(at.table[0].proto.arrow_data.styler.display_values).read_all()
    assert shown.column(1).to_pylist() == [i18n.fmt_money(1234.5, "ru", "RUB"), i18n.MISSING]


def test_agenda_folds_the_managers_slides_into_one_line():
    from app_state.meeting import Slide, agenda_items

    deck = [Slide("agenda", "Agenda"), Slide("kpis", "Numbers"), Slide("changes", "Changes"), Slide("risk", "Risk"),
            Slide("manager", "Anna", "Anna"), Slide("manager", "Boris", "Boris"), Slide("manager", "Vera", "Vera"),
            Slide("decisions", "Decisions")]
    assert agenda_items(deck, "en") == ["1. Agenda", "2. Numbers", "3. Changes", "4. Risk",
                                        "5–7. The managers, one slide each (3)", "8. Decisions"]


def test_the_desk_shows_one_managers_report_at_a_time(meeting, db):
    """The desk page folds the managers' slides under the agenda's one line and shows the report
    of the manager picked (largest revenue of the week first). Revenue per manager in SQL: the
    client's listed manager, else the one with most interactions with it in the week."""
    week = last_complete_week(db)
    monday = week_start(week)
    revenue = dict(sql(db, """
        WITH listed AS (SELECT client_id, max(manager) AS manager FROM clients GROUP BY client_id),
             busiest AS (SELECT client_id, manager FROM interactions
                         WHERE occurred_at >= $mon AND occurred_at < $end AND manager IS NOT NULL
                           AND client_id IN (SELECT client_id FROM listed WHERE manager IS NULL)
                         GROUP BY client_id, manager
                         QUALIFY row_number() OVER (PARTITION BY client_id ORDER BY count(*) DESC, manager) = 1),
             book AS (SELECT * FROM listed WHERE manager IS NOT NULL UNION ALL SELECT * FROM busiest)
        SELECT book.manager, sum(amount) FROM payments JOIN book USING (client_id)
        WHERE paid_at >= $mon AND paid_at < $end GROUP BY book.manager""",
        {"mon": monday, "end": monday + dt.timedelta(days=7)}))
    at = meeting()
    picker = at.selectbox(key="meeting_manager")
    names = list(picker.options)
    assert len(names) >= len(revenue) >= 3
    assert names[:len(revenue)] == sorted(revenue, key=lambda name: -revenue[name])
    headings = [h.value for h in at.header]
    first = 5  # agenda, KPIs, changes, risk, then the managers
    folded = i18n.t("meeting.agenda.managers", "en", span=f"{first}–{first + len(names) - 1}", n=len(names))
    assert folded in headings and not any(plain(name) in heading for name in names for heading in headings)

    def revenue_card() -> str:  # the KPI slide's card comes first, the manager's report last
        return [m for m in at.metric if m.label == i18n.t("metric.revenue_amount.label", "en")][-1].value

    assert picker.value == names[0] and revenue_card() == i18n.fmt_money(revenue[names[0]], "en", "RUB")
    at.selectbox(key="meeting_manager").set_value(names[2]).run()
    assert revenue_card() == i18n.fmt_money(revenue[names[2]], "en", "RUB")


def test_the_bridge_compares_4_weeks_with_the_4_before_on_request(meeting, db):
    import json

    week = last_complete_week(db)
    at = meeting(present="1", slide="3")
    at.segmented_control(key="bridge_span").set_value(4).run()
    waterfall = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    before = sum(week_revenue(db, week, back) for back in range(4, 8))
    now = sum(week_revenue(db, week, back) for back in range(0, 4))
    assert waterfall["y"][0] == pytest.approx(before) and waterfall["y"][-1] == pytest.approx(now)
    assert waterfall["x"][0] == i18n.t("meeting.before.4", "en")


@pytest.mark.parametrize("week", ["2026-W10", "2025-W52"])
def test_week_kpis_of_five_weeks_equal_each_week_computed_alone(db, monkeypatch, week):
    """load_week_kpis reads five weeks from one weekly query per family; each week computed on
    its own from the raw rows (SQL for revenue, the raw-row NPS and service metrics) agrees."""
    import ibis

    import app_state
    from app_state import meeting
    from metrics.nps import nps_summary
    from metrics.service import service_speed

    monkeypatch.setenv("DASHBOARD_DB", str(db))
    settings = app_state.get_settings()
    filters = app_state.Filters(dt.date(2025, 1, 1), dt.date(2026, 11, 23), "month")
    rows = meeting.load_week_kpis(filters, app_state.data_version(), settings, week)["rows"].set_index("name")
    with app_state.cursor(str(db)) as cur:
        backend = ibis.duckdb.from_connection(cur)
        for back, column in ((0, "value"), (1, "last_week")):
            w = meeting.week_filters(filters, week, back)
            revenue, active = cur.execute(
                "SELECT sum(amount), count(DISTINCT client_id) FILTER (WHERE amount > 0) FROM payments "
                "WHERE paid_at >= ? AND paid_at < ?", [w.start, w.end]).fetchall()[0]
            score = backend.execute(nps_summary(backend.table("nps_responses"), start=w.start, end=w.end)).nps[0]
            speed = backend.execute(service_speed(backend.table("interactions"), start=w.start, end=w.end)).iloc[0]
            expected = {"revenue_amount": revenue, "active_clients_count": active, "nps": score,
                        "complaints_count": speed.complaints_count, "missed_call_rate": speed.missed_call_rate,
                        "first_response_median_min": speed.first_response_median_min}
            for name, want in expected.items():
                got = rows.loc[name, column]
                if want is None or want != want:
                    assert got is None or got != got, (name, column)
                else:
                    assert got == pytest.approx(float(want), rel=1e-9), (name, column)


def test_decision_subjects_are_the_clients_the_meeting_shows(monkeypatch):
    """The client picker offers the first TABLE_ROWS_SHOWN clients at risk and the first of the
    week's changes (largest first, each client once, named where a name is known) — not every
    client at risk (10M interactions: 189k)."""
    import pandas as pd

    import app_state
    from app_state import meeting as glue

    monkeypatch.setattr(app_state, "TABLE_ROWS_SHOWN", 3)
    risk = pd.DataFrame({"client_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
                         "client_name": ["Anna", "Boris", None, "Dana", "Eva", "Fyodor", "Gleb"]})
    moved = pd.DataFrame({"client_id": ["c2", "c9", "c8", "c7", "c6"],
                          "client_name": ["Boris", "Ira", "Hanna", "Gleb", "Fyodor"]})
    empty = pd.DataFrame()
    snapshot = glue.Snapshot("2026-W47", dt.datetime(2026, 11, 23), empty, (), {"clients": moved}, {"clients": moved},
                             risk, pd.DataFrame({"manager": ["M1", None, "M2"]}), empty, empty)
    assert glue._subjects(snapshot, "client") == {"c1": "Anna", "c2": "Boris", "c3": "c3", "c9": "Ira", "c8": "Hanna"}
    assert glue._subjects(snapshot, "manager") == {"M1": "M1", "M2": "M2"}


def test_drill_down_draws_the_largest_changes_and_says_how_many_there_are(meeting, db, monkeypatch):
    monkeypatch.setattr(app_state.meeting, "DRILL_ROWS_SHOWN", 5)
    at = meeting()
    monday = week_start(last_complete_week(db))
    # the clients behind the bridge: net revenue ≠ 0 in last week or this one
    changes = [abs(cur - prev) for cur, prev in sql(db, """
        SELECT cur, prev FROM (
            SELECT coalesce(sum(amount) FILTER (WHERE paid_at >= $cur AND paid_at < $end), 0) AS cur,
                   coalesce(sum(amount) FILTER (WHERE paid_at >= $prev AND paid_at < $cur), 0) AS prev
            FROM payments GROUP BY client_id)
        WHERE cur <> 0 OR prev <> 0""",
        {"prev": monday - dt.timedelta(days=7), "cur": monday, "end": monday + dt.timedelta(days=7)})]
    table = next(df.value for df in at.dataframe if i18n.t("col.change_amount", "en") in df.value.columns)
    assert len(changes) > 5 and len(table) == 5
    shown = sorted(abs(v) for v in table[i18n.t("col.change_amount", "en")])
    assert shown == pytest.approx(sorted(changes)[-5:])  # the five largest changes
    caption = i18n.t("exports.table_shown", "en", shown=i18n.fmt_number(5, "en"),
                     count=i18n.fmt_number(len(changes), "en"))
    assert caption in [c.value for c in at.caption]
