"""Weekly meeting: the week against last week and the 4-week average, what changed and who caused
it, clients at risk, one slide per manager, decisions — as a page, or as full-screen slides
(``?present=1&slide=N``) on a snapshot frozen when the presentation starts."""

import streamlit as st

import app_state
import charts
from app_state import meeting
from app_state.safe_text import plain
from i18n import fmt_count, fmt_date, fmt_metric, t, tn

ctx = app_state.page_context()
lang, f, currency = ctx.lang, ctx.filters, ctx.filters.currency
weeks = meeting.weeks(ctx.options)
if not weeks:
    st.title(t("page.meeting.title", lang))
    st.info(t("meeting.no_weeks", lang))
    st.stop()
week = meeting.week_choice(weeks, meeting.default_week(ctx.options), lang)
presenting = meeting.presenting()
snapshot = (meeting.frozen_snapshot if presenting else meeting.build_snapshot)(f, ctx.version, ctx.settings, week)
deck = meeting.slides(snapshot, lang)
can_decide = ctx.user.can("decide")


# ------------------------------------------------------------------ one slide each

def agenda() -> None:
    left, right = st.columns([2, 3])
    left.markdown(meeting.agenda_markdown(deck, lang))
    check = meeting.decisions_to_check_view(snapshot, lang, currency)
    if not check.empty:  # the meeting opens with what it decided before, and what happened since
        with right:
            st.markdown(f"**{t('meeting.decisions.check', lang)}**")
            app_state.show_table(check, {"subject": "text", "owner": "text", "body": "text",
                                         "status": "code:meeting.status", "since": "text"},
                                 lang, currency, name="agenda-decisions", static=presenting)
    st.caption(t("meeting.agenda.snapshot", lang, when=f"{fmt_date(snapshot.taken_at, lang)} "
                                                       f"{snapshot.taken_at:%H:%M}",
                 checks=fmt_count(len(snapshot.decisions_to_check), lang)))


def kpis() -> None:
    grid = st.columns(3)
    for position, row in enumerate(snapshot.kpis.itertuples()):
        grid[position % 3].metric(
            t(f"metric.{row.name}.label", lang), fmt_metric(row.name, row.value, lang, currency),
            delta=app_state.delta_text(row.name, row.change, lang, currency),
            delta_color=app_state.delta_color(row.name), help=t(f"metric.{row.name}.description", lang),
            border=True)
        grid[position % 3].caption(meeting.vs_average_text(row, lang, currency))
    st.caption(meeting.nps_interval_text(snapshot, lang))


def changes() -> None:
    span = meeting.span_choice(lang)
    moved = meeting.changes_of(snapshot, span)
    left, right = st.columns([3, 2])
    bridge = charts.waterfall_revenue_bridge(moved["components"], lang, currency,
                                             prev_label=t(f"meeting.before.{span}", lang),
                                             cur_label=t(f"meeting.now.{span}", lang))
    left.plotly_chart(charts.for_slide(bridge, meeting.dark()), width="stretch", key="bridge", theme=None)
    by_manager = charts.bar_bridge_by_manager(moved["managers"], lang, currency)
    right.plotly_chart(charts.for_slide(by_manager, meeting.dark()), width="stretch", key="bridge_managers",
                       theme=None)
    split = st.columns(3)
    for column, (name, value) in zip(split, meeting.nps_split_values(snapshot, span)):
        column.metric(t(f"metric.{name}.label", lang), fmt_metric(name, value, lang, currency),
                      help=t(f"metric.{name}.description", lang), border=True)
    st.caption(t("meeting.nps_split.note", lang))
    with st.expander(t("meeting.drill", lang), expanded=not presenting):
        component = st.selectbox(t("meeting.drill", lang), ["all", *meeting.BRIDGE_STEPS], key="drill_component",
                                 format_func=lambda c: t(f"meeting.component.{c}", lang))
        app_state.show_table(meeting.bridge_clients(snapshot, None if component == "all" else component, span),
                             {"client_name": "text", "manager": "text", "component": "code:meeting.component",
                              "prev_amount": "money", "cur_amount": "money", "change_amount": "money"},
                             lang, currency, height=360, name="bridge-clients", shown_rows=meeting.DRILL_ROWS_SHOWN)


def risk() -> None:
    if snapshot.risk.empty:
        st.success(t("meeting.risk.none", lang))
        return
    st.caption(tn("meeting.risk.count", len(snapshot.risk), lang))
    shown = meeting.RISK_ROWS_ON_SLIDE if presenting else meeting.RISK_ROWS_SHOWN
    app_state.show_table(snapshot.risk.head(shown), {"client_name": "text", "manager": "text",
                                                  "revenue_at_risk_amount": "money", "reasons": "text",
                                                  "risk_score": "decimal"},
                         lang, currency, height="content", name="at-risk", static=presenting)
    if len(snapshot.risk) > shown:
        st.caption(t("meeting.risk.shown", lang, shown=shown))
    st.caption(app_state.risk_score_text(ctx.settings, lang))


def manager_slide(name: str) -> None:
    summary = meeting.manager_summary(snapshot, name)
    grid = st.columns(4)
    for position, (label, value, help_text) in enumerate(meeting.manager_cells(summary, lang, currency)):
        grid[position % 4].metric(label, value, help=help_text, border=True)
    st.markdown(meeting.quadrant_text(summary["row"], lang))
    if summary["risk"].empty:
        st.caption(t("meeting.manager.no_risk", lang))
    else:
        app_state.show_table(summary["risk"], {"client_name": "text", "revenue_at_risk_amount": "money",
                                               "reasons": "text"}, lang, currency, name=f"at-risk-{name}",
                             static=presenting)


def decisions() -> None:
    st.subheader(t("meeting.decisions.check", lang))
    check = meeting.decisions_to_check_view(snapshot, lang, currency)
    if check.empty:
        st.caption(t("meeting.decisions.none_to_check", lang))
    else:
        app_state.show_table(check, {"decision_id": "number", "week": "text", "subject": "text", "owner": "text",
                                     "body": "text", "due_on": "date", "status": "code:meeting.status",
                                     "since": "text"}, lang, currency, name="decisions-to-check",
                             static=presenting)
        if can_decide:
            meeting.close_buttons(check, ctx.user.name, lang)
    st.subheader(t("meeting.decisions.this_week", lang))
    if snapshot.decisions_of_week.empty:
        st.caption(t("meeting.decisions.none", lang))
    else:
        app_state.show_table(snapshot.decisions_of_week, {"decision_id": "number", "subject": "text",
                                                          "owner": "text", "body": "text", "due_on": "date",
                                                          "status": "code:meeting.status"},
                             lang, currency, name="decisions", static=presenting)
    if can_decide:
        meeting.decision_form(snapshot, ctx.user.name, lang)


RENDER = {"agenda": agenda, "kpis": kpis, "changes": changes, "risk": risk, "decisions": decisions}


def show(slide) -> None:
    if slide.kind == "manager":
        manager_slide(slide.manager)
    else:
        RENDER[slide.kind]()


# ------------------------------------------------------------------ page or presentation
if presenting:
    number = meeting.presentation_bar(deck, week, lang)
    slide = deck[number - 1]
    st.title(plain(slide.title))
    show(slide)
else:
    st.title(t("page.meeting.title", lang))
    st.caption(t("meeting.caption", lang, week=meeting.week_label(week, lang)))
    meeting.present_button(lang)
    meeting.pack_buttons(snapshot, lang, currency)
    for heading, group in meeting.sections(deck, lang):
        st.header(plain(heading), divider="gray")
        show(group[0] if group[0].kind != "manager" else meeting.manager_choice(group, lang))
