"""Retention: cohort heatmap (clients or revenue), retention curves, NRR and GRR."""

import streamlit as st

import app_state
import charts
from i18n import fmt_metric, t

ctx = app_state.page_context()
lang, f = ctx.lang, ctx.filters

st.title(t("page.retention.title", lang))
st.caption(t("page.retention.caption", lang))

nrr = app_state.load_nrr_grr(f, ctx.version)
row = nrr.iloc[0] if len(nrr) else {}
columns = st.columns(4, border=True)
for column, name in zip(columns[:2], ("nrr", "grr")):
    column.metric(t(f"metric.{name}.label", lang), fmt_metric(name, row.get(name), lang, f.currency),
                  help=t(f"metric.{name}.description", lang))
for column, name in zip(columns[2:], ("base_revenue_amount", "current_revenue_amount")):
    column.metric(t(f"page.retention.{name}", lang),
                  fmt_metric("revenue_amount", row.get(name), lang, f.currency))
st.caption(t("page.retention.nrr.note", lang))

kind = app_state.url_choice(st, t("page.retention.kind", lang), ["logo", "revenue"], "logo",
                            "retention_kind", lambda k: t(f"page.retention.kind.{k}", lang))
cohorts = app_state.load_retention(f, ctx.version, kind)
if cohorts.empty:
    st.info(t("app.no_data_in_window", lang))
else:
    st.plotly_chart(charts.heatmap_cohort_retention(cohorts, lang, kind, grain=f.grain),
                    width="stretch")
    st.caption(t("page.retention.heatmap.note", lang))
    st.plotly_chart(charts.line_retention_curves(cohorts, lang, kind=kind, grain=f.grain),
                    width="stretch")
