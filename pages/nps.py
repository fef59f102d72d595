"""NPS: trend with its 95 % interval, answer categories, managers, detractors' comments."""

import streamlit as st

import app_state
import charts
from i18n import fmt_metric, t, tn

ctx = app_state.page_context()
lang, f = ctx.lang, ctx.filters

st.title(t("page.nps.title", lang))
st.caption(t("page.nps.caption", lang))

data = app_state.load_nps(f, ctx.version)
summary = data["summary"]
if summary.empty or not summary["responses_count"].iloc[0]:
    st.info(t("page.nps.no_responses", lang))
    st.stop()

row = summary.iloc[0]
columns = st.columns(4, border=True)
columns[0].metric(t("metric.nps.label", lang), fmt_metric("nps", row["nps"], lang, f.currency),
                  help=t("metric.nps.description", lang))
columns[1].metric(t("page.nps.interval", lang),
                  t("page.nps.interval.value", lang,
                    low=fmt_metric("nps", row["ci_low"], lang, f.currency),
                    high=fmt_metric("nps", row["ci_high"], lang, f.currency)))
columns[2].metric(t("metric.nps_responses.label", lang),
                  fmt_metric("nps_responses", row["responses_count"], lang, f.currency))
columns[3].metric(t("page.nps.detractors", lang),
                  fmt_metric("nps_responses", row["detractors_count"], lang, f.currency))
if row["is_low_sample"]:
    st.warning(tn("page.nps.low_sample", int(row["responses_count"]), lang))

st.plotly_chart(charts.line_nps_trend(data["trend"], lang, grain=f.grain), width="stretch")
st.caption(t("page.nps.trend.note", lang))

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.bar_nps_categories(summary, lang), width="stretch")
with right:
    st.plotly_chart(charts.bar_nps_by_manager(data["by_manager"], lang), width="stretch")

st.subheader(t("page.nps.comments", lang))
if data["comments"].empty:
    st.info(t("page.nps.no_comments", lang))
else:
    app_state.show_table(data["comments"], {"answered_at": "date", "client_name": "text",
                                            "manager": "text", "score": "number",
                                            "comment": "text"}, lang, f.currency,
                           name="nps_detractor_comments")
