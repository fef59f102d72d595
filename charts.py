"""Every Plotly figure of the dashboard: a metric DataFrame (+ language) in, ``go.Figure`` out.

One palette (Okabe–Ito, colour-blind safe, dark enough for a projector), 16 px text and 22 px
titles, every axis titled, hover texts formatted by ``i18n`` and separators set per language.
Names that come from data are HTML-escaped (:func:`escape_label`): Plotly renders a subset of
HTML in every label. An empty frame gives a "No data" figure, never an error.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
from babel.numbers import get_currency_symbol

import i18n

# Okabe–Ito, ordered for contrast on white; yellow (#F0E442) is left out: unreadable projected.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
)  # fmt: skip
GOOD = "#0072B2"
BAD = "#D55E00"
NEUTRAL = "#999999"
LOW_SAMPLE = "#C8C8C8"
BAND = "rgba(0, 114, 178, 0.18)"
SEQUENTIAL = "Blues"

BASE_FONT_PX = 16
TITLE_FONT_PX = 22
_MARKER_MAX_PX = 48

TEMPLATE = go.layout.Template(
    layout=dict(
        font=dict(family="Inter, 'Segoe UI', Roboto, Arial, sans-serif", size=BASE_FONT_PX, color="#1A1A1A"),
        title=dict(font=dict(size=TITLE_FONT_PX), x=0.0, xanchor="left"),
        colorway=list(PALETTE),
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel=dict(font=dict(size=BASE_FONT_PX)),
        legend=dict(font=dict(size=BASE_FONT_PX)),
        xaxis=dict(gridcolor="#E3E3E3", linecolor="#555555", zerolinecolor="#BBBBBB", automargin=True),
        yaxis=dict(gridcolor="#E3E3E3", linecolor="#555555", zerolinecolor="#BBBBBB", automargin=True),
        margin=dict(l=20, r=20, t=70, b=20),
    )
)

_HOVER = "%{hovertext}<extra></extra>"
_MONEY_TICKS = ",.0f"  # grouped whole numbers: no "k"/"M" suffixes, which read badly in Russian
_PERCENT_TICKS = ".0%"
_GROUP_COLUMNS = ("period", "manager", "team", "segment", "channel")


# ---------------------------------------------------------------- shared helpers


def escape_label(value: object) -> str:
    """Text from data shown as text: '<', '>' and '&' escaped (Plotly renders HTML tags)."""
    return html.escape(str(value), quote=False)


def _name(value: object, lang: str) -> str:
    """A name from data (client, manager, channel) as a safe label; missing → "(not set)"."""
    return i18n.t("common.not_set", lang) if i18n.is_missing(value) else escape_label(value)


def currency_symbol(currency: str, lang: str) -> str:
    """The symbol shown next to money in ``lang`` ("₽" in ru, "RUB" in en)."""
    return get_currency_symbol(currency, locale=lang)


def _hover(lang: str, pairs: Iterable[tuple[str, str]]) -> str:
    """One hover box: a "label: value" line per pair (labels are catalogue keys)."""
    return "<br>".join(i18n.t("chart.hover.pair", lang, label=i18n.t(key, lang), value=value) for key, value in pairs)


def _hovers(lang: str, columns: dict[str, Sequence[str]]) -> list[str]:
    """One hover box per point from {label key: each point's formatted value}."""
    return [_hover(lang, zip(columns, values)) for values in zip(*columns.values(), strict=True)]


def _each(fmt, values: Iterable) -> list[str]:
    """``fmt`` applied to every value (a column formatted for display)."""
    return [fmt(v) for v in values]


def _figure(lang: str, title: str, x_title: str | None = None, y_title: str | None = None) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, separators=i18n.plotly_separators(lang), title_text=title)
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


def empty_figure(lang: str, title: str = "") -> go.Figure:
    """A figure with a centred "No data for the selected filters" note and no axes."""
    fig = _figure(lang, title)
    fig.add_annotation(
        text=i18n.t("chart.no_data", lang),
        xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
        font=dict(size=TITLE_FONT_PX, color=NEUTRAL),
    )  # fmt: skip
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _is_empty(df: pd.DataFrame | None) -> bool:
    return df is None or df.empty


def _infer_grain(periods: Sequence) -> str:
    """Month when every period starts on the 1st, else week (period starts are Mondays)."""
    return "month" if all(pd.Timestamp(p).day == 1 for p in periods) else "week"


def _period_labels(periods: Sequence, lang: str, grain: str | None) -> list[str]:
    grain = grain or _infer_grain(periods)
    return [i18n.fmt_period(pd.Timestamp(p), grain, lang) for p in periods]


def _with_responses(df: pd.DataFrame) -> pd.DataFrame:
    """NPS rows that have responses (``nps_summary`` without ``by`` gives one row of zeros)."""
    return df[df["responses_count"] > 0]


def _bin_labels(df_bins: pd.DataFrame, lang: str, fmt) -> list[str]:
    """Bin [start, end) labels with ``fmt`` for the bounds: "a – b", "≥ a", "< b"."""
    labels = []
    for start, end in zip(df_bins["bin_start"], df_bins["bin_end"], strict=True):
        if pd.isna(end) or end == float("inf"):
            labels.append(i18n.t("chart.bin.from", lang, low=fmt(start)))
        elif start == float("-inf"):
            labels.append(i18n.t("chart.bin.below", lang, high=fmt(end)))
        else:
            labels.append(i18n.t("chart.bin.range", lang, low=fmt(start), high=fmt(end)))
    return labels


def _bars_of_bins(df_bins: pd.DataFrame, lang: str, fmt, *, title: str, x_title: str, y_key: str) -> go.Figure:
    if _is_empty(df_bins):
        return empty_figure(lang, title)
    bins = df_bins.sort_values("bin_start")
    labels = _bin_labels(bins, lang, fmt)
    counts = [i18n.fmt_number(c, lang) for c in bins["count"]]
    fig = _figure(lang, title, x_title, i18n.t(y_key, lang))
    fig.add_bar(
        x=labels, y=bins["count"], marker_color=GOOD, text=counts, textposition="outside",
        hovertext=_hovers(lang, {"chart.hover.bin": labels, y_key: counts}),
        hovertemplate=_HOVER,
    )  # fmt: skip
    fig.update_layout(bargap=0.05)
    fig.update_xaxes(type="category")
    return fig


# ---------------------------------------------------------------- retention


def heatmap_cohort_retention(df: pd.DataFrame, lang: str, kind: str = "logo", *, grain: str | None = None) -> go.Figure:
    """retention_by_cohort rows (cohort, k, …, rate) → cohort × k heatmap of rate as %.

    Cells that are absent (period not reached yet) stay blank, not 0.
    """
    title = i18n.t(f"chart.retention_heatmap.title.{kind}", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    cells = df.sort_values(["cohort", "k"])
    rate = cells.pivot(index="cohort", columns="k", values="rate")
    active = cells.pivot(index="cohort", columns="k", values="clients_count")
    size = cells.pivot(index="cohort", columns="k", values="cohort_clients_count")
    cohorts = _period_labels(list(rate.index), lang, grain)
    text, hover = [], []
    for row, cohort in enumerate(cohorts):
        text.append([i18n.fmt_percent(v, lang, 0) if pd.notna(v) else "" for v in rate.iloc[row]])
        hover.append([
            _hover(lang, [
                ("chart.axis.cohort", cohort),
                ("chart.axis.periods_since_start", i18n.fmt_number(k, lang)),
                (f"chart.axis.retention.{kind}", i18n.fmt_percent(v, lang)),
                ("chart.hover.active_of_cohort", i18n.t(
                    "chart.hover.active_of_cohort_value", lang,
                    active=i18n.fmt_number(a, lang), size=i18n.fmt_number(s, lang),
                )),
            ]) if pd.notna(v) else ""
            for k, v, a, s in zip(rate.columns, rate.iloc[row], active.iloc[row], size.iloc[row], strict=True)
        ])  # fmt: skip
    fig = _figure(lang, title, i18n.t("chart.axis.periods_since_start", lang), i18n.t("chart.axis.cohort", lang))
    fig.add_heatmap(
        z=rate.to_numpy(dtype=float), x=list(rate.columns), y=cohorts, text=text, texttemplate="%{text}",
        hovertext=hover, hovertemplate=_HOVER, colorscale=SEQUENTIAL, zmin=0.0,
        zmax=1.0 if kind == "logo" else None, xgap=2, ygap=2,
        colorbar=dict(title=dict(text=i18n.t(f"chart.axis.retention.{kind}", lang)), tickformat=_PERCENT_TICKS),
    )  # fmt: skip
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def line_retention_curves(df: pd.DataFrame, lang: str, *, kind: str = "logo", grain: str | None = None) -> go.Figure:
    """retention_by_cohort rows → one retention line per cohort over k."""
    title = i18n.t(f"chart.retention_curves.title.{kind}", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    cells = df.sort_values(["cohort", "k"])
    x_title = i18n.t("chart.axis.periods_since_start", lang)
    fig = _figure(lang, title, x_title, i18n.t(f"chart.axis.retention.{kind}", lang))
    cohorts = list(cells["cohort"].drop_duplicates())
    for cohort, label in zip(cohorts, _period_labels(cohorts, lang, grain), strict=True):
        curve = cells[cells["cohort"] == cohort]
        fig.add_scatter(
            x=curve["k"], y=curve["rate"], mode="lines+markers", name=label,
            hovertext=_hovers(lang, {
                "chart.axis.cohort": [label] * len(curve),
                "chart.axis.periods_since_start": _each(lambda k: i18n.fmt_number(k, lang), curve["k"]),
                f"chart.axis.retention.{kind}": _each(lambda v: i18n.fmt_percent(v, lang), curve["rate"]),
            }),
            hovertemplate=_HOVER,
        )  # fmt: skip
    fig.update_xaxes(dtick=1, rangemode="tozero")
    fig.update_yaxes(tickformat=_PERCENT_TICKS, rangemode="tozero")
    fig.update_layout(legend_title_text=i18n.t("chart.axis.cohort", lang))
    return fig


# ---------------------------------------------------------------- LTV and revenue


def line_ltv_curves(
    df: pd.DataFrame, lang: str, currency: str, *, measure: str = "margin", grain: str | None = None
) -> go.Figure:
    """ltv_curve_by_cohort rows (cohort, k, ltv_amount) → cumulative value per client by k."""
    title = i18n.t(f"chart.ltv_curves.title.{measure}", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    cells = df.sort_values(["cohort", "k"])
    y_title = i18n.t(f"chart.axis.ltv.{measure}", lang, currency=currency_symbol(currency, lang))
    fig = _figure(lang, title, i18n.t("chart.axis.periods_since_start", lang), y_title)
    cohorts = list(cells["cohort"].drop_duplicates())
    for cohort, label in zip(cohorts, _period_labels(cohorts, lang, grain), strict=True):
        curve = cells[cells["cohort"] == cohort]
        fig.add_scatter(
            x=curve["k"], y=curve["ltv_amount"], mode="lines+markers", name=label,
            hovertext=_hovers(lang, {
                "chart.axis.cohort": [label] * len(curve),
                "chart.axis.periods_since_start": _each(lambda k: i18n.fmt_number(k, lang), curve["k"]),
                f"chart.hover.ltv.{measure}": _each(lambda v: i18n.fmt_money(v, lang, currency), curve["ltv_amount"]),
                "chart.hover.cohort_size": _each(lambda n: i18n.fmt_number(n, lang), curve["cohort_clients_count"]),
            }),
            hovertemplate=_HOVER,
        )  # fmt: skip
    fig.update_xaxes(dtick=1, rangemode="tozero")
    fig.update_yaxes(tickformat=_MONEY_TICKS)
    fig.update_layout(legend_title_text=i18n.t("chart.axis.cohort", lang))
    return fig


def histogram_ltv(df_bins: pd.DataFrame, lang: str, currency: str, *, measure: str = "margin") -> go.Figure:
    """metrics.distribution.histogram rows (bin_start, bin_end, count) of client LTV → bars."""
    return _bars_of_bins(
        df_bins, lang, lambda x: i18n.fmt_money(x, lang, currency),
        title=i18n.t(f"chart.ltv_histogram.title.{measure}", lang),
        x_title=i18n.t(f"chart.axis.ltv_client.{measure}", lang, currency=currency_symbol(currency, lang)),
        y_key="chart.axis.clients",
    )  # fmt: skip


_TOP_CLIENT_VALUES = ("ltv_amount", "margin_amount", "revenue_amount")


def bar_top_clients(df: pd.DataFrame, lang: str, currency: str, *, value_column: str | None = None) -> go.Figure:
    """Clients (client_name + ltv_amount | margin_amount | revenue_amount) → horizontal bars,
    largest on top, in the order of the value."""
    column = value_column or next((c for c in _TOP_CLIENT_VALUES if c in df.columns), _TOP_CLIENT_VALUES[-1])
    title = i18n.t(f"chart.top_clients.title.{column}", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    top = df.sort_values(column, ascending=False)
    names = [_name(n, lang) for n in top["client_name"]]
    amounts = [i18n.fmt_money(v, lang, currency) for v in top[column]]
    positions = list(range(len(top)))  # positions, not names, so two clients of one name stay two bars
    x_title = i18n.t(f"chart.axis.{column}", lang, currency=currency_symbol(currency, lang))
    fig = _figure(lang, title, x_title, i18n.t("chart.axis.client", lang))
    fig.add_bar(
        x=top[column], y=positions, orientation="h", marker_color=GOOD, text=amounts, textposition="auto",
        hovertext=_hovers(lang, {"chart.axis.client": names, f"chart.hover.{column}": amounts}),
        hovertemplate=_HOVER,
    )  # fmt: skip
    fig.update_yaxes(tickmode="array", tickvals=positions, ticktext=names, autorange="reversed")
    fig.update_xaxes(tickformat=_MONEY_TICKS)
    return fig


def bar_revenue_by_period(df: pd.DataFrame, lang: str, currency: str, *, grain: str | None = None) -> go.Figure:
    """Periods (period, revenue_amount) → one revenue bar per period."""
    title = i18n.t("chart.revenue_by_period.title", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    periods = df.sort_values("period")
    labels = _period_labels(list(periods["period"]), lang, grain)
    amounts = [i18n.fmt_money(v, lang, currency) for v in periods["revenue_amount"]]
    y_title = i18n.t("chart.axis.revenue_amount", lang, currency=currency_symbol(currency, lang))
    fig = _figure(lang, title, i18n.t("chart.axis.period", lang), y_title)
    fig.add_bar(
        x=labels, y=periods["revenue_amount"], marker_color=GOOD, text=amounts, textposition="auto",
        hovertext=_hovers(lang, {"chart.axis.period": labels, "chart.hover.revenue_amount": amounts}),
        hovertemplate=_HOVER,
    )  # fmt: skip
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=_MONEY_TICKS)
    return fig


def line_lorenz(df: pd.DataFrame, gini: float | None, lang: str) -> go.Figure:
    """lorenz_curve rows (rank, client_share, revenue_share) + Gini → Lorenz curve and the
    line of equality."""
    title = i18n.t("chart.lorenz.title", lang, gini=i18n.fmt_number(gini, lang, 2))
    if _is_empty(df):
        return empty_figure(lang, i18n.t("chart.lorenz.title_no_gini", lang))
    points = df.sort_values("rank")
    clients = [0.0, *points["client_share"]]  # the curve starts at (0, 0)
    revenue = [0.0, *points["revenue_share"]]
    fig = _figure(lang, title, i18n.t("chart.axis.client_share", lang), i18n.t("chart.axis.revenue_share", lang))
    fig.add_scatter(
        x=[0.0, 1.0], y=[0.0, 1.0], mode="lines", name=i18n.t("chart.lorenz.equality", lang),
        line=dict(color=NEUTRAL, dash="dash"), hoverinfo="skip",
    )  # fmt: skip
    fig.add_scatter(
        x=clients, y=revenue, mode="lines", name=i18n.t("chart.lorenz.curve", lang),
        line=dict(color=GOOD, width=3), fill="tonexty", fillcolor=BAND,
        hovertext=_hovers(lang, {
            "chart.axis.client_share": _each(lambda c: i18n.fmt_percent(c, lang), clients),
            "chart.axis.revenue_share": _each(lambda r: i18n.fmt_percent(r, lang), revenue),
        }),
        hovertemplate=_HOVER,
    )  # fmt: skip
    fig.update_xaxes(tickformat=_PERCENT_TICKS, range=[0, 1])
    fig.update_yaxes(tickformat=_PERCENT_TICKS, range=[0, 1])
    return fig


# ---------------------------------------------------------------- NPS


def _nps_hover(lang: str, label_key: str, label: str, row) -> str:
    """Hover of one NPS point: label, NPS, interval, "35 responses", the low-sample note."""
    lines = [
        _hover(lang, [
            (label_key, label),
            ("chart.axis.nps", i18n.fmt_number(row.nps, lang)),
            ("chart.hover.nps_interval", i18n.t(
                "chart.hover.interval_value", lang,
                low=i18n.fmt_number(row.ci_low, lang), high=i18n.fmt_number(row.ci_high, lang),
            )),
        ]),
        i18n.tn("count.responses", row.responses_count, lang),
    ]  # fmt: skip
    if row.is_low_sample:
        lines.append(i18n.t("chart.low_sample", lang))
    return "<br>".join(lines)


def line_nps_trend(df: pd.DataFrame, lang: str, *, grain: str | None = None) -> go.Figure:
    """nps_by_period rows → NPS line with its 95 % band; low-sample points grey."""
    title = i18n.t("chart.nps_trend.title", lang)
    if _is_empty(df) or _is_empty(_with_responses(df)):
        return empty_figure(lang, title)
    periods = _with_responses(df).sort_values("period")
    labels = _period_labels(list(periods["period"]), lang, grain)
    fig = _figure(lang, title, i18n.t("chart.axis.period", lang), i18n.t("chart.axis.nps", lang))
    fig.add_scatter(
        x=labels, y=periods["ci_high"], mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip",
    )  # fmt: skip
    fig.add_scatter(
        x=labels, y=periods["ci_low"], mode="lines", line=dict(width=0), fill="tonexty", fillcolor=BAND,
        name=i18n.t("chart.nps_trend.band", lang), hoverinfo="skip",
    )  # fmt: skip
    low = periods["is_low_sample"].astype(bool)
    fig.add_scatter(
        x=labels, y=periods["nps"], mode="lines+markers", name=i18n.t("chart.axis.nps", lang),
        line=dict(color=GOOD, width=3),
        marker=dict(size=12, color=[LOW_SAMPLE if flag else GOOD for flag in low], line=dict(color=GOOD, width=1)),
        hovertext=[
            _nps_hover(lang, "chart.axis.period", label, row)
            for label, row in zip(labels, periods.itertuples(), strict=True)
        ],
        hovertemplate=_HOVER,
    )  # fmt: skip
    if low.any():
        fig.add_scatter(
            x=[None], y=[None], mode="markers", name=i18n.t("chart.low_sample", lang),
            marker=dict(size=12, color=LOW_SAMPLE, line=dict(color=GOOD, width=1)), hoverinfo="skip",
        )  # fmt: skip
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[-100, 100], zeroline=True)
    return fig


_NPS_PARTS = (
    ("promoters_count", "chart.nps_categories.promoters", GOOD),
    ("passives_count", "chart.nps_categories.passives", NEUTRAL),
    ("detractors_count", "chart.nps_categories.detractors", BAD),
)


def bar_nps_categories(df: pd.DataFrame, lang: str, *, grain: str | None = None) -> go.Figure:
    """nps_summary / nps_by_period rows → stacked promoters / passives / detractors counts, one
    bar per group (period, manager, team, segment or channel; one bar when there is none)."""
    title = i18n.t("chart.nps_categories.title", lang)
    if _is_empty(df) or _is_empty(_with_responses(df)):
        return empty_figure(lang, title)
    rows = _with_responses(df)
    group = next((c for c in _GROUP_COLUMNS if c in rows.columns), None)
    if group == "period":
        rows = rows.sort_values("period")
        labels = _period_labels(list(rows["period"]), lang, grain)
    elif group is not None:
        labels = [_name(v, lang) for v in rows[group]]
    else:
        labels = [i18n.t("chart.label.all", lang)] * len(rows)
    group_key = f"chart.axis.{group}" if group else "chart.axis.group"
    fig = _figure(lang, title, i18n.t(group_key, lang), i18n.t("chart.axis.responses", lang))
    for column, key, colour in _NPS_PARTS:
        counts = [i18n.fmt_number(v, lang) for v in rows[column]]
        fig.add_bar(
            x=labels, y=rows[column], name=i18n.t(key, lang), marker_color=colour, text=counts,
            textposition="inside",
            hovertext=_hovers(lang, {group_key: labels, key: counts}),
            hovertemplate=_HOVER,
        )  # fmt: skip
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    return fig


def _error_offsets(center: pd.Series, low: pd.Series, high: pd.Series) -> tuple[list, list]:
    """Plotly's error bars are distances from the bar: (high − centre, centre − low)."""
    return list(high - center), list(center - low)


def bar_nps_by_manager(df: pd.DataFrame, lang: str) -> go.Figure:
    """nps_summary(by=("manager",)) rows → NPS bar per manager with its 95 % interval, n under
    the name; low-sample bars grey. Highest NPS first."""
    title = i18n.t("chart.nps_by_manager.title", lang)
    if _is_empty(df) or _is_empty(_with_responses(df)):
        return empty_figure(lang, title)
    rows = _with_responses(df).sort_values("nps", ascending=False)
    names = [_name(m, lang) for m in rows["manager"]]
    up, down = _error_offsets(rows["nps"], rows["ci_low"], rows["ci_high"])
    fig = _figure(lang, title, i18n.t("chart.axis.manager", lang), i18n.t("chart.axis.nps", lang))
    fig.add_bar(
        x=names, y=rows["nps"],
        marker_color=[LOW_SAMPLE if flag else GOOD for flag in rows["is_low_sample"].astype(bool)],
        error_y=dict(type="data", array=up, arrayminus=down, color="#333333", thickness=2),
        hovertext=[
            _nps_hover(lang, "chart.axis.manager", name, row)
            for name, row in zip(names, rows.itertuples(), strict=True)
        ],
        hovertemplate=_HOVER, showlegend=False,
    )  # fmt: skip
    ticks = [
        i18n.t("chart.nps_by_manager.tick", lang, name=name, n=i18n.fmt_number(n, lang))
        for name, n in zip(names, rows["responses_count"], strict=True)
    ]
    fig.update_xaxes(type="category", tickmode="array", tickvals=names, ticktext=ticks)
    fig.update_yaxes(range=[-100, 100], zeroline=True)
    # the value just inside the bar's end, on a white patch: the interval's line passes behind
    # it instead of through the digits (set at once: add_annotation re-checks every earlier one)
    fig.update_layout(annotations=[
        dict(x=name, y=nps, text=i18n.fmt_number(nps, lang), showarrow=False, yanchor="top" if nps > 0 else "bottom",
             bgcolor="rgba(255, 255, 255, 0.9)", borderpad=1, font=dict(size=BASE_FONT_PX - 2))
        for name, nps in zip(names, rows["nps"], strict=True)
    ])
    return fig


# ---------------------------------------------------------------- managers

_QUADRANTS = (  # (manager type, x paper, y paper, anchor)
    ("ideal", 0.99, 0.99, ("right", "top")),
    ("obsequious", 0.01, 0.99, ("left", "top")),
    ("squeezer", 0.99, 0.01, ("right", "bottom")),
    ("indifferent", 0.01, 0.01, ("left", "bottom")),
)
_TYPE_COLOURS = {"ideal": GOOD, "obsequious": PALETTE[1], "squeezer": BAD, "indifferent": NEUTRAL}
_QUADRANT_FONT_PX = 18
_NAME_FONT_PX = 14
# The quadrant chart's size for placing names: its height is fixed, its plot area about the
# half-page column's width less the axis titles (measured in Chromium at 1920 px: 636 × 369).
_BALANCE_HEIGHT_PX, _BALANCE_PLOT_PX = 560, (630, 370)
_BALANCE_BAND = 0.16  # share of the plot's height kept free of points at the top and bottom
# Plotly text positions with the direction of the label from its point.
_LABEL_SPOTS = (("top center", 0, 1), ("bottom center", 0, -1), ("middle right", 1, 0), ("middle left", -1, 0),
                ("top right", 1, 1), ("top left", -1, 1), ("bottom right", 1, -1), ("bottom left", -1, -1))


def _label_box(x: float, y: float, r: float, w: float, h: float, dx: int, dy: int) -> tuple:
    """(x0, y0, x1, y1) in px, y up, of a label ``w``×``h`` beside a marker of radius ``r``
    (Plotly keeps text at least ~10 px from a marker's centre, as measured in Chromium)."""
    gap = (max(r, 10.0) + 3) * (0.71 if dx and dy else 1.0)  # diagonal: along the marker's edge
    cx, cy = x + dx * (gap + w / 2), y + dy * (gap + h / 2)
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _overlap(a: tuple, b: tuple) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def label_spots(points: list[tuple[float, float, float]], widths: list[float], size: tuple[float, float],
                taken: list[tuple] = ()) -> list[str | None]:
    """A Plotly text position per point (x px, y px, marker radius px) so that names do not
    cover each other, other markers or the ``taken`` boxes (text too), nor leave the plot of
    ``size``; None where every position would cover more than a quarter of the name with other
    text — that name is left off (two names on top of each other read as neither; the hover
    and the table name every point).

    Greedy in the order given (put the biggest markers first): each name takes the first of
    top, bottom, right, left and the four diagonals with the least overlap.
    """
    text_h = _NAME_FONT_PX * 1.3
    markers = [(x - r, y - r, x + r, y + r) for x, y, r in points]
    texts = list(taken)  # the quadrant names, then each name placed
    frame = (0.0, 0.0, *size)
    spots = []
    for i, (x, y, r) in enumerate(points):
        other_markers = markers[:i] + markers[i + 1:]

        def box_at(spot: tuple) -> tuple:
            return _label_box(x, y, r, widths[i], text_h, spot[1], spot[2])

        def on_text(box: tuple) -> float:
            return sum(_overlap(box, text) for text in texts)

        def cost(spot: tuple) -> float:
            box = box_at(spot)
            outside = (box[2] - box[0]) * (box[3] - box[1]) - _overlap(box, frame)
            return on_text(box) + sum(_overlap(box, m) for m in other_markers) + 2 * outside

        best = min(_LABEL_SPOTS, key=cost)  # min keeps the first of equal costs
        box = box_at(best)
        if on_text(box) > 0.25 * widths[i] * text_h:
            spots.append(None)
            continue
        texts.append(box)
        spots.append(best[0])
    return spots


def _padded(values: list[float], low: float, high: float) -> list[float]:
    """An axis range over ``values`` with ``low``/``high`` shares of its span added below/above."""
    lo, hi = min(values), max(values)
    span = (hi - lo) or max(abs(hi), 1.0)
    return [lo - low * span, hi + high * span]


# Advance widths in px of the app's type (Source Sans at 14 px: the grid's cells, the charts'
# names), by class of character, measured with a canvas in Chromium. Digits and separators at
# their width (a clipped number is cut on the left and misreads); letters at their average
# (Latin 6.6, Cyrillic 7.2; capitals 7.9–8.3): a name a little wider than estimated still reads.
_CLASS_PX = {
    **dict.fromkeys(" \u00a0\u202f'.,:;|ijlI·", 3.7),
    **dict.fromkeys("!()-/[]\\{}frt", 4.9),
    **dict.fromkeys("mwMWМЖШЩЪЫЮФфшщъюыжм", 10.5),
    **dict.fromkeys("%@—…№", 12.7),
}
_PX_DIGIT, _PX_UPPER, _PX_OTHER = 7.0, 8.4, 7.2
_MEASURED_AT_PX = 14.0


def text_px(text: str, font_px: float = _MEASURED_AT_PX) -> float:
    """Estimated width in px of ``text`` on one line in the app's type at ``font_px``."""
    total = 0.0
    for ch in text:
        px = _CLASS_PX.get(ch)
        if px is None:
            px = _PX_DIGIT if ch.isdigit() else _PX_UPPER if ch.isupper() else _PX_OTHER
        total += px
    return total * font_px / _MEASURED_AT_PX


def scatter_balance_quadrant(
    df: pd.DataFrame, lang: str, currency: str, *, x_split: float | None = None, y_split: float | None = None
) -> go.Figure:
    """scorecard_by_manager rows → margin per hour (x) × NPS (y), one labelled point per manager,
    marker area ∝ revenue, split lines at the medians (or ``x_split``/``y_split``), quadrants
    named by manager type. Managers without NPS or margin per hour are left out."""
    title = i18n.t("chart.balance.title", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    known = df[df["margin_per_hour"].notna() & df["nps"].notna()]
    if known.empty:
        return empty_figure(lang, title)
    x_split = known["margin_per_hour"].median() if x_split is None else x_split
    y_split = known["nps"].median() if y_split is None else y_split
    sizes = known["revenue_amount"].fillna(0.0).clip(lower=0.0)
    size_ref = max(float(sizes.max()), 1.0) * 2.0 / _MARKER_MAX_PX**2  # Plotly's sizemode="area" scale
    x_title = i18n.t("chart.axis.margin_per_hour", lang, currency=currency_symbol(currency, lang))
    fig = _figure(lang, title, x_title, i18n.t("chart.axis.nps", lang))
    no_types = pd.Series([None] * len(known), index=known.index, dtype=object)
    types = known["manager_type"] if "manager_type" in known.columns else no_types
    # Free bands at the top and bottom hold the quadrant names; a name goes where it is readable.
    x_range = _padded([*known["margin_per_hour"], x_split], 0.08, 0.08)
    share = _BALANCE_BAND / (1 - 2 * _BALANCE_BAND)
    y_range = _padded([*known["nps"], y_split], share, share)
    spots = _name_spots(known, sizes, size_ref, x_range, y_range, lang)
    for manager_type in [*dict.fromkeys(types.dropna()), None]:
        group = known[types.isna()] if manager_type is None else known[types == manager_type]
        if group.empty:
            continue
        names = [_name(m, lang) for m in group["manager"]]
        shown = [name if spots[i] else "" for name, i in zip(names, group.index)]  # crowded out: hover only
        legend = i18n.t(f"manager_type.{manager_type}", lang) if manager_type else i18n.t("common.not_set", lang)
        fig.add_scatter(
            x=group["margin_per_hour"], y=group["nps"], mode="markers+text", name=legend, text=shown,
            textposition=[spots[i] or "top center" for i in group.index], textfont=dict(size=_NAME_FONT_PX),
            marker=dict(
                size=sizes[group.index], sizemode="area", sizeref=size_ref, sizemin=8,
                color=_TYPE_COLOURS.get(manager_type, PALETTE[3]), line=dict(color="white", width=1), opacity=0.85,
            ),
            hovertext=_hovers(lang, {
                "chart.axis.manager": names,
                "chart.hover.margin_per_hour": _each(
                    lambda x: i18n.fmt_money_per_hour(x, lang, currency), group["margin_per_hour"]
                ),
                "chart.axis.nps": _each(lambda y: i18n.fmt_number(y, lang), group["nps"]),
                "chart.hover.revenue_amount": _each(
                    lambda r: i18n.fmt_money(r, lang, currency), group["revenue_amount"]
                ),
            }),
            hovertemplate=_HOVER,
        )  # fmt: skip
    fig.add_vline(x=x_split, line=dict(color=NEUTRAL, dash="dash"))
    fig.add_hline(y=y_split, line=dict(color=NEUTRAL, dash="dash"))
    for manager_type, x, y, (x_anchor, y_anchor) in _QUADRANTS:
        fig.add_annotation(
            text=i18n.t(f"manager_type.{manager_type}", lang), xref="paper", yref="paper", x=x, y=y,
            xanchor=x_anchor, yanchor=y_anchor, showarrow=False,
            font=dict(size=_QUADRANT_FONT_PX, color="#555555"),
        )  # fmt: skip
    fig.update_xaxes(tickformat=_MONEY_TICKS, range=x_range)
    fig.update_yaxes(range=y_range)
    fig.update_layout(legend=dict(title_text=i18n.t("chart.balance.legend", lang), orientation="h",
                                  yanchor="top", y=-0.2, xanchor="left", x=0.0),
                      height=_BALANCE_HEIGHT_PX)
    return fig


def _name_spots(known: pd.DataFrame, sizes: pd.Series, size_ref: float, x_range: list[float],
                y_range: list[float], lang: str) -> dict:
    """{row index: Plotly text position, or None for a name left off} of each manager's name on
    the quadrant chart."""
    width, height = _BALANCE_PLOT_PX
    order = sizes.sort_values(ascending=False, kind="stable").index
    px_x = (known.loc[order, "margin_per_hour"] - x_range[0]) / (x_range[1] - x_range[0]) * width
    px_y = (known.loc[order, "nps"] - y_range[0]) / (y_range[1] - y_range[0]) * height
    radii = [max((2 * s / size_ref) ** 0.5, 8.0) / 2 for s in sizes[order]]  # sizemode="area"
    corners = []
    for manager_type, x, y, (x_anchor, y_anchor) in _QUADRANTS:
        w = text_px(i18n.t(f"manager_type.{manager_type}", lang), _QUADRANT_FONT_PX)
        h = _QUADRANT_FONT_PX * 1.3
        x0 = x * width - (w if x_anchor == "right" else 0)
        y0 = y * height - (h if y_anchor == "top" else 0)
        corners.append((x0, y0, x0 + w, y0 + h))
    widths = [text_px(str(m), _NAME_FONT_PX) for m in known.loc[order, "manager"]]
    placed = label_spots(list(zip(px_x, px_y, radii)), widths, (width, height), corners)
    return dict(zip(order, placed))


def bar_growth_index(df: pd.DataFrame, lang: str, *, currency: str | None = None) -> go.Figure:
    """growth_index_by_manager rows → growth index bar per manager, highest first, with the
    1.0 reference (company pace); bars at or above 1.0 and below it in two colours. With
    ``currency``, hover shows base / current / expected revenue as money."""
    title = i18n.t("chart.growth_index.title", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    rows = df[df["growth_index"].notna()].sort_values("growth_index", ascending=False)
    if rows.empty:
        return empty_figure(lang, title)
    names = [_name(m, lang) for m in rows["manager"]]

    def money(x) -> str:
        return i18n.fmt_money(x, lang, currency) if currency else i18n.fmt_number(x, lang)

    fig = _figure(lang, title, i18n.t("chart.axis.manager", lang), i18n.t("chart.axis.growth_index", lang))
    above = (rows["growth_index"] >= 1.0).to_list()
    for is_above, key, colour in ((True, "chart.growth_index.above", GOOD), (False, "chart.growth_index.below", BAD)):
        picked = [i for i, flag in enumerate(above) if flag == is_above]
        if not picked:
            continue
        part = rows.iloc[picked]
        fig.add_bar(
            x=[names[i] for i in picked], y=part["growth_index"], name=i18n.t(key, lang), marker_color=colour,
            text=[i18n.fmt_number(v, lang, 2) for v in part["growth_index"]], textposition="outside",
            hovertext=_hovers(lang, {
                "chart.axis.manager": [names[i] for i in picked],
                "chart.axis.growth_index": _each(lambda v: i18n.fmt_number(v, lang, 2), part["growth_index"]),
                "chart.hover.base_revenue_amount": _each(money, part["base_revenue_amount"]),
                "chart.hover.current_revenue_amount": _each(money, part["current_revenue_amount"]),
                "chart.hover.expected_revenue_amount": _each(money, part["expected_revenue_amount"]),
            }),
            hovertemplate=_HOVER,
        )  # fmt: skip
    fig.add_hline(
        y=1.0, line=dict(color="#333333", dash="dash", width=2),
        annotation_text=i18n.t("chart.growth_index.reference", lang), annotation_position="top right",
        annotation_bgcolor="white",
    )  # fmt: skip
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=names)
    fig.update_yaxes(rangemode="tozero")
    return fig


# ---------------------------------------------------------------- service speed


def histogram_minutes(df_bins: pd.DataFrame, lang: str, title_key: str) -> go.Figure:
    """metrics.distribution.histogram rows of a minutes column → bars; title from ``title_key``."""
    return _bars_of_bins(
        df_bins, lang, lambda x: i18n.fmt_duration_min(x, lang),
        title=i18n.t(title_key, lang), x_title=i18n.t("chart.axis.duration", lang), y_key="chart.axis.interactions",
    )  # fmt: skip


def _channel_label(channel: object, lang: str) -> str:
    key = f"channel.{channel}"
    return i18n.t(key, lang) if isinstance(channel, str) and i18n.has(key, lang) else _name(channel, lang)


def bar_sla_by_channel(df: pd.DataFrame, lang: str) -> go.Figure:
    """service_speed(by=("channel",)) rows → SLA hit rate bar per channel (channels without a
    rate are left out)."""
    title = i18n.t("chart.sla.title", lang)
    rows = None if _is_empty(df) else df[df["sla_hit_rate"].notna()]
    if _is_empty(rows):
        return empty_figure(lang, title)
    rows = rows.sort_values("sla_hit_rate", ascending=False)
    labels = [_channel_label(c, lang) for c in rows["channel"]]
    rates = [i18n.fmt_percent(v, lang) for v in rows["sla_hit_rate"]]
    fig = _figure(lang, title, i18n.t("chart.axis.channel", lang), i18n.t("chart.axis.sla_hit_rate", lang))
    fig.add_bar(
        x=labels, y=rows["sla_hit_rate"], marker_color=GOOD, text=rates, textposition="outside",
        hovertext=_hovers(lang, {
            "chart.axis.channel": labels,
            "chart.axis.sla_hit_rate": rates,
            "chart.hover.answered": _each(lambda n: i18n.fmt_number(n, lang), rows["answered_count"]),
        }),
        hovertemplate=_HOVER,
    )  # fmt: skip
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=_PERCENT_TICKS, range=[0, 1.1])
    return fig


def bar_missed_calls_by_manager(df: pd.DataFrame, lang: str) -> go.Figure:
    """service_speed(by=("manager",)) rows → horizontal missed-call rate bar per manager, worst on top,
    labelled "rate (missed/inbound)"; managers without inbound calls are left out."""
    title = i18n.t("chart.missed_calls.title", lang)
    rows = None if _is_empty(df) else df[df["missed_call_rate"].notna()]
    if _is_empty(rows):
        return empty_figure(lang, title)
    rows = rows.sort_values("missed_call_rate", ascending=False)
    names = [_name(m, lang) for m in rows["manager"]]
    labels = [
        i18n.t(
            "chart.missed_calls.bar_label", lang, rate=i18n.fmt_percent(r, lang),
            missed=i18n.fmt_number(m, lang), inbound=i18n.fmt_number(n, lang),
        )
        for r, m, n in zip(
            rows["missed_call_rate"], rows["missed_calls_count"], rows["inbound_calls_count"], strict=True
        )
    ]  # fmt: skip
    # Horizontal, worst on top: long names stay readable and the labels keep a full-size font.
    fig = _figure(lang, title, i18n.t("chart.axis.missed_call_rate", lang), i18n.t("chart.axis.manager", lang))
    fig.add_bar(
        y=names, x=rows["missed_call_rate"], orientation="h", marker_color=BAD, text=labels,
        textposition="outside", cliponaxis=False,
        hovertext=_hovers(lang, {"chart.axis.manager": names, "chart.axis.missed_call_rate": labels}),
        hovertemplate=_HOVER,
    )  # fmt: skip
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_xaxes(tickformat=_PERCENT_TICKS, rangemode="tozero",
                     range=[0, float(rows["missed_call_rate"].max()) * 1.35 or 1])
    fig.update_layout(height=max(360, 120 + 28 * len(names)))
    return fig


def heatmap_weekday_hour(df: pd.DataFrame, lang: str) -> go.Figure:
    """contacts_by_weekday_hour rows (weekday 1=Mon..7, hour, interactions_count) → 7 × 24
    heatmap, Monday on top; hours without contacts show 0."""
    title = i18n.t("chart.weekday_hour.title", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    grid = (
        df.pivot_table(index="weekday", columns="hour", values="interactions_count", aggfunc="sum")
        .reindex(index=range(1, 8), columns=range(24), fill_value=0)
        .fillna(0)
    )
    days = i18n.weekday_names(lang)
    hours = [f"{h:02d}" for h in range(24)]
    hover = [
        [
            _hover(lang, [
                ("chart.axis.weekday", day),
                ("chart.axis.hour", i18n.t("chart.hover.hour_range", lang, start=f"{h:02d}", end=f"{h + 1:02d}")),
                ("chart.axis.interactions", i18n.fmt_number(grid.iloc[d, h], lang)),
            ])
            for h in range(24)
        ]
        for d, day in enumerate(days)
    ]  # fmt: skip
    fig = _figure(lang, title, i18n.t("chart.axis.hour", lang), i18n.t("chart.axis.weekday", lang))
    fig.add_heatmap(
        z=grid.to_numpy(dtype=float), x=hours, y=days, colorscale=SEQUENTIAL, zmin=0, xgap=1, ygap=1,
        hovertext=hover, hovertemplate=_HOVER,
        colorbar=dict(title=dict(text=i18n.t("chart.axis.interactions", lang)), tickformat=",d"),
    )  # fmt: skip
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


# ---------------------------------------------------------------- the weekly meeting

_BRIDGE_STEPS = ("new", "expansion", "contraction", "churned")


def waterfall_revenue_bridge(df: pd.DataFrame, lang: str, currency: str, *, prev_label: str,
                             cur_label: str) -> go.Figure:
    """Company bridge (component, prev_amount, cur_amount, change_amount) → a waterfall: last
    week's revenue, + new, + expansion, − contraction, − lost clients, = this week's revenue."""
    title = i18n.t("chart.bridge.title", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    by = df.set_index("component")
    steps = [float(by.loc[c, "change_amount"]) if c in by.index else 0.0 for c in _BRIDGE_STEPS]
    start, end = float(df["prev_amount"].sum()), float(df["cur_amount"].sum())
    labels = [prev_label, *(i18n.t(f"chart.bridge.{c}", lang) for c in _BRIDGE_STEPS), cur_label]
    values = [start, *steps, end]
    texts = [i18n.fmt_money(start, lang, currency),
             *(i18n.fmt_metric("revenue_change_amount", v, lang, currency) for v in steps),
             i18n.fmt_money(end, lang, currency)]
    fig = _figure(lang, title, None, i18n.t("chart.axis.revenue_amount", lang, currency=currency_symbol(currency, lang)))
    fig.add_trace(go.Waterfall(
        x=labels, y=values, measure=["absolute", *["relative"] * len(steps), "total"], text=texts,
        textposition="outside", textfont=dict(size=BASE_FONT_PX + 2), connector=dict(line=dict(color=NEUTRAL)),
        increasing=dict(marker=dict(color=GOOD)), decreasing=dict(marker=dict(color=BAD)),
        totals=dict(marker=dict(color="#555555")), hovertext=[f"{l}: {t}" for l, t in zip(labels, texts)],
        hovertemplate=_HOVER,
    ))
    fig.update_yaxes(tickformat=_MONEY_TICKS, rangemode="tozero")
    fig.update_layout(showlegend=False)
    return fig


def bar_bridge_by_manager(df: pd.DataFrame, lang: str, currency: str) -> go.Figure:
    """Bridge per (manager, component) → horizontal stacked bars per manager: what each
    manager's book added (new, expansion) and lost (contraction, lost clients) this week."""
    title = i18n.t("chart.bridge_by_manager.title", lang)
    if _is_empty(df):
        return empty_figure(lang, title)
    moving = df[df["component"].isin(_BRIDGE_STEPS)]
    order = (moving.groupby("manager", dropna=False)["change_amount"].sum().sort_values()).index.tolist()
    names = [_name(m, lang) for m in order]
    x_title = i18n.t("chart.axis.revenue_change", lang, currency=currency_symbol(currency, lang))
    fig = _figure(lang, title, x_title, None)
    colours = {"new": GOOD, "expansion": PALETTE[4], "contraction": PALETTE[1], "churned": BAD}
    for component in _BRIDGE_STEPS:
        part = moving[moving["component"] == component].set_index("manager")["change_amount"]
        amounts = [float(part.get(m, 0.0)) if not i18n.is_missing(m) else float(part[part.index.isna()].sum())
                   for m in order]
        texts = [i18n.fmt_metric("revenue_change_amount", v, lang, currency) for v in amounts]
        label = i18n.t(f"chart.bridge.{component}", lang)
        fig.add_bar(y=names, x=amounts, orientation="h", name=label, marker_color=colours[component],
                    hovertext=[f"{n} · {label}: {t}" for n, t in zip(names, texts)], hovertemplate=_HOVER)
    fig.update_layout(barmode="relative", height=max(420, 140 + 44 * len(order)),
                      legend=dict(orientation="h", yanchor="top", y=-0.16, x=0), margin=dict(b=110))
    fig.update_xaxes(tickformat=_MONEY_TICKS, zeroline=True, zerolinecolor="#555555")
    fig.update_yaxes(type="category")
    return fig


def for_slide(fig: go.Figure, dark: bool = False) -> go.Figure:
    """The figure for a meeting slide: type big enough for a projector (20 px, titles 26 px),
    and light text on the slide's dark background when ``dark``."""
    fig.update_layout(font_size=BASE_FONT_PX + 4, title_font_size=TITLE_FONT_PX + 4,
                      legend_font_size=BASE_FONT_PX + 4, hoverlabel_font_size=BASE_FONT_PX + 4)
    fig.update_traces(textfont_size=BASE_FONT_PX + 4, selector=dict(type="waterfall"))
    fig.update_xaxes(tickfont_size=BASE_FONT_PX + 2, title_font_size=BASE_FONT_PX + 4)
    fig.update_yaxes(tickfont_size=BASE_FONT_PX + 2, title_font_size=BASE_FONT_PX + 4)
    if dark:
        fig.update_layout(paper_bgcolor="#101418", plot_bgcolor="#101418", font_color="#F2F2F2",
                          title_font_color="#F2F2F2", legend_font_color="#F2F2F2")
        fig.update_xaxes(gridcolor="#333A40", linecolor="#AAAAAA")
        fig.update_yaxes(gridcolor="#333A40", linecolor="#AAAAAA")
    return fig
