"""Net Promoter Score with its 95 % interval (design §4, NPS)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from metrics._time import Window, in_day_window, period_expr, ts_literal

PROMOTER_MIN_SCORE = 9
DETRACTOR_MAX_SCORE = 6
LOW_SAMPLE_RESPONSES = 30


def _in_dates(nps: ir.Table, start: dt.date | None, end: dt.date | None) -> ir.Table:
    if start is not None:
        nps = nps.filter(nps.answered_at >= ts_literal(start))
    if end is not None:
        nps = nps.filter(nps.answered_at < ts_literal(end))
    return nps


def _at_least(x: ir.FloatingValue, bound: float) -> ir.FloatingValue:
    """max(x, bound) that keeps a null null (SQL GREATEST skips nulls)."""
    return ibis.ifelse(x < bound, bound, x)


def _at_most(x: ir.FloatingValue, bound: float) -> ir.FloatingValue:
    return ibis.ifelse(x > bound, bound, x)


def nps_summary(
    nps: ir.Table,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: Sequence[str] = (),
) -> ir.Table:
    """nps_responses: one row per response → one row per ``by`` group (one row when empty).

    Columns: ``by`` columns, responses_count, promoters_count (9–10), passives_count (7–8),
    detractors_count (0–6), nps = 100·(p₊ − p₋), ci_low / ci_high = nps ∓ 196·√((p₊ + p₋ −
    (p₊ − p₋)²) ÷ n) clipped to [−100, 100], is_low_sample (n < 30).

    ``by`` may name any column of the table: ``manager``; for ``segment`` pass responses
    pre-joined with clients, e.g. ``nps.join(clients.select("client_id", "segment"),
    "client_id")``. Responses are those with ``start ≤ answered_at < end``. Groups without
    responses are absent.
    """
    t = _in_dates(nps, start, end)
    is_promoter = t.score >= PROMOTER_MIN_SCORE
    is_detractor = t.score <= DETRACTOR_MAX_SCORE
    is_passive = ~is_promoter & ~is_detractor
    measures = dict(
        responses_count=t.count(),
        promoters_count=t.count(where=is_promoter),
        passives_count=t.count(where=is_passive),
        detractors_count=t.count(where=is_detractor),
    )
    counts = t.group_by(list(by)).aggregate(**measures) if by else t.aggregate(**measures)
    return _scored(counts)


def _scored(counts: ir.Table) -> ir.Table:
    """Counts (responses, promoters, passives, detractors) → + nps, ci_low, ci_high, is_low_sample."""
    n = counts.responses_count.cast("float64").nullif(0.0)  # no responses → null, not NaN
    promoter_share = counts.promoters_count / n
    detractor_share = counts.detractors_count / n
    net_share = promoter_share - detractor_share
    variance = promoter_share + detractor_share - net_share * net_share  # ≥ 0 in exact arithmetic
    half_width = 196.0 * (_at_least(variance, 0.0) / n).sqrt()
    score = 100.0 * net_share
    return counts.mutate(
        nps=score,
        ci_low=_at_least(score - half_width, -100.0),
        ci_high=_at_most(score + half_width, 100.0),
        is_low_sample=counts.responses_count < LOW_SAMPLE_RESPONSES,
    )


def nps_by_period(nps: ir.Table, *, grain: str, start: dt.date, end: dt.date) -> ir.Table:
    """nps_responses: one row per response → one row per period with responses.

    Columns: period (date: month start or ISO Monday) + the :func:`nps_summary` columns, ordered
    by period. Periods without responses are absent (not NPS 0).
    """
    t = _in_dates(nps, start, end)
    t = t.mutate(period=period_expr(t.answered_at, grain))
    return nps_summary(t, by=("period",)).order_by("period")


def nps_from_daily(
    nps_daily: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    grain: str | None = None,
) -> ir.Table:
    """nps_daily: one row per (import, day, client scope, manager) with response counts (the
    derived table, warehouse/derived.py) → one row for the window, or one per period with
    responses when ``grain`` is given; the same columns and values as :func:`nps_summary` /
    :func:`nps_by_period` over the raw responses of days start ≤ day < end."""
    t = nps_daily.filter(in_day_window(nps_daily.day, Window(start, end)))
    by = []
    if grain is not None:
        t = t.mutate(period=period_expr(t.day, grain))
        by = ["period"]
    responses, promoters, detractors = t.responses_count.sum(), t.promoters_count.sum(), t.detractors_count.sum()
    measures = dict(
        responses_count=responses.fill_null(0),
        promoters_count=promoters.fill_null(0),
        passives_count=(responses - promoters - detractors).fill_null(0),
        detractors_count=detractors.fill_null(0),
    )
    if not by:
        return _scored(t.aggregate(**measures))
    return _scored(t.group_by(by).aggregate(**measures)).order_by("period")
