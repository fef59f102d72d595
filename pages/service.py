"""Service: response and resolution times, SLA by channel, missed calls, when clients reach out."""

import streamlit as st

import app_state
import charts
from i18n import fmt_metric, t

ctx = app_state.page_context()
lang, f = ctx.lang, ctx.filters

st.title(t("page.service.title", lang))
sla = app_state.sla_minutes(ctx.settings)
st.caption(t("page.service.caption", lang, sla=", ".join(
    t("page.service.sla_item", lang, channel=t(f"channel.{channel}", lang),
      minutes=fmt_metric("first_response_median_min", minutes, lang, f.currency))
    for channel, minutes in sla.items())))

data = app_state.load_service(f, ctx.version, ctx.settings)
totals = data["totals"].iloc[0] if len(data["totals"]) else {}
names = ("first_response_median_min", "first_response_p90_min", "resolution_median_min",
         "sla_hit_rate", "missed_call_rate", "complaints_per_100")
for row_of_names in (names[:3], names[3:]):
    for column, name in zip(st.columns(3, border=True), row_of_names):
        column.metric(t(f"metric.{name}.label", lang),
                      fmt_metric(name, totals.get(name), lang, f.currency),
                      help=t(f"metric.{name}.description", lang))

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.histogram_minutes(data["first_response_min"], lang,
                                             "page.service.first_response"), width="stretch")
    st.plotly_chart(charts.bar_sla_by_channel(data["by_channel"], lang), width="stretch")
with right:
    st.plotly_chart(charts.histogram_minutes(data["resolution_min"], lang,
                                             "page.service.resolution"), width="stretch")
    st.plotly_chart(charts.bar_missed_calls_by_manager(data["by_manager"], lang), width="stretch")

st.plotly_chart(charts.heatmap_weekday_hour(data["weekday_hour"], lang), width="stretch")
