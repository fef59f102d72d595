"""LTV: cumulative value per cohort client, the distribution over clients, the top clients."""

import streamlit as st

import app_state
import charts
from i18n import t

ctx = app_state.page_context()
lang, f = ctx.lang, ctx.filters

st.title(t("page.ltv.title", lang))
st.caption(t("page.ltv.caption", lang))

measure = app_state.url_choice(st, t("page.ltv.measure", lang), ["margin", "revenue"], "margin",
                               "ltv_measure", lambda m: t(f"page.ltv.measure.{m}", lang))

bins = app_state.in_background(lambda: app_state.load_ltv_distribution(f, ctx.version, measure, ctx.settings))
curves = app_state.load_ltv_curves(f, ctx.version, measure, ctx.settings)
if curves.empty:
    st.info(t("app.no_data_in_window", lang))
else:
    if curves["ltv_amount"].isna().any():
        st.info(t("page.ltv.margin_unknown", lang))
    st.plotly_chart(charts.line_ltv_curves(curves, lang, f.currency, measure=measure, grain=f.grain),
                    width="stretch")

left, right = st.columns([3, 2])
with left:
    bins = bins.result()
    st.plotly_chart(charts.histogram_ltv(bins, lang, f.currency, measure=measure), width="stretch")
with right:
    st.subheader(t(f"page.ltv.top.{measure}", lang))
    top = app_state.load_top_clients(f, ctx.version, measure, ctx.settings)
    app_state.show_table(top, {"client_name": "text", "manager": "text",
                               f"{measure}_amount": "money", "payments_count": "number"},
                         lang, f.currency, name=f"top_clients_{measure}")
st.caption(t("page.ltv.note", lang))
