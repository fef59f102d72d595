"""Managers: scorecard, NPS × margin balance, portfolio-adjusted growth, one manager's clients."""

import streamlit as st

import app_state
from app_state.safe_text import plain
import charts
from i18n import t, tn

ctx = app_state.page_context()
lang, f = ctx.lang, ctx.filters

st.title(t("page.managers.title", lang))
st.caption(t("page.managers.caption", lang))

growth = app_state.in_background(lambda: app_state.load_growth_index(f, ctx.version))
card = app_state.load_scorecard(f, ctx.version)
scorecard = card["rows"]
if scorecard.empty:
    st.info(t("app.no_data_in_window", lang))
    st.stop()

st.subheader(t("page.managers.scorecard", lang))
app_state.show_table(scorecard, {
    "manager": "text", "team": "text", "manager_type": "code:manager_type",
    "clients_count": "number",
    "revenue_amount": "revenue_amount", "margin_amount": "margin_amount", "hours": "hours",
    "margin_per_hour": "margin_per_hour", "nps": "nps", "retention_rate": "retention_rate",
    "nrr": "nrr", "growth_index": "growth_index",
    "first_response_median_min": "first_response_median_min",
    "missed_call_rate": "missed_call_rate", "complaints_per_100": "complaints_per_100",
}, lang, f.currency, height="content", name="manager_scorecard")
st.caption(t("page.managers.scorecard.note", lang))

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.scatter_balance_quadrant(
        scorecard, lang, f.currency, x_split=card["margin_per_hour_median"],
        y_split=card["nps_median"]), width="stretch")
    st.caption(t("page.managers.balance.note", lang))
with right:
    growth = growth.result()
    st.plotly_chart(charts.bar_growth_index(growth, lang, currency=f.currency), width="stretch")
    st.info(t("page.managers.growth.explain", lang))

st.subheader(t("page.managers.clients", lang))
names = scorecard["manager"].tolist()
manager = st.selectbox(t("page.managers.pick", lang), options=names, key="manager",
                       bind="query-params")
if manager:
    clients = app_state.load_manager_clients(f, ctx.version, manager)
    st.caption(t("page.managers.clients.count", lang, manager=plain(manager),
                 count=tn("count.clients", len(clients), lang)))
    app_state.show_table(clients, {"client_name": "text", "segment": "text",
                                   "revenue_amount": "money", "margin_amount": "money",
                                   "last_paid_at": "date"}, lang, f.currency,
                         name="manager_clients")
