"""Margin and lifetime value: per client, and cumulative per cohort client (design §4)."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from metrics.retention import cohort_grid

MEASURES = ("margin", "revenue")


def payment_margin(
    payments: ir.Table, default_margin_rate: float | None = None
) -> tuple[ir.FloatingColumn, ir.BooleanColumn]:
    """Per payment: (margin, is_estimated).

    margin = amount − cost_amount; where cost_amount is missing it is null (unknown) unless
    ``default_margin_rate`` is given, then amount × rate and is_estimated is true. Refunds
    (negative amounts) give negative margins the same way.
    """
    known_margin = payments.amount - payments.cost_amount
    is_cost_missing = payments.cost_amount.isnull()
    if default_margin_rate is None:
        return known_margin, ibis.literal(False)
    estimated_margin = payments.amount * ibis.literal(float(default_margin_rate))
    return ibis.ifelse(is_cost_missing, estimated_margin, known_margin), is_cost_missing


def _measure_value(payments: ir.Table, measure: str, default_margin_rate: float | None):
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    if measure == "revenue":
        return payments.amount
    margin, _ = payment_margin(payments, default_margin_rate)
    return margin


def ltv_by_client(payments: ir.Table, *, default_margin_rate: float | None = None) -> ir.Table:
    """payments: one row per payment → one row per client with any payment (historical LTV).

    Columns: client_id, revenue_amount (Σ amount, refunds included), margin_amount,
    is_margin_estimated, payments_count, first_paid_at, last_paid_at (over all its payments;
    equal for a client with a single payment). margin_amount is null (unknown) when any of the
    client's payments lacks cost_amount and no ``default_margin_rate`` fills it; with the rate,
    is_margin_estimated is true for a client with at least one filled payment.
    """
    margin, is_estimated = payment_margin(payments, default_margin_rate)
    p = payments.mutate(margin=margin, is_estimated=is_estimated)
    per_client = p.group_by("client_id").aggregate(
        revenue_amount=p.amount.sum(),
        known_margin_amount=p.margin.sum(),
        unknown_margins_count=p.margin.isnull().sum(),
        is_margin_estimated=p.is_estimated.any(),
        payments_count=p.count(),
        first_paid_at=p.paid_at.min(),
        last_paid_at=p.paid_at.max(),
    )
    margin_amount = ibis.ifelse(
        per_client.unknown_margins_count > 0, ibis.null("float64"), per_client.known_margin_amount
    )
    return per_client.select(
        "client_id",
        revenue_amount=per_client.revenue_amount.cast("float64"),
        margin_amount=margin_amount.cast("float64"),
        is_margin_estimated=per_client.is_margin_estimated,
        payments_count=per_client.payments_count.cast("int64"),
        first_paid_at="first_paid_at",
        last_paid_at="last_paid_at",
    )


def ltv_curve_by_cohort(
    payments: ir.Table,
    *,
    grain: str,
    data_end: dt.date,
    measure: str = "margin",
    default_margin_rate: float | None = None,
) -> ir.Table:
    """payments: one row per payment → one row per (cohort, k), same grid as retention.

    Columns: cohort, k, cohort_clients_count, period_amount (Σ margin or revenue of the
    cohort's clients in period cohort+k; 0 where none paid, refunds included), ltv_amount
    (Σ period_amount over 0..k ÷ cohort_clients_count). With ``measure="margin"`` a cell with
    a payment of unknown margin has period_amount null, and ltv_amount is null from that k on
    (unknown stays unknown); ``default_margin_rate`` fills missing costs as in ltv_by_client.
    """
    grid = cohort_grid(
        payments,
        grain=grain,
        data_end=data_end,
        known_amount=lambda p: _measure_value(p, measure, default_margin_rate).sum(),
        unknown_count=lambda p: _measure_value(p, measure, default_margin_rate).isnull().sum(),
    )
    known_amount = grid.known_amount.fill_null(0.0).cast("float64")
    unknown_count = grid.unknown_count.fill_null(0).cast("int64")
    grid = grid.mutate(known_amount=known_amount, unknown_count=unknown_count)
    so_far = ibis.cumulative_window(group_by=grid.cohort, order_by=grid.k)
    cumulative_amount = grid.known_amount.sum().over(so_far)
    cumulative_unknown = grid.unknown_count.sum().over(so_far)
    return grid.select(
        "cohort",
        "k",
        "cohort_clients_count",
        period_amount=ibis.ifelse(grid.unknown_count > 0, ibis.null("float64"), grid.known_amount),
        ltv_amount=ibis.ifelse(
            cumulative_unknown > 0,
            ibis.null("float64"),
            cumulative_amount / grid.cohort_clients_count,
        ).cast("float64"),
    )
