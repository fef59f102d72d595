"""The meeting's charts: the waterfall adds up, per-manager bars stack the four moving parts."""

from __future__ import annotations

import pandas as pd

import charts
import i18n

BRIDGE = pd.DataFrame({
    "component": ["new", "expansion", "contraction", "churned", "flat"],
    "prev_amount": [0.0, 300.0, 500.0, 200.0, 100.0],
    "cur_amount": [150.0, 450.0, 380.0, 0.0, 100.0],
    "change_amount": [150.0, 150.0, -120.0, -200.0, 0.0],
})


def test_waterfall_starts_last_week_steps_and_totals_this_week():
    fig = charts.waterfall_revenue_bridge(BRIDGE, "en", "RUB", prev_label="W47", cur_label="W48")
    trace = fig.data[0]
    assert list(trace.measure) == ["absolute", "relative", "relative", "relative", "relative", "total"]
    assert list(trace.y) == [1100.0, 150.0, 150.0, -120.0, -200.0, 1080.0]
    assert 1100 + 150 + 150 - 120 - 200 == 1080  # the bars land on this week's total
    assert list(trace.x) == ["W47", "New clients", "Expansion", "Contraction", "Lost clients", "W48"]
    assert trace.text[0] == i18n.fmt_money(1100, "en", "RUB")
    assert trace.text[3] == i18n.fmt_metric("revenue_change_amount", -120, "en", "RUB") == "-RUB\u00a0120"


def test_bridge_by_manager_stacks_components_and_escapes_names():
    df = pd.DataFrame({
        "manager": ["<b>Anna</b>"] * 5 + ["Boris"] * 5,
        "component": ["new", "expansion", "contraction", "churned", "flat"] * 2,
        "change_amount": [100.0, 0.0, -30.0, 0.0, 0.0, 0.0, 20.0, 0.0, -90.0, 0.0],
    })
    fig = charts.bar_bridge_by_manager(df, "ru", "RUB")
    assert [t.name for t in fig.data] == ["Новые клиенты", "Рост", "Снижение", "Ушедшие клиенты"]
    assert list(fig.data[0].y) == ["Boris", "&lt;b&gt;Anna&lt;/b&gt;"]  # net −70 below net +70
    assert [list(t.x) for t in fig.data] == [[0.0, 100.0], [20.0, 0.0], [0.0, -30.0], [-90.0, 0.0]]
    assert fig.layout.barmode == "relative" and fig.layout.xaxis.title.text == "Изменение выручки, ₽"


def test_empty_bridge_is_a_no_data_figure():
    fig = charts.waterfall_revenue_bridge(BRIDGE.iloc[0:0], "en", "RUB", prev_label="a", cur_label="b")
    assert fig.layout.annotations[0].text == i18n.t("chart.no_data", "en")


def test_for_slide_enlarges_type_and_darkens_on_request():
    fig = charts.for_slide(charts.waterfall_revenue_bridge(BRIDGE, "en", "RUB", prev_label="a", cur_label="b"),
                           dark=True)
    assert (fig.layout.font.size, fig.layout.title.font.size) == (charts.BASE_FONT_PX + 4, charts.TITLE_FONT_PX + 4)
    assert fig.layout.paper_bgcolor == "#101418" and fig.layout.font.color == "#F2F2F2"
    light = charts.for_slide(charts.bar_bridge_by_manager(pd.DataFrame(), "en", "RUB"))
    assert light.layout.paper_bgcolor in (None, "white")
