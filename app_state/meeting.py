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

import pandas as pd
import streamlit as st

import i18n
from app_state import (DataOptions, DataVersion, Filters, Settings, _clean, _revenue_totals, _service_kpis,
                       book_hints, cached, concurrently, cursor, load_at_risk, load_scorecard, scoped_tables)
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

# A week without rows of a kind: what its one-window query would have given.
_EMPTY_WEEK = {"active_clients_count": 0, "nps_responses": 0, "complaints_count": 0}


def _week_values(monday: dt.date, weekly: list[pd.DataFrame], flow: dict) -> dict:
    """The meeting's KPIs of the week starting ``monday`` (see metrics.meeting.MEETING_KPIS) from
    per-week frames (revenue, NPS, service; a missing week has no row) and its client flow."""
    from metrics import meeting

    values = {**_EMPTY_WEEK, **flow}
    for frame in weekly:
        row = frame[pd.to_datetime(frame["period"]) == pd.Timestamp(monday)]
        if len(row):
            values.update(row.iloc[0].to_dict())
    values.update(nps_ci_low=values.get("ci_low"), nps_ci_high=values.get("ci_high"),
                  nps_responses=values.get("responses_count", values["nps_responses"]))
    names = (*meeting.MEETING_KPIS, "nps_ci_low", "nps_ci_high", "nps_responses")
    return {name: _clean(values.get(name)) for name in names}


@cached(show_spinner=False, max_entries=64)
def load_week_kpis(filters: Filters, version: DataVersion, settings: Settings, week: str) -> dict:
    """{"rows": one row per KPI (value, last_week, change, avg_4w, change_vs_avg), "nps_ci":
    (low, high, responses) of the week}. The five weeks (this one and the four before) are
    periods of one weekly query per metric family."""
    from metrics import meeting, nps

    weeks = [week_filters(filters, week, back) for back in range(WEEKS_BACK + 1)]
    span = dataclasses.replace(weeks[0], start=weeks[-1].start)
    with scoped_tables(span, version) as (backend, tables):
        flows = backend.execute(meeting.client_flow_by_window(
            tables["payments"], tables["clients"], windows=[(w.start, w.end) for w in weeks],
            churn_after_days=settings.churn_after_days, first_payments=tables["first_payments"]))
        flows = flows.set_index("w")[["new_clients_count", "churned_clients_count"]].to_dict("index")
        per_week = [
            backend.execute(_revenue_totals(tables, span, settings, by_period=True)),
            backend.execute(nps.nps_from_daily(tables["nps_daily"], start=span.start, end=span.end, grain="week")),
            backend.execute(_service_kpis(tables, span, by_period=True)),
        ]
    weekly = [_week_values(w.start, per_week, flows[n]) for n, w in enumerate(weeks)]
    rows = pd.DataFrame(meeting.week_comparison(weekly[0], weekly[1], weekly[1:]))
    this = weekly[0]
    return {"rows": rows, "nps_ci": (this["nps_ci_low"], this["nps_ci_high"], this["nps_responses"])}


RISK_ROWS_SHOWN = 15  # the at-risk clients on the page at the desk (the Clients page lists them all)
RISK_ROWS_ON_SLIDE = 10  # on a slide, in the page's own type size, without scrolling
DRILL_ROWS_SHOWN = 100  # clients behind the bridge drawn at the desk, largest change first (the download: all)
SPANS = (1, 4)  # compare the week with the week before, or the last 4 weeks with the 4 before


@cached(show_spinner=False, max_entries=64)
def load_week_changes(filters: Filters, version: DataVersion, week: str, span: int = 1) -> dict[str, pd.DataFrame]:
    """What changed: the last ``span`` weeks up to ``week`` against the ``span`` weeks before —
    the company bridge, the bridge per manager, the clients behind it (largest change first, with
    names), the NPS change split."""
    from metrics import managers, meeting
    from metrics._time import Window

    last = week_filters(filters, week)
    cur = dataclasses.replace(last, start=last.start - dt.timedelta(days=7 * (span - 1)))
    prev = dataclasses.replace(cur, start=cur.start - dt.timedelta(days=7 * span), end=cur.start)
    window_cur, window_prev = Window(cur.start, cur.end), Window(prev.start, prev.end)
    with scoped_tables(cur, version) as (backend, tables):
        payments = tables["payments"]
        book = managers.client_manager(tables["clients"], tables["interactions"], start=prev.start, end=cur.end,
                                       **book_hints(tables))
        names = tables["clients"].select("client_id", "client_name")
        levels = backend.execute(meeting.revenue_bridge_levels(payments, book, names, prev=window_prev,
                                                               cur=window_cur))
        nps_split = backend.execute(meeting.nps_change_split(tables["nps"], prev=window_prev, cur=window_cur))
    return {**_bridge_frames(levels), "nps_split": nps_split}


_BRIDGE_FRAMES = {"company": "components", "manager": "managers", "client": "clients"}


def _bridge_frames(levels: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """metrics.meeting.revenue_bridge_levels' rows → one frame per level, with its own columns
    (named as load_week_changes returns them)."""
    from metrics import meeting

    return {name: levels.loc[levels["level"] == level, list(meeting.BRIDGE_LEVEL_COLUMNS[level])]
            .reset_index(drop=True) for level, name in _BRIDGE_FRAMES.items()}


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
    changes: dict            # this week against last week
    changes_4w: dict         # the last 4 weeks against the 4 before ("last month to this one")
    risk: pd.DataFrame
    managers: pd.DataFrame
    decisions_to_check: pd.DataFrame
    decisions_of_week: pd.DataFrame


def _with_decisions(snapshot: Snapshot) -> Snapshot:
    """The snapshot with the decisions read now (the meeting's own writes always show)."""
    from warehouse import decisions

    with cursor() as cur:
        to_check, of_week = decisions.to_check(cur, snapshot.week), decisions.of_week(cur, snapshot.week)
    return dataclasses.replace(snapshot, decisions_to_check=to_check, decisions_of_week=of_week)


def week_numbers(filters: Filters, version: DataVersion, settings: Settings, week: str) -> list:
    """The week's loaders, side by side (the longest first): [risk, managers, kpis, changes over
    1 week, changes over 4 weeks] — what a snapshot holds besides the decisions."""
    filters = week_filters(filters, week)  # the sidebar's dates do not matter: one cache entry per week
    return concurrently(
        lambda: load_week_risk(filters, version, settings, week), lambda: load_week_managers(filters, version, week),
        lambda: load_week_kpis(filters, version, settings, week), lambda: load_week_changes(filters, version, week),
        lambda: load_week_changes(filters, version, week, 4))


def build_snapshot(filters: Filters, version: DataVersion, settings: Settings, week: str) -> Snapshot:
    risk, managers, kpis, changes, changes_4w = week_numbers(filters, version, settings, week)
    numbers = Snapshot(week, dt.datetime.now(), kpis["rows"], kpis["nps_ci"], changes, changes_4w, risk, managers,
                       pd.DataFrame(), pd.DataFrame())
    return _with_decisions(numbers)


def frozen_snapshot(filters: Filters, version: DataVersion, settings: Settings, week: str) -> Snapshot:
    """The presentation's numbers, taken when it started (or when the week or filters
    changed): uploads during the meeting do not move them. Decisions are read fresh."""
    key = (week, dataclasses.replace(week_filters(filters, week), lang="", currency=""))
    held = st.session_state.get(SNAPSHOT_KEY)
    if held is None or held[0] != key:
        held = (key, build_snapshot(filters, version, settings, week))
        st.session_state[SNAPSHOT_KEY] = held
    return _with_decisions(held[1])


def refresh_snapshot() -> None:
    st.session_state.pop(SNAPSHOT_KEY, None)


@dataclass(frozen=True)
class Slide:
    kind: str            # agenda | kpis | changes | risk | manager | decisions
    title: str           # plain text (a manager's name as it is): escape it for markdown
    manager: str | None = None


def slides(snapshot: Snapshot, lang: str) -> list[Slide]:
    """Agenda → KPIs → what changed → at risk → one slide per manager (by revenue) → decisions."""
    t = i18n.t
    out = [Slide("agenda", t("meeting.slide.agenda", lang)), Slide("kpis", t("meeting.slide.kpis", lang)),
           Slide("changes", t("meeting.slide.changes", lang)), Slide("risk", t("meeting.slide.risk", lang))]
    for manager in snapshot.managers.sort_values("revenue_amount", ascending=False)["manager"]:
        out.append(Slide("manager", t("meeting.slide.manager", lang, manager=manager), manager))
    out.append(Slide("decisions", t("meeting.slide.decisions", lang)))
    return out


def slide_from_url(count: int) -> int:
    """The 1-based slide in ``?slide=``, clamped to the deck (1 when absent or not a number)."""
    raw = st.query_params.get("slide", "1")
    number = int(raw) if str(raw).isdigit() else 1
    return min(max(number, 1), count)


def go_to_slide(number: int) -> None:
    st.query_params["slide"] = str(number)


MANAGER_METRICS = ("clients_count", "revenue_amount", "margin_amount", "margin_per_hour", "revenue_change_amount",
                   "nps", "first_response_median_min", "missed_call_rate")


def manager_cells(summary: dict, lang: str, currency: str) -> list[tuple[str, str, str | None]]:
    """A manager's slide figures: (label, value, help) in MANAGER_METRICS order; the change
    against last week is signed, NPS says from how many answers."""
    row, cells = summary["row"], []
    for name in MANAGER_METRICS:
        if name == "revenue_change_amount":
            value = i18n.fmt_metric_change(name, summary["change_amount"], lang, currency)
        else:
            value = i18n.fmt_metric(name, row.get(name), lang, currency)
        helps = i18n.t("meeting.nps_n", lang, n=i18n.fmt_count(row.get("nps_responses") or 0, lang)) \
            if name == "nps" else None
        cells.append((i18n.t(f"metric.{name}.label", lang), value, helps))
    return cells


def manager_summary(snapshot: Snapshot, manager: str) -> dict:
    """One manager's slide: their scorecard row, their bridge total vs last week, their at-risk
    clients (largest revenue at risk first)."""
    row = snapshot.managers[snapshot.managers["manager"] == manager].iloc[0].to_dict()
    bridge = snapshot.changes["managers"]
    change = bridge.loc[bridge["manager"] == manager, "change_amount"].sum()
    risk = snapshot.risk[snapshot.risk["manager"] == manager] if "manager" in snapshot.risk else snapshot.risk.iloc[0:0]
    return {"row": row, "change_amount": float(change), "risk": risk.head(5)}


def changes_of(snapshot: Snapshot, span: int) -> dict:
    return snapshot.changes if span == 1 else snapshot.changes_4w


def bridge_clients(snapshot: Snapshot, component: str | None, span: int = 1) -> pd.DataFrame:
    """The clients behind the bridge (all, or one component), largest change first."""
    clients = changes_of(snapshot, span)["clients"]
    return clients if component is None else clients[clients["component"] == component]


def span_choice(lang: str) -> int:
    """Week against last week, or the last 4 weeks against the 4 before."""
    return st.segmented_control(i18n.t("meeting.span", lang), list(SPANS), default=1, key="bridge_span",
                                format_func=lambda n: i18n.t(f"meeting.span.{n}", lang)) or 1


def nps_split_values(snapshot: Snapshot, span: int = 1) -> list[tuple[str, object]]:
    split = changes_of(snapshot, span)["nps_split"]
    row = split.iloc[0].to_dict() if len(split) else {}
    return [("nps_change", _clean(row.get("nps_change"))), ("nps_score_effect", _clean(row.get("score_effect"))),
            ("nps_mix_effect", _clean(row.get("mix_effect")))]


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


# ---------------------------------------------------------------- widgets of the meeting page

BRIDGE_STEPS = ("new", "expansion", "contraction", "churned", "flat")
PROJECTOR_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stHeaderActionElements"] {display: none !important;}
[data-testid="stMainBlockContainer"] {max-width: 100% !important; padding: 1rem 2.5rem 2rem 2.5rem !important;}
[data-testid="stMain"] h1 {font-size: 3rem !important;}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p, [data-testid="stMain"] li,
[data-testid="stCaptionContainer"] * {font-size: 1.35rem !important;}
[data-testid="stMain"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p
  {font-size: 3rem !important; line-height: 1.15 !important;}
[data-testid="stMain"] [data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p {font-size: 1.45rem !important;}
[data-testid="stMain"] [data-testid="stMetricDelta"] * {font-size: 1.4rem !important;}
[data-testid="stTable"] td > div {max-width: none !important;}
</style>
"""
DARK_CSS = """
<style>
[data-testid="stApp"], [data-testid="stMain"] {background: #101418; color: #F2F2F2;}
[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] p, [data-testid="stMain"] li,
[data-testid="stMetricValue"], [data-testid="stMetricLabel"] p, [data-testid="stCaptionContainer"] {color: #F2F2F2;}
[data-testid="stMetric"] {background: #1B2229;}
[data-testid="stTable"] th, [data-testid="stTable"] td {color: #F2F2F2; border-color: #3A444E;}
[data-testid="stTable"] th {background: #1B2229;}
[data-testid="stBaseButton-secondary"] {background: #1B2229; border-color: #5A6672; color: #F2F2F2;}
</style>
"""


def presenting() -> bool:
    return st.query_params.get("present") == "1"


def dark() -> bool:
    return presenting() and st.query_params.get("theme") == "dark"


def week_choice(weeks_: list[str], default: str | None, lang: str) -> str:
    """The meeting's week in the sidebar, kept in the URL as ``?week=2026-W47``."""
    from_url = st.query_params.get("week")
    if "meeting_week" not in st.session_state or st.session_state["meeting_week"] not in weeks_:
        st.session_state["meeting_week"] = (from_url if from_url in weeks_
                                            else default if default in weeks_ else weeks_[0])
    week = st.sidebar.selectbox(i18n.t("meeting.week", lang), weeks_, key="meeting_week",
                                format_func=lambda w: week_label(w, lang))
    st.query_params["week"] = week
    return week


def present_button(lang: str) -> None:
    if st.button(i18n.t("meeting.present", lang), key="present", type="primary", icon=":material/slideshow:"):
        refresh_snapshot()
        st.query_params["present"] = "1"
        go_to_slide(1)
        st.rerun()


def presentation_bar(deck: list[Slide], week: str, lang: str) -> int:
    """Projector styling, the slide counter and the navigation (← → keys, Esc leaves) → the
    current slide's number."""
    t = i18n.t
    st.html(PROJECTOR_CSS + (DARK_CSS if dark() else ""))
    number = slide_from_url(len(deck))
    bar = st.columns([1.1, 1.1, 4.4, 1.3, 1.8, 1.2], vertical_alignment="center")
    if bar[0].button(t("meeting.prev", lang), key="slide_prev", shortcut="Left", disabled=number == 1,
                     icon=":material/arrow_back:"):
        go_to_slide(number - 1)
        st.rerun()
    if bar[1].button(t("meeting.next", lang), key="slide_next", shortcut="Right", disabled=number == len(deck),
                     icon=":material/arrow_forward:", type="primary"):
        go_to_slide(number + 1)
        st.rerun()
    bar[2].markdown(t("meeting.counter", lang, number=number, count=len(deck), week=week_label(week, lang)))
    if bar[3].button(t("meeting.theme.light" if dark() else "meeting.theme.dark", lang), key="slide_theme",
                     icon=":material/contrast:"):
        st.query_params["theme"] = "light" if dark() else "dark"
        st.rerun()
    if bar[4].button(t("meeting.refresh", lang), key="slide_refresh", icon=":material/refresh:",
                     help=t("meeting.refresh.help", lang)):
        refresh_snapshot()
        st.rerun()
    if bar[5].button(t("meeting.exit", lang), key="slide_exit", shortcut="Esc", icon=":material/close:"):
        for key in ("present", "slide", "theme"):
            st.query_params.pop(key, None)
        refresh_snapshot()
        st.rerun()
    return number


def sections(deck: list[Slide], lang: str) -> list[tuple[str, list[Slide]]]:
    """The deck as the agenda and the desk page list it: one (heading, slides) per slide, the
    managers' slides folded into one ('5–26. Managers (22)', all their slides)."""
    managers = [slide for slide in deck if slide.kind == "manager"]
    out = []
    for number, slide in enumerate(deck, start=1):
        if slide.kind != "manager":
            out.append((f"{number}. {slide.title}", [slide]))
        elif slide is managers[0]:
            span = f"{number}–{number + len(managers) - 1}" if len(managers) > 1 else f"{number}"
            out.append((i18n.t("meeting.agenda.managers", lang, span=span, n=len(managers)), managers))
    return out


def agenda_items(deck: list[Slide], lang: str) -> list[str]:
    """The agenda: one line per slide, the managers' slides as one line ('5–26. Managers (22)')."""
    return [heading for heading, _ in sections(deck, lang)]


def manager_choice(managers: list[Slide], lang: str) -> Slide:
    """At the desk, one manager's report at a time (the presentation walks them all): a picker
    of the managers in slide order, the largest revenue first."""
    if len(managers) == 1:
        return managers[0]
    by_name = {slide.manager: slide for slide in managers}
    if st.session_state.get("meeting_manager") not in by_name:
        st.session_state["meeting_manager"] = managers[0].manager
    name = st.selectbox(i18n.t("meeting.manager.pick", lang), list(by_name), key="meeting_manager")
    return by_name[name]


def agenda_markdown(deck: list[Slide], lang: str) -> str:
    """The agenda as plain lines (the items carry their own numbers; no list markers)."""
    return "  \n".join(plain(item) for item in agenda_items(deck, lang))


def vs_average_text(row, lang: str, currency: str) -> str:
    """'4-week average: RUB 1,200 (+RUB 80)' for a KPI row of :func:`load_week_kpis`."""
    if i18n.is_missing(row.avg_4w):
        return i18n.t("meeting.avg.none", lang)
    return i18n.t("meeting.avg", lang, value=i18n.fmt_metric(row.name, row.avg_4w, lang, currency),
                  change=i18n.fmt_metric_change(row.name, row.change_vs_avg, lang, currency)
                  if not i18n.is_missing(row.change_vs_avg) else i18n.MISSING)


def nps_interval_text(snapshot: Snapshot, lang: str) -> str:
    low, high, responses = snapshot.nps_ci
    if i18n.is_missing(low) or not responses:
        return i18n.t("meeting.nps_ci.none", lang)
    return i18n.t("meeting.nps_ci", lang, low=i18n.fmt_metric("nps", low, lang, ""),
                  high=i18n.fmt_metric("nps", high, lang, ""), n=i18n.fmt_count(responses, lang))


def quadrant_text(row: dict, lang: str) -> str:
    kind = row.get("manager_type")
    if i18n.is_missing(kind):
        return i18n.t("meeting.quadrant.none", lang)
    return i18n.t("meeting.quadrant", lang, type=i18n.t(f"manager_type.{kind}", lang))


def decisions_to_check_view(snapshot: Snapshot, lang: str, currency: str) -> pd.DataFrame:
    """The decisions to check, with the subject in words and what the related metric did since:
    'NPS: 31 → 38 (+7)' (now = this week's value)."""
    check = snapshot.decisions_to_check.copy()
    if check.empty:
        return check.assign(since=pd.Series(dtype="str"))
    check["subject"] = [i18n.t(f"meeting.subject.{kind}", lang, subject=subject)
                        for kind, subject in zip(check["subject_kind"], check["subject"])]
    check["since"] = [_since_text(metric, baseline, snapshot, lang, currency)
                      for metric, baseline in zip(check["metric"], check["baseline_value"])]
    return check


def _since_text(metric, baseline, snapshot: Snapshot, lang: str, currency: str) -> str:
    if i18n.is_missing(metric):
        return i18n.MISSING
    now = kpi_value(snapshot, metric)
    label = i18n.t(f"metric.{metric}.label", lang)
    if i18n.is_missing(baseline) or i18n.is_missing(now):
        return f"{label}: {i18n.fmt_metric(metric, now, lang, currency)}"
    return i18n.t("meeting.since", lang, metric=label, then=i18n.fmt_metric(metric, baseline, lang, currency),
                  now=i18n.fmt_metric(metric, now, lang, currency),
                  change=i18n.fmt_metric_change(metric, now - baseline, lang, currency))


def close_buttons(check: pd.DataFrame, user: str, lang: str) -> None:
    """Done / dropped buttons for each open decision to check."""
    for row in check[check["status"] == "open"].itertuples():
        text, done, dropped = st.columns([6, 1, 1], vertical_alignment="center")
        text.text(f"#{row.decision_id} · {row.subject} · {row.body}")
        if done.button(i18n.t("meeting.decision.done", lang), key=f"decision_done_{row.decision_id}"):
            close_decision(int(row.decision_id), "done", user)
            st.rerun()
        if dropped.button(i18n.t("meeting.decision.dropped", lang), key=f"decision_dropped_{row.decision_id}"):
            close_decision(int(row.decision_id), "dropped", user)
            st.rerun()


def _subjects(snapshot: Snapshot, kind: str) -> dict[str, str]:
    """{value stored: text shown} of the subjects of one kind the meeting talks about: for
    clients, those its tables show — the first TABLE_ROWS_SHOWN at risk and of the week's
    changes (10M interactions: 189k clients at risk made a 0.4 s, 190k-option picker)."""
    from app_state import TABLE_ROWS_SHOWN
    from metrics.meeting import MEETING_KPIS

    if kind == "manager":
        return {m: m for m in snapshot.managers["manager"].dropna()}
    if kind == "metric":
        return {name: name for name in MEETING_KPIS}
    frames = [snapshot.risk[["client_id", "client_name"]].head(TABLE_ROWS_SHOWN) if not snapshot.risk.empty
              else None, snapshot.changes["clients"][["client_id", "client_name"]].head(TABLE_ROWS_SHOWN)]
    clients = pd.concat([f for f in frames if f is not None]).drop_duplicates("client_id")
    return {cid: (name if not i18n.is_missing(name) else cid) for cid, name in zip(clients["client_id"],
                                                                                 clients["client_name"])}


def decision_form(snapshot: Snapshot, user: str, lang: str) -> None:
    """Record a decision: about a client, a manager or a metric; owner, due date, text, and
    the metric that will tell next week whether it worked (its value now is kept)."""
    from metrics.meeting import MEETING_KPIS

    t = i18n.t
    st.subheader(t("meeting.decision.new", lang))
    kind = st.segmented_control(t("meeting.decision.kind", lang), ["client", "manager", "metric"], default="client",
                                key="decision_kind", format_func=lambda k: t(f"meeting.kind.{k}", lang)) or "client"
    subjects = _subjects(snapshot, kind)
    label = (lambda v: t(f"metric.{v}.label", lang)) if kind == "metric" else subjects.get
    subject = st.selectbox(t("meeting.decision.subject", lang), list(subjects), key=f"decision_subject_{kind}",
                           format_func=label, index=None, placeholder=t("meeting.decision.pick", lang))
    left, right = st.columns(2)
    owner = left.text_input(t("meeting.decision.owner", lang), key="decision_owner")
    due = right.date_input(t("meeting.decision.due", lang), value=None, key="decision_due",
                           format="DD.MM.YYYY" if lang == "ru" else "YYYY-MM-DD")
    body = st.text_area(t("meeting.decision.body", lang), key="decision_body", height=90)
    metrics_ = [None, *MEETING_KPIS]
    metric = st.selectbox(t("meeting.decision.metric", lang), metrics_, key=f"decision_metric_{kind}_{subject}",
                          index=metrics_.index(subject) if kind == "metric" and subject in metrics_ else 0,
                          format_func=lambda m: t("meeting.decision.no_metric", lang) if m is None
                          else t(f"metric.{m}.label", lang))
    if st.button(t("meeting.decision.record", lang), key="decision_record", type="primary"):
        if not (subject and owner.strip() and body.strip()):
            st.error(t("meeting.decision.incomplete", lang))
            return
        decision_id = record_decision(snapshot.week, user, subject_kind=kind, subject=subject, owner=owner,
                                      body=body, due_on=due, metric=metric,
                                      baseline_value=kpi_value(snapshot, metric) if metric else None)
        for key in ("decision_owner", "decision_body", "decision_due"):
            st.session_state.pop(key, None)
        st.toast(t("meeting.decision.recorded", lang, id=decision_id))
        st.rerun()


def pack_buttons(snapshot: Snapshot, lang: str, currency: str) -> None:
    """Download the meeting pack (PDF, self-contained HTML, Excel), built when clicked."""
    from app_state import auth, downloads, pack

    user = auth.session_user_name()
    stem = f"meeting-{snapshot.week}"
    builds = {
        "pdf": ("application/pdf", lambda: pack.pdf_bytes(snapshot, lang, currency)),
        "html": ("text/html", lambda: pack.html_text(snapshot, lang, currency).encode("utf-8")),
        "xlsx": (downloads.MIME["xlsx"], lambda: pack.xlsx_bytes(snapshot, lang)),
    }
    with st.container(horizontal=True):
        for fmt, (mime, build) in builds.items():
            st.download_button(i18n.t(f"meeting.pack.{fmt}", lang), file_name=f"{stem}.{fmt}",
                               data=downloads.audited(build, user, f"{stem}.{fmt}"), mime=mime, key=f"pack_{fmt}",
                               on_click="ignore", icon=":material/download:", help=i18n.t("meeting.pack.help", lang))
