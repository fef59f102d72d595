"""charts: trace types, translated axis titles, separators, empty frames and escaped names.

Frames carry exactly the output columns of the metric functions (docs/architecture.md).
Nothing is rendered: the tests read the figure objects.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go
import pytest

import charts
import i18n

D = dt.date
NB = "\u00a0"
PAYLOAD = "<b>x</b>"
ESCAPED = "&lt;b&gt;x&lt;/b&gt;"


def retention_frame() -> pd.DataFrame:
    # cohort Jan: 4 clients, 2 active at k=1 (0.5), 1 at k=2 (0.25); Feb: k=2 not reached yet
    return pd.DataFrame({
        "cohort": [D(2026, 1, 1)] * 3 + [D(2026, 2, 1)] * 2,
        "k": [0, 1, 2, 0, 1],
        "cohort_clients_count": [4, 4, 4, 2, 2],
        "clients_count": [4, 2, 1, 2, 1],
        "revenue_amount": [100.0, 60.0, 20.0, 50.0, 10.0],
        "rate": [1.0, 0.5, 0.25, 1.0, 0.5],
    })  # fmt: skip


def ltv_curve_frame() -> pd.DataFrame:
    # 4 clients; margin 100 at k=0 → 25 per client, +50 at k=1 → 37.5
    return pd.DataFrame({
        "cohort": [D(2026, 1, 5)] * 2, "k": [0, 1], "cohort_clients_count": [4, 4],
        "period_amount": [100.0, 50.0], "ltv_amount": [25.0, 37.5],
    })  # fmt: skip


def bins_frame() -> pd.DataFrame:
    return pd.DataFrame({"bin_start": [0.0, 5.0, 60.0], "bin_end": [5.0, 60.0, math.inf], "count": [3, 2, 1]})


def top_clients_frame() -> pd.DataFrame:
    return pd.DataFrame({"client_name": [PAYLOAD, "Acme", "Acme"], "revenue_amount": [100.0, 300.0, 50.0]})


def nps_period_frame() -> pd.DataFrame:
    # 40 responses: (20 − 10) / 40 = +25; 5 responses: (2 − 2) / 5 = 0, low sample
    return pd.DataFrame({
        "period": [D(2026, 10, 5), D(2026, 10, 12)],
        "responses_count": [40, 5], "promoters_count": [20, 2], "passives_count": [10, 1],
        "detractors_count": [10, 2], "nps": [25.0, 0.0], "ci_low": [5.0, -80.0], "ci_high": [45.0, 80.0],
        "is_low_sample": [False, True],
    })  # fmt: skip


def nps_manager_frame() -> pd.DataFrame:
    return nps_period_frame().drop(columns="period").assign(manager=["Ivanova", PAYLOAD])[
        ["manager", "responses_count", "promoters_count", "passives_count", "detractors_count",
         "nps", "ci_low", "ci_high", "is_low_sample"]
    ]  # fmt: skip


def scorecard_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "manager": ["Ivanova", "Petrov", PAYLOAD, "Sidorova", "Nobody"],
        "margin_per_hour": [300.0, 100.0, 200.0, 50.0, None],
        "nps": [50.0, 60.0, -10.0, 0.0, 10.0],
        "revenue_amount": [4000.0, 1000.0, 2000.0, 500.0, 0.0],
        "manager_type": ["ideal", "obsequious", "squeezer", "indifferent", None],
    })  # fmt: skip


def growth_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "manager": ["Ivanova", PAYLOAD, "Petrov"],
        "base_revenue_amount": [100.0, 200.0, 0.0], "current_revenue_amount": [120.0, 150.0, 50.0],
        "expected_revenue_amount": [100.0, 200.0, 0.0], "growth_index": [1.2, 0.75, None],
    })  # fmt: skip


def sla_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "channel": ["call", "email", PAYLOAD], "interactions_count": [12, 5, 2], "answered_count": [10, 5, 2],
        "sla_hit_rate": [0.9, 0.5, 1.0],
    })  # fmt: skip


def missed_calls_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "manager": ["Ivanova", PAYLOAD, "Petrov"], "inbound_calls_count": [10, 20, 0],
        "missed_calls_count": [1, 5, 0], "missed_call_rate": [0.1, 0.25, None],
    })  # fmt: skip


def weekday_hour_frame() -> pd.DataFrame:
    return pd.DataFrame({"weekday": [1, 7], "hour": [9, 23], "interactions_count": [5, 2]})


def lorenz_frame() -> pd.DataFrame:
    # revenues 10, 20, 70: cumulative shares 0.1, 0.3, 1.0
    return pd.DataFrame({"rank": [1, 2, 3], "client_share": [1 / 3, 2 / 3, 1.0], "revenue_share": [0.1, 0.3, 1.0]})


def revenue_frame() -> pd.DataFrame:
    return pd.DataFrame({"period": [D(2026, 10, 1), D(2026, 11, 1)], "revenue_amount": [12345.6, 23456.7]})


# (name, builder from (frame, lang), frame factory, trace types, x title key, y title key)
CASES = [
    ("heatmap_cohort_retention", lambda df, lang: charts.heatmap_cohort_retention(df, lang, "logo"),
     retention_frame, ["heatmap"], "chart.axis.periods_since_start", "chart.axis.cohort"),
    ("line_retention_curves", charts.line_retention_curves,
     retention_frame, ["scatter", "scatter"], "chart.axis.periods_since_start", "chart.axis.retention.logo"),
    ("line_ltv_curves", lambda df, lang: charts.line_ltv_curves(df, lang, "RUB"),
     ltv_curve_frame, ["scatter"], "chart.axis.periods_since_start", "chart.axis.ltv.margin"),
    ("histogram_ltv", lambda df, lang: charts.histogram_ltv(df, lang, "RUB"),
     bins_frame, ["bar"], "chart.axis.ltv_client.margin", "chart.axis.clients"),
    ("bar_top_clients", lambda df, lang: charts.bar_top_clients(df, lang, "RUB"),
     top_clients_frame, ["bar"], "chart.axis.revenue_amount", "chart.axis.client"),
    ("line_nps_trend", charts.line_nps_trend,
     nps_period_frame, ["scatter"] * 4, "chart.axis.period", "chart.axis.nps"),
    ("bar_nps_categories", charts.bar_nps_categories,
     nps_period_frame, ["bar"] * 3, "chart.axis.period", "chart.axis.responses"),
    ("bar_nps_by_manager", charts.bar_nps_by_manager,
     nps_manager_frame, ["bar"], "chart.axis.manager", "chart.axis.nps"),
    ("scatter_balance_quadrant", lambda df, lang: charts.scatter_balance_quadrant(df, lang, "RUB"),
     scorecard_frame, ["scatter"] * 4, "chart.axis.margin_per_hour", "chart.axis.nps"),
    ("bar_growth_index", charts.bar_growth_index,
     growth_frame, ["bar", "bar"], "chart.axis.manager", "chart.axis.growth_index"),
    ("histogram_minutes", lambda df, lang: charts.histogram_minutes(df, lang, "chart.first_response.title"),
     bins_frame, ["bar"], "chart.axis.duration", "chart.axis.interactions"),
    ("bar_sla_by_channel", charts.bar_sla_by_channel,
     sla_frame, ["bar"], "chart.axis.channel", "chart.axis.sla_hit_rate"),
    ("bar_missed_calls_by_manager", charts.bar_missed_calls_by_manager,
     missed_calls_frame, ["bar"], "chart.axis.missed_call_rate", "chart.axis.manager"),
    ("heatmap_weekday_hour", charts.heatmap_weekday_hour,
     weekday_hour_frame, ["heatmap"], "chart.axis.hour", "chart.axis.weekday"),
    ("line_lorenz", lambda df, lang: charts.line_lorenz(df, 0.4, lang),
     lorenz_frame, ["scatter", "scatter"], "chart.axis.client_share", "chart.axis.revenue_share"),
    ("bar_revenue_by_period", lambda df, lang: charts.bar_revenue_by_period(df, lang, "RUB"),
     revenue_frame, ["bar"], "chart.axis.period", "chart.axis.revenue_amount"),
]  # fmt: skip
IDS = [case[0] for case in CASES]
LANGS = pytest.mark.parametrize("lang", i18n.LANGS)


def _currency_params(key: str, lang: str) -> dict:
    return {"currency": charts.currency_symbol("RUB", lang)} if "{currency}" in i18n.catalogue(lang)[key] else {}


@LANGS
@pytest.mark.parametrize(("name", "build", "frame", "types", "x_key", "y_key"), CASES, ids=IDS)
def test_chart_traces_titles_and_separators(name, build, frame, types, x_key, y_key, lang):
    fig = build(frame(), lang)
    assert isinstance(fig, go.Figure)
    assert [trace.type for trace in fig.data] == types
    assert fig.layout.xaxis.title.text == i18n.t(x_key, lang, **_currency_params(x_key, lang))
    assert fig.layout.yaxis.title.text == i18n.t(y_key, lang, **_currency_params(y_key, lang))
    assert fig.layout.separators == i18n.plotly_separators(lang)
    assert fig.layout.title.text
    assert fig.layout.template.layout.font.size == charts.BASE_FONT_PX
    assert fig.layout.template.layout.title.font.size == charts.TITLE_FONT_PX


@LANGS
@pytest.mark.parametrize(("name", "build", "frame", "types", "x_key", "y_key"), CASES, ids=IDS)
def test_chart_empty_frame(name, build, frame, types, x_key, y_key, lang):
    fig = build(frame().iloc[0:0], lang)
    assert len(fig.data) == 0
    assert [a.text for a in fig.layout.annotations] == [i18n.t("chart.no_data", lang)]
    assert (fig.layout.annotations[0].x, fig.layout.annotations[0].y) == (0.5, 0.5)


def _all_label_text(fig: go.Figure) -> str:
    """Every string Plotly would render as (HTML-subset) text: traces, ticks, annotations."""
    texts = [a.text or "" for a in fig.layout.annotations]
    texts += [str(fig.layout.yaxis.ticktext or ""), str(fig.layout.xaxis.ticktext or "")]
    for trace in fig.data:
        for attribute in ("x", "y", "text", "hovertext", "name"):
            value = getattr(trace, attribute, None)
            texts.append(str(list(value)) if isinstance(value, tuple | list) else str(value))
    return " ".join(texts)


@pytest.mark.parametrize(
    "name",
    ["bar_top_clients", "bar_nps_by_manager", "scatter_balance_quadrant", "bar_growth_index",
     "bar_sla_by_channel", "bar_missed_calls_by_manager"],
)  # fmt: skip
def test_chart_escapes_html_names(name):
    _, build, frame, *_ = CASES[IDS.index(name)]
    text = _all_label_text(build(frame(), "en"))
    assert ESCAPED in text
    assert PAYLOAD not in text


def test_escape_label():
    assert charts.escape_label("<b>x</b> & <script>") == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;"
    assert charts.escape_label(42) == "42"


def test_heatmap_cohort_retention_immature_cell_blank():
    fig = charts.heatmap_cohort_retention(retention_frame(), "ru", "logo")
    heat = fig.data[0]
    assert list(heat.x) == [0, 1, 2]
    assert list(heat.y) == ["янв. 2026", "февр. 2026"]
    assert list(heat.z[0]) == [1.0, 0.5, 0.25]
    assert list(heat.z[1][:2]) == [1.0, 0.5] and math.isnan(heat.z[1][2])
    assert heat.text[0] == [f"100{NB}%", f"50{NB}%", f"25{NB}%"]
    assert heat.text[1] == [f"100{NB}%", f"50{NB}%", ""]
    assert "2 из 4" in heat.hovertext[0][1]  # 2 of the January cohort's 4 clients active at k=1


def test_line_retention_curves_one_line_per_cohort():
    fig = charts.line_retention_curves(retention_frame(), "en")
    assert [trace.name for trace in fig.data] == ["Jan 2026", "Feb 2026"]
    assert list(fig.data[0].y) == [1.0, 0.5, 0.25]


def test_line_ltv_curves_weekly_cohort_label():
    fig = charts.line_ltv_curves(ltv_curve_frame(), "en", "USD")
    assert fig.data[0].name == "2026-W02"  # Monday 2026-01-05 is not a 1st: weekly cohorts
    assert "Margin per client: $38" in fig.data[0].hovertext[1]  # 37.5 rounds half-up


def test_histogram_ltv_bin_labels():
    ru = charts.histogram_ltv(bins_frame(), "ru", "RUB").data[0]
    assert list(ru.x) == [f"0{NB}₽ – 5{NB}₽", f"5{NB}₽ – 60{NB}₽", f"от 60{NB}₽"]
    assert list(ru.y) == [3, 2, 1]


def test_histogram_minutes_bin_labels():
    bins = pd.DataFrame({"bin_start": [0.0, 60.0], "bin_end": [60.0, math.inf], "count": [7, 1]})
    fig = charts.histogram_minutes(bins, "en", "chart.resolution.title")
    assert list(fig.data[0].x) == ["0 min – 1 h", "≥ 1 h"]
    assert fig.layout.title.text == "Time to resolution"


def test_bar_top_clients_largest_on_top_and_duplicate_names_kept():
    fig = charts.bar_top_clients(top_clients_frame(), "en", "USD")
    assert list(fig.data[0].x) == [300.0, 100.0, 50.0]
    assert list(fig.layout.yaxis.ticktext) == ["Acme", ESCAPED, "Acme"]
    assert list(fig.data[0].text) == ["$300", "$100", "$50"]
    assert fig.layout.yaxis.autorange == "reversed"


def test_line_nps_trend_band_and_low_sample_grey():
    fig = charts.line_nps_trend(nps_period_frame(), "en")
    high, low, line, legend = fig.data
    assert list(high.y) == [45.0, 80.0] and list(low.y) == [5.0, -80.0] and low.fill == "tonexty"
    assert list(line.marker.color) == [charts.GOOD, charts.LOW_SAMPLE]
    assert list(line.x) == ["2026-W41", "2026-W42"]
    assert legend.name == i18n.t("chart.low_sample", "en")
    assert "5 responses" in line.hovertext[1] and i18n.t("chart.low_sample", "en") in line.hovertext[1]


def test_bar_nps_categories_stacked_counts():
    fig = charts.bar_nps_categories(nps_period_frame(), "ru")
    assert fig.layout.barmode == "stack"
    assert [list(trace.y) for trace in fig.data] == [[20, 2], [10, 1], [10, 2]]
    names = [trace.name for trace in fig.data]
    assert names == ["Промоутеры (9–10)", "Нейтралы (7–8)", "Критики (0–6)"]


def test_bar_nps_categories_without_group_is_one_bar():
    overall = nps_manager_frame().drop(columns="manager").iloc[[0]]
    fig = charts.bar_nps_categories(overall, "en")
    assert list(fig.data[0].x) == ["All responses"]


def test_bar_nps_categories_no_responses_is_empty():
    zero = nps_manager_frame().drop(columns="manager").iloc[[0]].assign(
        responses_count=0, promoters_count=0, passives_count=0, detractors_count=0, nps=None
    )
    fig = charts.bar_nps_categories(zero, "en")
    assert [a.text for a in fig.layout.annotations] == ["No data for the selected filters"]


def test_bar_nps_by_manager_error_bars_and_labels():
    fig = charts.bar_nps_by_manager(nps_manager_frame(), "ru")
    bar = fig.data[0]
    assert list(fig.layout.xaxis.ticktext) == ["Ivanova<br>n = 40", f"{ESCAPED}<br>n = 5"]
    assert list(bar.y) == [25.0, 0.0]
    assert list(bar.error_y.array) == [20.0, 80.0]  # 45 − 25, 80 − 0
    assert list(bar.error_y.arrayminus) == [20.0, 80.0]  # 25 − 5, 0 − (−80)
    # the values as labels on a white patch at the bar's end (the interval's line passes behind)
    labels = fig.layout.annotations
    assert [(a.x, a.y, a.text, a.yanchor) for a in labels] == [("Ivanova", 25.0, "25", "top"),
                                                               (ESCAPED, 0.0, "0", "bottom")]
    assert bar.text is None and all(a.bgcolor and not a.showarrow for a in labels)
    assert list(bar.marker.color) == [charts.GOOD, charts.LOW_SAMPLE]


def test_scatter_balance_quadrant_medians_and_quadrants():
    fig = charts.scatter_balance_quadrant(scorecard_frame(), "en", "RUB")
    types = [i18n.t(f"manager_type.{k}", "en") for k in ("ideal", "obsequious", "squeezer", "indifferent")]
    assert [trace.name for trace in fig.data] == types
    vertical, horizontal = fig.layout.shapes
    # medians over the placed managers: x of 50, 100, 200, 300 → 150; y of -10, 0, 50, 60 → 25
    assert (vertical.x0, vertical.x1, horizontal.y0, horizontal.y1) == (150.0, 150.0, 25.0, 25.0)
    assert [a.text for a in fig.layout.annotations] == types
    assert "Nobody" not in _all_label_text(fig)  # no margin per hour: not placed
    sizes = [trace.marker.size[0] for trace in fig.data]
    assert sizes == [4000.0, 1000.0, 2000.0, 500.0]


def test_quadrant_names_have_free_bands_above_and_below_the_points():
    """The y range leaves the top and bottom sixth (_BALANCE_BAND) free for the quadrant names."""
    fig = charts.scatter_balance_quadrant(scorecard_frame(), "en", "RUB")
    low, high = fig.layout.yaxis.range
    span = high - low
    ys = [y for trace in fig.data for y in trace.y] + [25.0]  # the points and the median line
    assert min(ys) == -10.0 and max(ys) == 60.0
    # points −10…60 (span 70) padded by 0.16 / (1 − 0.32) of it on each side
    assert (low, high) == pytest.approx((-10.0 - 70 * 0.16 / 0.68, 60.0 + 70 * 0.16 / 0.68))
    assert (min(ys) - low) / span == pytest.approx(0.16) and (high - max(ys)) / span == pytest.approx(0.16)


def test_names_of_points_in_one_place_go_to_different_sides():
    # two markers of radius 5 px at the same spot in a 600 × 400 plot: the second name can
    # not take the top too
    spots = charts.label_spots([(300.0, 200.0, 5.0), (300.0, 200.0, 5.0)], [80.0, 80.0], (600.0, 400.0))
    assert spots == ["top center", "bottom center"]


def test_a_name_keeps_out_of_the_plot_edge_and_of_taken_boxes():
    # at the top edge: the top would leave the plot → below
    assert charts.label_spots([(300.0, 395.0, 5.0)], [80.0], (600.0, 400.0)) == ["bottom center"]
    # a quadrant name above and below the point → to its right; at the right edge too → left
    taken = [(250.0, 205.0, 350.0, 240.0), (250.0, 160.0, 350.0, 195.0)]
    assert charts.label_spots([(300.0, 200.0, 5.0)], [80.0], (600.0, 400.0), taken) == ["middle right"]
    assert charts.label_spots([(560.0, 200.0, 5.0)], [80.0], (600.0, 400.0),
                              [(510.0, 205.0, 600.0, 240.0), (510.0, 160.0, 600.0, 195.0)]) == ["middle left"]


def test_a_name_with_no_free_place_is_left_off():
    # Two markers at one spot; everything below y = 212 px is text (a taken box). The first name
    # takes the top (free). For the second, the top is the first name, the bottom, right and left
    # lie in the taken box, and the best diagonal (top right, x 309-389, y 209.2-227.5) covers
    # 2.8 × 80 px of the box and 30.8 × 14.5 px of the first name: 671 of its 1,456 px² > ¼.
    spots = charts.label_spots([(300.0, 200.0, 5.0), (300.0, 200.0, 5.0)], [80.0, 80.0], (600.0, 400.0),
                               [(0.0, 0.0, 600.0, 212.0)])
    assert spots == ["top center", None]


def test_quadrant_chart_leaves_off_names_crowded_out_and_keeps_them_in_the_hover():
    frame = pd.DataFrame({
        "manager": [f"Manager number {i:02d}" for i in range(12)], "margin_per_hour": [300.0] * 12,
        "nps": [40.0] * 11 + [60.0], "revenue_amount": [1000.0] * 12, "manager_type": ["ideal"] * 12,
    })
    # Eleven equal markers (radius 24 px) at one spot, names 117 px wide: the eight positions
    # around it overlap each other by < ¼ of a name (top and top-right share 39.3 × 10.4 of
    # 117 × 18.2 px, 19 %), so managers 00-07 take them in order; 08-10 have nowhere left and
    # keep their names in the hover only. Manager 11, alone higher up, keeps the top.
    fig = charts.scatter_balance_quadrant(frame, "en", "RUB", x_split=300.0, y_split=40.0)
    names = [(t, p) for trace in fig.data for t, p in zip(trace.text, trace.textposition)]
    hovers = [h for trace in fig.data for h in trace.hovertext]
    positions = ["top center", "bottom center", "middle right", "middle left",
                 "top right", "top left", "bottom right", "bottom left"]
    assert [(t, p) for t, p in names if t] == [
        *((f"Manager number {i:02d}", position) for i, position in enumerate(positions)),
        ("Manager number 11", "top center")]
    assert [n for n, (t, _) in enumerate(names) if not t] == [8, 9, 10]
    assert all(f"Manager number {i:02d}" in hovers[i] for i in range(12))


def test_quadrant_chart_places_each_name_where_no_other_name_is():
    frame = pd.DataFrame({
        "manager": ["Anna", "Boris", "Vera"], "margin_per_hour": [300.0, 300.0, 500.0],
        "nps": [10.0, 10.0, -60.0], "revenue_amount": [900.0, 100.0, 400.0],
        "manager_type": ["ideal", "ideal", "squeezer"],
    })  # fmt: skip
    fig = charts.scatter_balance_quadrant(frame, "en", "RUB", x_split=100.0, y_split=0.0)
    ideal, squeezer = fig.data
    # In the 630 × 370 px plot Anna (the biggest, radius 24 px) sits mid-width at y 311 px: her
    # name goes on top, clear of the corner names. Boris (radius 8) shares her spot: above or
    # below, his name would cross Anna's marker over its full 31 px width, to the side over
    # 11 px only → right (the first of the two sides).
    assert list(ideal.text) == ["Anna", "Boris"]
    assert list(ideal.textposition) == ["top center", "middle right"]
    assert list(squeezer.textposition) == ["top center"]  # Vera alone, bottom right


def test_bar_growth_index_colours_and_reference():
    fig = charts.bar_growth_index(growth_frame(), "en", currency="USD")
    above, below = fig.data
    assert (list(above.x), list(below.x)) == (["Ivanova"], [ESCAPED])
    assert (above.marker.color, below.marker.color) == (charts.GOOD, charts.BAD)
    assert fig.layout.shapes[0].y0 == 1.0
    assert "Expected at company pace: $200" in below.hovertext[0]


def test_bar_sla_by_channel_translated_channels():
    bar = charts.bar_sla_by_channel(sla_frame(), "ru").data[0]
    assert list(bar.x) == [ESCAPED, "Звонок", "Email"]  # by rate: 1.0, 0.9, 0.5
    assert list(bar.text) == [f"100,0{NB}%", f"90,0{NB}%", f"50,0{NB}%"]


def test_bar_missed_calls_by_manager_labels():
    bar = charts.bar_missed_calls_by_manager(missed_calls_frame(), "en").data[0]
    assert list(bar.y) == [ESCAPED, "Ivanova"]  # Petrov had no inbound calls
    assert bar.orientation == "h" and list(bar.x) == [0.25, 0.1]
    assert list(bar.text) == ["25.0% (5/20)", "10.0% (1/10)"]


def test_heatmap_weekday_hour_full_grid_monday_first():
    heat = charts.heatmap_weekday_hour(weekday_hour_frame(), "ru").data[0]
    assert list(heat.y) == ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
    assert len(heat.x) == 24 and heat.x[0] == "00"
    assert heat.z[0][9] == 5.0 and heat.z[6][23] == 2.0 and heat.z[3][12] == 0.0
    assert sum(sum(row) for row in heat.z) == 7.0


def test_line_lorenz_starts_at_origin_with_diagonal():
    fig = charts.line_lorenz(lorenz_frame(), 0.4, "ru")
    diagonal, curve = fig.data
    assert (list(diagonal.x), list(diagonal.y)) == ([0.0, 1.0], [0.0, 1.0])
    assert list(curve.y) == [0.0, 0.1, 0.3, 1.0]
    assert fig.layout.title.text == "Концентрация выручки (Джини 0,40)"


def test_bar_revenue_by_period_money_text():
    fig = charts.bar_revenue_by_period(revenue_frame(), "ru", "RUB")
    assert list(fig.data[0].x) == ["окт. 2026", "нояб. 2026"]
    assert list(fig.data[0].text) == [f"12{NB}346{NB}₽", f"23{NB}457{NB}₽"]
