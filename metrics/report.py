"""The headless report: every headline metric of a window as one JSON-ready dict."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import ibis.expr.types as ir
import pandas as pd

from metrics._time import Window, check_grain, comparison_windows, in_window, period_start, ts_literal
from metrics.churn import churn_of_last_period
from metrics.concentration import revenue_concentration
from metrics.ltv import ltv_by_client, ltv_curve_by_cohort
from metrics.managers import scorecard_by_manager, span_of_control
from metrics.meeting import revenue_bridge_by_component
from metrics.nps import nps_by_period, nps_summary
from metrics.retention import nrr_grr, retention_by_cohort
from metrics.service import service_speed

KPI_NAMES = (
    "revenue_amount",
    "margin_amount",
    "active_clients_count",
    "avg_ltv_amount",
    "nps",
    "nps_responses",
    "nps_ci_low",
    "nps_ci_high",
    "nrr",
    "grr",
    "churn_rate",
    "top20_revenue_share",
    "gini",
    "first_response_median_min",
    "missed_call_rate",
    "complaints_per_100",
)
TABLE_NAMES = {
    "payments": "payments",
    "clients": "clients",
    "managers": "managers",
    "interactions": "interactions",
    "nps": "nps_responses",
}


def load_tables(con) -> dict[str, ir.Table]:
    """An Ibis connection → the canonical tables under the metric argument names."""
    return {arg: con.table(table) for arg, table in TABLE_NAMES.items()}


def _json_value(value):
    """A pandas/numpy cell → a JSON value: NaN/NA → None, dates → ISO strings."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if pd.isna(value):
            return None
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _records(con, expr: ir.Table, columns: Mapping[str, str] | None = None) -> list[dict]:
    """Executes ``expr`` → list of row dicts; ``columns`` maps output key → column name."""
    frame = con.execute(expr)
    columns = columns or {name: name for name in frame.columns}
    return [
        {key: _json_value(row[column]) for key, column in columns.items()}
        for row in frame.to_dict("records")
    ]


def _one(con, expr: ir.Table, columns: Mapping[str, str]) -> dict:
    rows = _records(con, expr, columns)
    return rows[0] if rows else {key: None for key in columns}


def _company_kpis(con, t: Mapping[str, ir.Table], start: dt.date, end: dt.date, grain: str) -> dict:
    """The KPI row over [start, end): see :func:`build_report`."""
    window = Window(start, end)
    paid = t["payments"].filter(in_window(t["payments"].paid_at, window))
    sales = ltv_by_client(paid)
    active = paid.filter(paid.amount > 0).select("client_id").distinct()
    lifetime = ltv_by_client(t["payments"].filter(t["payments"].paid_at < ts_literal(end)))
    lifetime_of_active = lifetime.semi_join(active, "client_id")
    kpis: dict = {}
    kpis |= _one(
        con,
        sales.aggregate(
            revenue_amount=sales.revenue_amount.sum(), margin_amount=sales.margin_amount.sum()
        ),
        {"revenue_amount": "revenue_amount", "margin_amount": "margin_amount"},
    )
    kpis |= _one(con, active.aggregate(n=active.count()), {"active_clients_count": "n"})
    kpis |= _one(
        con,
        lifetime_of_active.aggregate(avg=lifetime_of_active.margin_amount.mean()),
        {"avg_ltv_amount": "avg"},
    )
    kpis |= _one(
        con,
        nps_summary(t["nps"], start=start, end=end),
        {"nps": "nps", "nps_responses": "responses_count", "nps_ci_low": "ci_low", "nps_ci_high": "ci_high"},
    )
    kpis |= _one(con, nrr_grr(t["payments"], end=end, grain=grain, length=1), {"nrr": "nrr", "grr": "grr"})
    churn = churn_of_last_period(t["payments"], t["clients"], grain=grain, start=start, end=end)
    kpis |= _one(con, churn, {"churn_rate": "churn_rate"})
    kpis |= _one(
        con,
        revenue_concentration(t["payments"], start=start, end=end),
        {"top20_revenue_share": "top20_revenue_share", "gini": "gini"},
    )
    kpis |= _one(
        con,
        service_speed(t["interactions"], start=start, end=end),
        {name: name for name in ("first_response_median_min", "missed_call_rate", "complaints_per_100")},
    )
    if kpis["nps_responses"] is None:
        kpis["nps_responses"] = 0
    return {name: kpis[name] for name in KPI_NAMES}


def _span_flag(reports_count: int, low: int, high: int) -> str | None:
    if reports_count < low:
        return "below"
    if reports_count > high:
        return "above"
    return None


def build_report(
    con,
    *,
    start: dt.date,
    end: dt.date,
    grain: str,
    tables: Mapping[str, ir.Table] | None = None,
) -> dict:
    """An Ibis connection (or ``tables``, e.g. scoped by ``scope.apply_filters``) → the report.

    ``end`` is inclusive as given (the last day of the window); metrics use [start, end + 1 day).
    - window {start, end, grain};
    - kpis (``KPI_NAMES``): revenue, margin (Σ over payments with a known cost), active clients,
      avg_ltv_amount = lifetime margin up to the window's end averaged over the clients active
      in the window, NPS with its interval, NRR/GRR for the grain period ending at end + 1 day
      versus the one before, churn_rate of the last period of the window, top-20 % share and
      Gini, first-response median, missed-call rate, complaints per 100;
    - retention_logo / retention_revenue {cohort, k, clients_count, rate} and ltv_curve
      {cohort, k, ltv_amount} for the cohorts starting in the window;
    - nps_by_period {period, nps, responses, ci_low, ci_high};
    - managers: one scorecard object per manager (registry names);
    - span_of_control {lead, reports_count, is_flagged, flag ("below" / "above" / null)};
    - revenue_bridge: the company bridge {component, clients_count, prev_amount, cur_amount,
      change_amount} between the same two grain periods as NRR.
    Dates are ISO strings and NaN is None.
    """
    check_grain(grain)
    if end < start:
        raise ValueError("end must not be before start")
    end_excl = end + dt.timedelta(days=1)
    t = dict(tables) if tables is not None else load_tables(con)
    first_cohort = period_start(start, grain)

    def cohort_rows(expr: ir.Table, columns: Mapping[str, str]) -> list[dict]:
        expr = expr.filter(expr.cohort >= first_cohort).order_by(["cohort", "k"])
        return _records(con, expr, columns)

    retention_columns = {"cohort": "cohort", "k": "k", "clients_count": "clients_count", "rate": "rate"}
    retention = {
        f"retention_{kind}": cohort_rows(
            retention_by_cohort(t["payments"], grain=grain, kind=kind, data_end=end_excl),
            retention_columns,
        )
        for kind in ("logo", "revenue")
    }
    scorecard = scorecard_by_manager(
        t["payments"], t["clients"], t["managers"], t["interactions"], t["nps"],
        start=start, end=end_excl, grain=grain,
    )
    low, high = 5, 7
    span = _records(con, span_of_control(t["managers"], low=low, high=high))
    for row in span:
        row["flag"] = _span_flag(row["reports_count"], low, high)
    prev, cur = comparison_windows(end_excl, grain, 1)
    bridge = revenue_bridge_by_component(t["payments"], prev=prev, cur=cur)
    return {
        "window": {"start": start.isoformat(), "end": end.isoformat(), "grain": grain},
        "kpis": _company_kpis(con, t, start, end_excl, grain),
        **retention,
        "ltv_curve": cohort_rows(
            ltv_curve_by_cohort(t["payments"], grain=grain, data_end=end_excl),
            {"cohort": "cohort", "k": "k", "ltv_amount": "ltv_amount"},
        ),
        "nps_by_period": _records(
            con,
            nps_by_period(t["nps"], grain=grain, start=start, end=end_excl),
            {"period": "period", "nps": "nps", "responses": "responses_count",
             "ci_low": "ci_low", "ci_high": "ci_high"},
        ),
        "managers": _records(con, scorecard),
        "span_of_control": span,
        "revenue_bridge": _records(con, bridge.drop("component_order")),
    }
