"""Clients: revenue concentration, clients at risk with reasons, one client's history."""

import streamlit as st

import app_state
import charts
from i18n import fmt_metric, fmt_number, t

ctx = app_state.page_context()
lang, f = ctx.lang, ctx.filters

st.title(t("page.clients.title", lang))
st.caption(t("page.clients.caption", lang))

at_risk = app_state.in_background(lambda: app_state.load_at_risk(f, ctx.version, ctx.settings))
concentration = app_state.load_concentration(f, ctx.version)
summary = concentration["summary"].iloc[0] if len(concentration["summary"]) else {}
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(charts.line_lorenz(concentration["lorenz"], summary.get("gini"), lang),
                    width="stretch")
with right:
    for name in ("top20_revenue_share", "gini", "clients_count", "revenue_amount"):
        st.metric(t(f"metric.{name}.label", lang), fmt_metric(name, summary.get(name), lang, f.currency),
                  help=t(f"metric.{name}.description", lang), border=True)
    st.caption(t("page.clients.lorenz.note", lang))

st.subheader(t("page.clients.at_risk", lang))
at_risk = at_risk.result()
if at_risk.empty:
    st.success(t("page.clients.no_risk", lang))
else:
    st.caption(t("page.clients.at_risk.note", lang, count=fmt_number(len(at_risk), lang)))
    app_state.show_table(at_risk, {"client_name": "text", "manager": "text",
                                   "revenue_at_risk_amount": "money", "reasons": "text",
                                   "risk_score": "decimal"}, lang, f.currency,
                         name="clients_at_risk")
    st.caption(app_state.risk_score_text(ctx.settings, lang))

st.subheader(t("page.clients.detail", lang))
search = st.text_input(t("page.clients.search", lang), key="client_search",
                       placeholder=t("page.clients.search.placeholder", lang))
clients, matching = app_state.load_client_list(f, ctx.version, search)
labels = app_state.client_labels(clients, st.session_state.get("client") or st.query_params.get("client"))
client_id = st.selectbox(t("page.clients.pick", lang), options=list(labels), index=None,
                         format_func=labels.get, key="client", bind="query-params",
                         placeholder=t("page.clients.pick.placeholder", lang))
if matching > len(clients):
    st.caption(t("page.clients.pick.more", lang, shown=fmt_number(len(clients), lang),
                 count=fmt_number(matching, lang)))
if client_id:
    detail = app_state.load_client_detail(f, ctx.version, client_id)
    pay, talk, score = st.tabs([t("page.clients.tab.payments", lang),
                                t("page.clients.tab.interactions", lang),
                                t("page.clients.tab.nps", lang)])
    with pay:
        app_state.show_table(detail["payments"], {
            "paid_at": "date", "amount": "money", "cost_amount": "money", "product": "text",
            "kind": "code:value.payment_kind", "manager": "text"}, lang, f.currency,
            name="client_payments")
    with talk:
        app_state.show_table(detail["interactions"], {
            "occurred_at": "date", "channel": "code:channel",
            "direction": "code:value.direction", "kind": "code:value.interaction_kind",
            "manager": "text", "first_response_min": "minutes", "is_resolved": "bool"},
            lang, f.currency, name="client_interactions")
    with score:
        app_state.show_table(detail["nps"], {"answered_at": "date", "score": "number",
                                             "comment": "text", "manager": "text"},
                             lang, f.currency, name="client_nps")
