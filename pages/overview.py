"""Overview: the KPIs of the window against the window before it, and revenue by period."""

import streamlit as st

import app_state
import charts
from i18n import fmt_metric, t

ctx = app_state.page_context()
lang, f = ctx.lang, ctx.filters

st.title(t("page.overview.title", lang))
st.caption(t("page.overview.caption", lang))

kpis, trend = app_state.concurrently(lambda: app_state.load_kpis(f, ctx.version, ctx.settings),
                                     lambda: app_state.load_kpi_trend(f, ctx.version, ctx.settings))

for row_of_kpis in (kpis.iloc[:4], kpis.iloc[4:]):
    for column, kpi in zip(st.columns(4, border=True), row_of_kpis.itertuples()):
        column.metric(
            t(f"metric.{kpi.metric}.label", lang),
            fmt_metric(kpi.metric, kpi.value, lang, f.currency),
            delta=app_state.delta_text(kpi.metric, kpi.delta, lang, f.currency),
            delta_color=app_state.delta_color(kpi.metric),
            help=t(f"metric.{kpi.metric}.description", lang),
            chart_data=trend[kpi.metric].dropna().tolist() if kpi.metric in trend else None,
            chart_type="area",
        )
st.caption(t("page.overview.delta_note", lang))

revenue = app_state.load_revenue_by_period(f, ctx.version, ctx.settings)
st.plotly_chart(charts.bar_revenue_by_period(revenue, lang, f.currency, grain=f.grain),
                width="stretch")
