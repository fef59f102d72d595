"""Glue of the weekly meeting: weeks, the week's numbers (one cached loader), the slides, the
frozen snapshot a presentation runs on, decisions.

The meeting ignores the sidebar's dates (it has its own ISO week) and honours its team /
manager / segment filters and the user's team scope: every query goes through
:func:`app_state.scoped_tables` with the same :class:`app_state.Filters`, narrowed to the week.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import ibis
import pandas as pd
import streamlit as st

import i18n
from app_state import (DataOptions, DataVersion, Filters, Settings, _clean, _first_row, _revenue_totals, cached,
                       cursor, load_at_risk, load_scorecard, scoped_tables, sla_minutes)
from app_state.safe_text import plain

WEEKS_BACK = 4  # the KPI average is over the 4 weeks before the meeting's week
SNAPSHOT_KEY = "meeting_snapshot"


# ---------------------------------------------------------------- weeks

def week_label(week: str, lang: str) -> str:
    """'2026-W47' → 'Week 47 · Nov 16 – Nov 22, 2026' in the user's language."""
    from warehouse.decisions import week_start

    monday = week_start(week)
    return i18n.t("meeting.week_label", lang, number=int(week[-2:]), first=i18n.fmt_date(monday, lang),
                  last=i18n.fmt_date(monday + dt.timedelta(days=6), lang))


def weeks(options: DataOptions) -> list[str]:
    """ISO weeks with data, newest first."""
    from warehouse.decisions import week_of

    if options.first_day is None or options.last_day is None:
        return []
    monday = options.last_day - dt.timedelta(days=options.last_day.weekday())
    out = []
    while monday + dt.timedelta(days=6) >= options.first_day:
        out.append(week_of(monday))
        monday -= dt.timedelta(days=7)
    return out


def default_week(options: DataOptions) -> str | None:
    """The last complete week: the newest whose Sunday is on or before the data's last day."""
    from warehouse.decisions import week_of

    if options.last_day is None:
        return None
    sunday = options.last_day - dt.timedelta(days=(options.last_day.weekday() + 1) % 7)
    return week_of(sunday)


def week_filters(filters: Filters, week: str, back: int = 0) -> Filters:
    """The filters narrowed to ``week`` (``back`` weeks earlier), weekly grain, scope kept."""
    from warehouse.decisions import week_start

    monday = week_start(week) - dt.timedelta(days=7 * back)
    return dataclasses.replace(filters, start=monday, end=monday + dt.timedelta(days=7), grain="week")


# ---------------------------------------------------------------- the week's numbers

def _week_values(backend, tables: dict, filters: Filters, settings: Settings) -> dict:
    """The meeting's KPIs for one week window (see metrics.meeting.MEETING_KPIS)."""
    from metrics import meeting, nps, service

    values = {}
    values.update(_first_row(backend, _revenue_totals(tables["payments"], filters, settings)))
    values.update(_first_row(backend, meeting.client_flow(
        tables["payments"], tables["clients"], start=filters.start, end=filters.end,
        churn_after_days=settings.churn_after_days)))
    summary = _first_row(backend, nps.nps_summary(tables["nps"], start=filters.start, end=filters.end))
    values.update(nps=summary.get("nps"), nps_ci_low=summary.get("ci_low"), nps_ci_high=summary.get("ci_high"),
                  nps_responses=summary.get("responses_count"))
    values.update(_first_row(backend, service.service_speed(
        tables["interactions"], start=filters.start, end=filters.end, sla_minutes=sla_minutes(settings))))
    names = (*meeting.MEETING_KPIS, "nps_ci_low", "nps_ci_high", "nps_responses")
    return {name: _clean(values.get(name)) for name in names}


@cached(show_spinner=False, max_entries=64)
def load_week_kpis(filters: Filters, version: DataVersion, settings: Settings, week: str) -> dict:
    """{"rows": one row per KPI (value, last_week, change, avg_4w, change_vs_avg), "nps_ci":
    (low, high, responses) of the week}."""
    from metrics import meeting

    weekly = []
    with scoped_tables(week_filters(filters, week), version) as (backend, tables):
        for back in range(WEEKS_BACK + 1):
            weekly.append(_week_values(backend, tables, week_filters(filters, week, back), settings))
    rows = pd.DataFrame(meeting.week_comparison(weekly[0], weekly[1], weekly[1:]))
    this = weekly[0]
    return {"rows": rows, "nps_ci": (this["nps_ci_low"], this["nps_ci_high"], this["nps_responses"])}


@cached(show_spinner=False, max_entries=64)
def load_week_changes(filters: Filters, version: DataVersion, week: str) -> dict[str, pd.DataFrame]:
    """What changed against last week: the company bridge, the bridge per manager, the clients
    behind it (largest change first, with names), the NPS change split."""
    from metrics import managers, meeting
    from metrics._time import Window

    cur, prev = week_filters(filters, week), week_filters(filters, week, 1)
    window_cur, window_prev = Window(cur.start, cur.end), Window(prev.start, prev.end)
    with scoped_tables(cur, version) as (backend, tables):
        payments = tables["payments"]
        book = managers.client_manager(tables["clients"], tables["interactions"], start=prev.start, end=cur.end)
        components = backend.execute(meeting.revenue_bridge_by_component(payments, prev=window_prev, cur=window_cur))
        by_manager = backend.execute(meeting.revenue_bridge_by_manager(payments, book, prev=window_prev,
                                                                      cur=window_cur))
        per_client = meeting.revenue_bridge_by_client(payments, book, prev=window_prev, cur=window_cur)
        names = tables["clients"].select("client_id", "client_name")
        clients = backend.execute(per_client.left_join(names, "client_id")
                                  .select(per_client, names.client_name)
                                  .order_by([ibis.desc(per_client.change_amount.abs()), per_client.client_id]))
        nps_split = backend.execute(meeting.nps_change_split(tables["nps"], prev=window_prev, cur=window_cur))
    return {"components": components, "managers": by_manager, "clients": clients, "nps_split": nps_split}


def load_week_risk(filters: Filters, version: DataVersion, settings: Settings, week: str) -> pd.DataFrame:
    """Clients at risk as of the week's end (the Clients page's list and reasons)."""
    return load_at_risk(week_filters(filters, week), version, settings)


def load_week_managers(filters: Filters, version: DataVersion, week: str) -> pd.DataFrame:
    """The managers' scorecard over the week (types against all managers in scope)."""
    return load_scorecard(week_filters(filters, week), version)["rows"]


# ---------------------------------------------------------------- the snapshot and the slides

@dataclass(frozen=True)
class Snapshot:
    """Everything the slides show, computed once: a presentation runs on it unchanged."""

    week: str
    taken_at: dt.datetime
    kpis: pd.DataFrame
    nps_ci: tuple
    changes: dict
    risk: pd.DataFrame
    managers: pd.DataFrame
    decisions_to_check: pd.DataFrame
    decisions_of_week: pd.DataFrame


def build_snapshot(filters: Filters, version: DataVersion, settings: Settings, week: str) -> Snapshot:
    kpis = load_week_kpis(filters, version, settings, week)
    with cursor() as cur:
        from warehouse import decisions

        to_check, of_week = decisions.to_check(cur, week), decisions.of_week(cur, week)
    return Snapshot(week, dt.datetime.now(), kpis["rows"], kpis["nps_ci"], load_week_changes(filters, version, week),
                    load_week_risk(filters, version, settings, week), load_week_managers(filters, version, week),
                    to_check, of_week)


def frozen_snapshot(filters: Filters, version: DataVersion, settings: Settings, week: str) -> Snapshot:
    """The presentation's snapshot, taken when it started (or when the week or filters
    changed): uploads during the meeting do not move the numbers on the screen."""
    key = (week, dataclasses.replace(filters, lang="", currency=""))
    held = st.session_state.get(SNAPSHOT_KEY)
    if held is None or held[0] != key:
        held = (key, build_snapshot(filters, version, settings, week))
        st.session_state[SNAPSHOT_KEY] = held
    return held[1]


def refresh_snapshot() -> None:
    st.session_state.pop(SNAPSHOT_KEY, None)


@dataclass(frozen=True)
class Slide:
    kind: str            # agenda | kpis | changes | risk | manager | decisions
    title: str
    manager: str | None = None


def slides(snapshot: Snapshot, lang: str) -> list[Slide]:
    """Agenda → KPIs → what changed → at risk → one slide per manager (by revenue) → decisions."""
    t = i18n.t
    out = [Slide("agenda", t("meeting.slide.agenda", lang)), Slide("kpis", t("meeting.slide.kpis", lang)),
           Slide("changes", t("meeting.slide.changes", lang)), Slide("risk", t("meeting.slide.risk", lang))]
    for manager in snapshot.managers.sort_values("revenue_amount", ascending=False)["manager"]:
        out.append(Slide("manager", t("meeting.slide.manager", lang, manager=plain(manager)), manager))
    out.append(Slide("decisions", t("meeting.slide.decisions", lang)))
    return out


def slide_from_url(count: int) -> int:
    """The 1-based slide in ``?slide=``, clamped to the deck (1 when absent or not a number)."""
    raw = st.query_params.get("slide", "1")
    number = int(raw) if str(raw).isdigit() else 1
    return min(max(number, 1), count)


def go_to_slide(number: int) -> None:
    st.query_params["slide"] = str(number)


def manager_summary(snapshot: Snapshot, manager: str) -> dict:
    """One manager's slide: their scorecard row, their bridge total vs last week, their at-risk
    clients (largest revenue at risk first)."""
    row = snapshot.managers[snapshot.managers["manager"] == manager].iloc[0].to_dict()
    bridge = snapshot.changes["managers"]
    change = bridge.loc[bridge["manager"] == manager, "change_amount"].sum()
    risk = snapshot.risk[snapshot.risk["manager"] == manager] if "manager" in snapshot.risk else snapshot.risk.iloc[0:0]
    return {"row": row, "change_amount": float(change), "risk": risk.head(5)}


def bridge_clients(snapshot: Snapshot, component: str | None) -> pd.DataFrame:
    """The clients behind the bridge (all, or one component), largest change first."""
    clients = snapshot.changes["clients"]
    return clients if component is None else clients[clients["component"] == component]


# ---------------------------------------------------------------- decisions

def record_decision(week: str, user: str, *, subject_kind: str, subject: str, owner: str, body: str,
                    due_on: dt.date | None, metric: str | None, baseline_value: float | None) -> int:
    from app_state.auth import audit
    from warehouse import decisions

    with cursor() as cur:
        decision_id = decisions.record(cur, week=week, subject_kind=subject_kind, subject=subject, owner=owner,
                                       body=body, due_on=due_on, metric=metric, baseline_value=baseline_value,
                                       created_by=user)
    audit("decision", user, f"#{decision_id} {week} {subject_kind}: {subject}")
    return decision_id


def close_decision(decision_id: int, status: str, user: str) -> None:
    from app_state.auth import audit
    from warehouse import decisions

    with cursor() as cur:
        decisions.close(cur, decision_id, status, closed_by=user)
    audit("decision", user, f"#{decision_id} {status}")


def kpi_value(snapshot: Snapshot, name: str):
    rows = snapshot.kpis[snapshot.kpis["name"] == name]
    return None if rows.empty else _clean(rows.iloc[0]["value"])
