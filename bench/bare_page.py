"""The first page's floor: a Streamlit page drawing the same kinds of elements as the Overview of
a first visit — page menu, sidebar filters, a title, eight KPI cards with sparklines and a
Plotly bar chart — from constants: no database, no cache, no translation.

``bench/first_page.py`` serves it next to the app and opens both the same way, so the time
Streamlit and the browser take on this machine to draw such a page (its scripts, the cards'
Vega-Lite, Plotly) is measured in the same run as ours. Run alone:
``streamlit run bench/bare_page.py``.
"""

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

MONTHS = [dt.date(2025, month, 1) for month in range(1, 13)]
# eight cards, seven with a sparkline (the Overview's NRR has no per-period trend)
CARDS = [(f"KPI {i + 1}", f"{1_000 * (i + 1):,}", f"+{i + 1} %",
          [10 + (i + k) % 5 for k in range(12)] if i != 4 else None) for i in range(8)]


def overview() -> None:
    st.title("Overview")
    st.caption("The window's KPIs against the window before it.")
    for row in (CARDS[:4], CARDS[4:]):
        for column, (label, value, delta, trend) in zip(st.columns(4, border=True), row):
            column.metric(label, value, delta=delta, help=label, chart_data=trend, chart_type="area")
    st.caption("Deltas compare with the window before.")
    figure = go.Figure(go.Bar(x=MONTHS, y=[100 + 7 * i for i in range(12)], name="Revenue"))
    figure.update_layout(xaxis_title="Month", yaxis_title="Revenue")
    st.plotly_chart(figure, width="stretch")


def other() -> None:
    st.title("Other page")


def main() -> None:
    st.set_page_config(page_title="Bare page", layout="wide", initial_sidebar_state="expanded")
    st.sidebar.segmented_control("Language", ["en", "ru"], default="en")
    current = st.navigation([st.Page(overview, title="Overview", default=True),
                             *(st.Page(other, title=f"Page {i}", url_path=f"page{i}") for i in range(2, 11))])
    st.sidebar.caption("Signed in")
    side = st.sidebar
    side.subheader("Filters")
    side.date_input("Start", value=MONTHS[0], min_value=MONTHS[0], max_value=MONTHS[-1])
    side.date_input("End", value=MONTHS[-1], min_value=MONTHS[0], max_value=MONTHS[-1])
    side.segmented_control("Grain", ["month", "week"], default="month")
    for label in ("Team", "Manager", "Segment"):
        side.multiselect(label, options=["a", "b", "c"], placeholder="All")
    current.run()


main()
