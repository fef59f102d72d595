"""Baselines for the Overview page's metric families, written the way an analyst would without
this app: plain hand-written DuckDB SQL over the raw tables, and pandas over frames loaded from
the same database. Both compute what the Overview shows (design §4 definitions):

- the KPIs of the window and of the window before it: revenue, margin (known costs only: no
  default margin rate), active clients, NPS, NRR/GRR (one-period windows ending at ``end``),
  churn of the window's last period, first-response median, missed-call rate;
- per period of the window: revenue, margin, active clients, NPS, churn, first-response
  median, missed-call rate.

They return ``{"kpis": {name: (value, previous)}, "trend": {period: {name: value}}}`` so a run
can check that all three agree before comparing times (``agree``).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from metrics._time import comparison_windows, period_start, periods_between, shift_period

KPIS = ("revenue_amount", "margin_amount", "active_clients_count", "nps", "nrr", "churn_rate",
        "first_response_median_min", "missed_call_rate")
TREND = ("revenue_amount", "margin_amount", "active_clients_count", "nps", "churn_rate",
         "first_response_median_min", "missed_call_rate")


def _windows(start: dt.date, end: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    length = end - start
    return (start, end), (start - length, start)


def _bounds(start: dt.date, end: dt.date, grain: str) -> list[dt.date]:
    starts = periods_between(start, end, grain)
    return [*starts, shift_period(starts[-1], grain, 1)]


def _last_period(start: dt.date, end: dt.date, grain: str) -> dt.date:
    return max(start, period_start(end - dt.timedelta(days=1), grain))


# ------------------------------------------------------------------ hand-written DuckDB SQL

_SQL_TOTALS = """
SELECT sum(amount), sum(amount - cost_amount), count(DISTINCT client_id) FILTER (WHERE amount > 0)
FROM payments WHERE paid_at >= $s AND paid_at < $e
"""
_SQL_NPS = """
SELECT 100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) / nullif(count(*), 0)
FROM nps_responses WHERE answered_at >= $s AND answered_at < $e
"""
_SQL_SERVICE = """
SELECT median(first_response_min) FILTER (WHERE first_response_min IS NOT NULL AND NOT coalesce(is_missed, false)),
       count(*) FILTER (WHERE channel = 'call' AND direction = 'inbound' AND is_missed)
         / nullif(count(*) FILTER (WHERE channel = 'call' AND direction = 'inbound'), 0)
FROM interactions WHERE occurred_at >= $s AND occurred_at < $e
"""
_SQL_NRR = """
WITH per_client AS (
  SELECT client_id,
         sum(CASE WHEN paid_at >= $b AND paid_at < $m THEN amount ELSE 0 END) AS base,
         sum(CASE WHEN paid_at >= $m AND paid_at < $e THEN amount ELSE 0 END) AS cur
  FROM payments WHERE paid_at >= $b AND paid_at < $e GROUP BY client_id)
SELECT sum(cur) / nullif(sum(base), 0) FROM per_client WHERE base > 0
"""
_SQL_CHURN = """
WITH bounds AS (SELECT unnest($bounds::TIMESTAMP[]) AS b),
recorded AS (SELECT client_id, min(churned_at) AS churned_at FROM clients GROUP BY client_id),
status AS (
  SELECT p.client_id, b.b, max(p.paid_at) AS last_paid, any_value(r.churned_at) AS churned_at
  FROM payments p JOIN bounds b ON p.paid_at < b.b LEFT JOIN recorded r USING (client_id)
  WHERE p.amount > 0 GROUP BY p.client_id, b.b),
flagged AS (
  SELECT client_id, b, CASE WHEN churned_at IS NOT NULL THEN churned_at < b
                            ELSE last_paid + to_days($days) < b END AS churned FROM status)
SELECT a.b, count(*) FILTER (WHERE n.churned) / count(*)
FROM flagged a JOIN flagged n ON n.client_id = a.client_id
 AND n.b = (SELECT min(b) FROM bounds WHERE b > a.b)
WHERE NOT a.churned GROUP BY a.b ORDER BY a.b
"""
_SQL_TREND_PAYMENTS = """
SELECT date_trunc('month', paid_at)::DATE, sum(amount), sum(amount - cost_amount),
       count(DISTINCT client_id) FILTER (WHERE amount > 0)
FROM payments WHERE paid_at >= $s AND paid_at < $e GROUP BY 1
"""
_SQL_TREND_NPS = """
SELECT date_trunc('month', answered_at)::DATE,
       100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) / count(*)
FROM nps_responses WHERE answered_at >= $s AND answered_at < $e GROUP BY 1
"""
_SQL_TREND_SERVICE = """
SELECT date_trunc('month', occurred_at)::DATE,
       median(first_response_min) FILTER (WHERE first_response_min IS NOT NULL AND NOT coalesce(is_missed, false)),
       count(*) FILTER (WHERE channel = 'call' AND direction = 'inbound' AND is_missed)
         / nullif(count(*) FILTER (WHERE channel = 'call' AND direction = 'inbound'), 0)
FROM interactions WHERE occurred_at >= $s AND occurred_at < $e GROUP BY 1
"""


def _ts(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _churn_sql(con, start, end, grain, days) -> dict[dt.date, float]:
    bounds = [_ts(b) for b in _bounds(start, end, grain)]
    rows = con.execute(_SQL_CHURN, {"bounds": bounds, "days": days}).fetchall()
    return {b.date(): rate for b, rate in rows if b < bounds[-1]}


def overview_sql(con, start: dt.date, end: dt.date, grain: str = "month", churn_after_days: int = 90) -> dict:
    """Hand-written SQL on a DuckDB connection → the Overview's figures (see module doc)."""
    if grain != "month":
        raise ValueError("the SQL baseline is written for months")
    kpis: dict[str, list] = {name: [] for name in KPIS}
    for s, e in _windows(start, end):
        window = {"s": _ts(s), "e": _ts(e)}
        revenue, margin, active = con.execute(_SQL_TOTALS, window).fetchone()
        (score,) = con.execute(_SQL_NPS, window).fetchone()
        median, missed = con.execute(_SQL_SERVICE, window).fetchone()
        base, current = comparison_windows(e, grain, 1)
        (nrr,) = con.execute(_SQL_NRR, {"b": _ts(base.start), "m": _ts(base.end), "e": _ts(current.end)}).fetchone()
        last = _last_period(s, e, grain)
        churn = _churn_sql(con, last, e, grain, churn_after_days).get(last)
        for name, value in zip(KPIS, (revenue, margin, active, score, nrr, churn, median, missed)):
            kpis[name].append(value)
    window = {"s": _ts(start), "e": _ts(end)}
    trend: dict[dt.date, dict] = {}
    for day, revenue, margin, active in con.execute(_SQL_TREND_PAYMENTS, window).fetchall():
        trend.setdefault(day, {}).update(revenue_amount=revenue, margin_amount=margin, active_clients_count=active)
    for day, score in con.execute(_SQL_TREND_NPS, window).fetchall():
        trend.setdefault(day, {})["nps"] = score
    for day, median, missed in con.execute(_SQL_TREND_SERVICE, window).fetchall():
        trend.setdefault(day, {}).update(first_response_median_min=median, missed_call_rate=missed)
    for day, rate in _churn_sql(con, start, end, grain, churn_after_days).items():
        trend.setdefault(day, {})["churn_rate"] = rate
    return {"kpis": {k: tuple(v) for k, v in kpis.items()}, "trend": trend}


# ------------------------------------------------------------------ pandas

COLUMNS = {
    "payments": "client_id, paid_at, amount, cost_amount",
    "clients": "client_id, churned_at",
    "nps_responses": "answered_at, score",
    "interactions": "occurred_at, channel, direction, first_response_min, is_missed",
}


def load_frames(con) -> dict[str, pd.DataFrame]:
    """The columns the Overview needs, every row, into pandas (what a pandas tool must do first)."""
    return {table: con.execute(f"SELECT {columns} FROM {table}").df() for table, columns in COLUMNS.items()}


def _in(frame: pd.DataFrame, column: str, s: dt.date, e: dt.date) -> pd.DataFrame:
    at = frame[column]
    return frame[(at >= pd.Timestamp(s)) & (at < pd.Timestamp(e))]


def _pd_totals(p: pd.DataFrame) -> tuple:
    known = (p.amount - p.cost_amount).sum(min_count=1)
    return p.amount.sum(min_count=1), known, p.loc[p.amount > 0, "client_id"].nunique()


def _pd_nps(n: pd.DataFrame):
    if not len(n):
        return None
    return 100.0 * ((n.score >= 9).sum() - (n.score <= 6).sum()) / len(n)


def _pd_service(i: pd.DataFrame) -> tuple:
    answered = i.first_response_min.notna() & ~i.is_missed.fillna(False).astype(bool)
    inbound = (i.channel == "call") & (i.direction == "inbound")
    calls = inbound.sum()
    missed = (inbound & i.is_missed.fillna(False).astype(bool)).sum()
    median = i.first_response_min[answered].median() if answered.any() else None
    return median, (missed / calls if calls else None)


def _pd_churn(f: dict, start: dt.date, end: dt.date, grain: str, days: int) -> dict[dt.date, float]:
    bounds = [pd.Timestamp(b) for b in _bounds(start, end, grain)]
    p = f["payments"]
    p = p[(p.amount > 0) & (p.paid_at < bounds[-1])]
    recorded = f["clients"].groupby("client_id").churned_at.min()
    churned_by_bound = []
    for b in bounds:
        last = p[p.paid_at < b].groupby("client_id").paid_at.max()
        rec = recorded.reindex(last.index)
        churned = np.where(rec.notna(), rec < b, last + pd.Timedelta(days=days) < b)
        churned_by_bound.append(pd.Series(churned, index=last.index))
    out = {}
    for j in range(len(bounds) - 1):
        base = churned_by_bound[j][~churned_by_bound[j]].index
        if len(base):
            out[bounds[j].date()] = float(churned_by_bound[j + 1].reindex(base).sum() / len(base))
    return out


def overview_pandas(frames: dict, start: dt.date, end: dt.date, grain: str = "month",
                    churn_after_days: int = 90) -> dict:
    """pandas over :func:`load_frames` → the Overview's figures (see module doc)."""
    if grain != "month":
        raise ValueError("the pandas baseline is written for months")
    p, n, i = frames["payments"], frames["nps_responses"], frames["interactions"]
    kpis: dict[str, list] = {name: [] for name in KPIS}
    for s, e in _windows(start, end):
        revenue, margin, active = _pd_totals(_in(p, "paid_at", s, e))
        median, missed = _pd_service(_in(i, "occurred_at", s, e))
        base, current = comparison_windows(e, grain, 1)
        both = _in(p, "paid_at", base.start, current.end)
        in_base = both.paid_at < pd.Timestamp(base.end)
        per_client = pd.DataFrame({"base": both.amount.where(in_base, 0.0), "cur": both.amount.where(~in_base, 0.0),
                                   "client_id": both.client_id}).groupby("client_id").sum()
        kept = per_client[per_client.base > 0]
        nrr = kept.cur.sum() / kept.base.sum() if len(kept) else None
        last = _last_period(s, e, grain)
        churn = _pd_churn(frames, last, e, grain, churn_after_days).get(last)
        values = (revenue, margin, active, _pd_nps(_in(n, "answered_at", s, e)), nrr, churn, median, missed)
        for name, value in zip(KPIS, values):
            kpis[name].append(value)
    trend: dict[dt.date, dict] = {}
    pw = _in(p, "paid_at", start, end)
    for month, part in pw.groupby(pw.paid_at.dt.to_period("M")):
        revenue, margin, active = _pd_totals(part)
        trend.setdefault(month.start_time.date(), {}).update(
            revenue_amount=revenue, margin_amount=margin, active_clients_count=active)
    nw = _in(n, "answered_at", start, end)
    for month, part in nw.groupby(nw.answered_at.dt.to_period("M")):
        trend.setdefault(month.start_time.date(), {})["nps"] = _pd_nps(part)
    iw = _in(i, "occurred_at", start, end)
    for month, part in iw.groupby(iw.occurred_at.dt.to_period("M")):
        median, missed = _pd_service(part)
        trend.setdefault(month.start_time.date(), {}).update(first_response_median_min=median, missed_call_rate=missed)
    for day, rate in _pd_churn(frames, start, end, grain, churn_after_days).items():
        trend.setdefault(day, {})["churn_rate"] = rate
    return {"kpis": {k: tuple(v) for k, v in kpis.items()}, "trend": trend}


# ------------------------------------------------------------------ the app's own figures

def overview_ours(kpis: pd.DataFrame, trend: pd.DataFrame) -> dict:
    """app_state.load_kpis / load_kpi_trend frames → the same shape as the baselines."""
    by_name = kpis.set_index("metric")
    out_kpis = {name: (by_name.value[name], by_name.previous_value[name]) for name in KPIS}
    out_trend = {}
    for row in trend.to_dict("records"):
        out_trend[pd.Timestamp(row["period"]).date()] = {name: row.get(name) for name in TREND}
    return {"kpis": out_kpis, "trend": out_trend}


def _same(a, b, rel: float = 1e-6) -> bool:
    missing = [v is None or (isinstance(v, float) and math.isnan(v)) for v in (a, b)]
    if any(missing):
        return all(missing) or (missing[0] and b == 0) or (missing[1] and a == 0)
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-9)


def differences(ours: dict, other: dict) -> list[str]:
    """What differs between two results (empty when they agree)."""
    out = []
    for name in KPIS:
        for which, a, b in zip(("value", "previous"), ours["kpis"][name], other["kpis"][name]):
            if not _same(a, b):
                out.append(f"{name} {which}: {a} vs {b}")
    for day in sorted(set(ours["trend"]) | set(other["trend"])):
        for name in TREND:
            a, b = ours["trend"].get(day, {}).get(name), other["trend"].get(day, {}).get(name)
            if not _same(a, b):
                out.append(f"{day} {name}: {a} vs {b}")
    return out
