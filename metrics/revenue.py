"""Revenue, margin and active clients of a window or by period (design §4)."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from metrics._time import Window, in_day_window, in_window, period_expr

REVENUE_COLUMNS = ("revenue_amount", "margin_amount", "active_clients_count")


def revenue_totals(
    payments: ir.Table,
    payments_daily: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    grain: str | None = None,
    default_margin_rate: float | None = None,
) -> ir.Table:
    """payments (one row per payment) and payments_daily (one row per import × day × client
    scope × manager × kind, warehouse/derived.py) → one row for the window [start, end), or one
    row per period with payments when ``grain`` is given.

    Columns: revenue_amount (sum of amounts, refunds included), margin_amount (amount − cost
    where the cost is known, amount × ``default_margin_rate`` where not; without a rate, known
    margins only, null when none — as metrics.ltv.payment_margin), active_clients_count
    (distinct clients with a positive payment, from the raw rows of the window).
    """
    window = Window(start, end)
    days = payments_daily.filter(in_day_window(payments_daily.day, window))
    raw = payments.filter(in_window(payments.paid_at, window))
    raw = raw.filter(raw.amount > 0)
    if grain is not None:
        days = days.mutate(period=period_expr(days.day, grain))
        raw = raw.mutate(period=period_expr(raw.paid_at, grain))
    if default_margin_rate is None:
        day_margin = days.known_margin_sum
    else:
        day_margin = (days.known_margin_sum.fill_null(0.0)
                      + days.costless_amount_sum.fill_null(0.0) * ibis.literal(float(default_margin_rate)))
    sums = dict(revenue_amount=days.amount_sum.sum(), margin_amount=day_margin.sum())
    active = dict(active_clients_count=raw.client_id.nunique())
    if grain is None:
        return days.aggregate(**sums).cross_join(raw.aggregate(**active)).select(*REVENUE_COLUMNS)
    per_day = days.group_by("period").aggregate(**sums)
    per_raw = raw.group_by("period").aggregate(**active)
    out = per_day.left_join(per_raw, "period").select(
        per_day.period, per_day.revenue_amount, per_day.margin_amount,
        active_clients_count=per_raw.active_clients_count.fill_null(0))
    return out.order_by("period")
