"""Cohort retention (logo and revenue) and NRR / GRR (design §4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from metrics._time import (
    check_grain,
    client_revenue_in_windows,
    comparison_windows,
    last_period_number,
    offsets_until,
    period_expr,
    period_number_expr,
    ts_literal,
)

KINDS = ("logo", "revenue")

CellMeasure = Callable[[ir.Table], ir.Scalar]


def client_cohorts(payments: ir.Table, *, grain: str, data_end: dt.date) -> ir.Table:
    """payments: one row per payment → one row per client with a positive payment before data_end.

    Columns: client_id, first_paid_at, cohort (period start, date), cohort_number (int).
    A client whose only payments are refunds or zero has no cohort.
    """
    check_grain(grain)
    positive = payments.filter(payments.amount > 0, payments.paid_at < ts_literal(data_end))
    first = positive.group_by("client_id").aggregate(first_paid_at=positive.paid_at.min())
    return first.mutate(
        cohort=period_expr(first.first_paid_at, grain),
        cohort_number=period_number_expr(first.first_paid_at, grain),
    )


def cohort_grid(
    payments: ir.Table, *, grain: str, data_end: dt.date, **measures: CellMeasure
) -> ir.Table:
    """payments: one row per payment → one row per (cohort, k) up to the last period before data_end.

    Columns: cohort, k, cohort_clients_count, then one column per ``measures`` entry: a function
    of the cohort's payments in period cohort+k (payments table with ``k``) returning an aggregate.
    Every k from 0 to the last period that starts before ``data_end`` is present; a cell without
    payments has the measures null (callers fill them). Payments on or after ``data_end`` and a
    client's refunds before its first positive payment are ignored.
    """
    cohorts = client_cohorts(payments, grain=grain, data_end=data_end)
    in_data = payments.filter(payments.paid_at < ts_literal(data_end))
    paid = in_data.join(cohorts, "client_id")
    paid = paid.mutate(k=period_number_expr(paid.paid_at, grain) - paid.cohort_number)
    paid = paid.filter(paid.k >= 0)
    cells = paid.group_by(["cohort", "k"]).aggregate(
        **{name: measure(paid) for name, measure in measures.items()}
    )
    sizes = cohorts.group_by(["cohort", "cohort_number"]).aggregate(
        cohort_clients_count=cohorts.client_id.count()
    )
    last = last_period_number(data_end, grain)
    grid = sizes.mutate(k=offsets_until(sizes.cohort_number, last).cast("int64"))
    joined = grid.left_join(cells, [grid.cohort == cells.cohort, grid.k == cells.k])
    return joined.select(
        cohort=grid.cohort,
        k=grid.k,
        cohort_clients_count=grid.cohort_clients_count,
        **{name: cells[name] for name in measures},
    )


def retention_by_cohort(
    payments: ir.Table, *, grain: str, kind: str = "logo", data_end: dt.date
) -> ir.Table:
    """payments: one row per payment → one row per (cohort, k) with rate.

    Columns: cohort, k, cohort_clients_count, clients_count (cohort clients with a payment
    > 0 in period cohort+k), revenue_amount (Σ amount of the cohort's clients in that period,
    refunds included), rate. ``kind="logo"``: rate = clients_count ÷ cohort_clients_count
    (k=0 is 1.0). ``kind="revenue"``: rate = revenue_amount ÷ the cohort's k=0 revenue; null
    for the whole cohort when same-period refunds bring its k=0 revenue to ≤ 0.
    Grid: every k up to the last period starting before ``data_end``; a mature period where
    no cohort client paid has rate 0, periods from ``data_end`` on are absent. A client with a
    single payment is active at k=0 only.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    grid = cohort_grid(
        payments,
        grain=grain,
        data_end=data_end,
        clients_count=lambda p: p.client_id.nunique(where=p.amount > 0),
        revenue_amount=lambda p: p.amount.sum(),
    )
    clients_count = grid.clients_count.fill_null(0).cast("int64")
    revenue_amount = grid.revenue_amount.fill_null(0.0).cast("float64")
    if kind == "logo":
        rate = clients_count / grid.cohort_clients_count
    else:
        k0_revenue = (
            ibis.ifelse(grid.k == 0, revenue_amount, None)
            .max()
            .over(ibis.window(group_by=grid.cohort))
        )
        rate = revenue_amount / ibis.ifelse(k0_revenue > 0, k0_revenue, None)
    return grid.select(
        "cohort",
        "k",
        "cohort_clients_count",
        clients_count=clients_count,
        revenue_amount=revenue_amount,
        rate=rate.cast("float64"),
    )


def _base_sums(rev: ir.Table) -> dict[str, ir.Scalar]:
    """Aggregates of clients in S (rows of ``rev``) that NRR and GRR are ratios of."""
    return dict(
        base_clients_count=rev.client_id.count(),
        base_revenue_amount=rev.base_revenue_amount.sum(),
        current_revenue_amount=rev.current_revenue_amount.sum(),
        retained_revenue_amount=rev.retained_revenue_amount.sum(),
    )


def nrr_grr(
    payments: ir.Table,
    *,
    end: dt.date,
    grain: str,
    length: int = 1,
    client_groups: ir.Table | None = None,
) -> ir.Table:
    """payments: one row per payment → one row (or one per group) with nrr and grr.

    Windows: base B = [E−2L, E−L), current C = [E−L, E) (``_time.comparison_windows``).
    S = clients whose Σ amount over B is > 0 (refunds included); new clients are not in S.
    base_revenue_amount = Σ_S rev_B, current_revenue_amount = Σ_S rev_C,
    retained_revenue_amount = Σ_S min(max(rev_C, 0), rev_B); nrr = current ÷ base,
    grr = retained ÷ base. rev_C is floored at 0 inside GRR's min so refunds cannot push GRR
    below 0: GRR is always in [0, 1], and GRR ≤ NRR whenever no client in S has negative rev_C.
    With ``client_groups`` (client_id, group): one row per distinct group, a client counted in
    each of its groups; a group with empty base has counts 0 and null rates. Without it the
    single row exists even for empty data (rates null).
    """
    base, current = comparison_windows(end, grain, length)
    rev = client_revenue_in_windows(payments, base, current)
    rev = rev.filter(rev.base_revenue_amount > 0)
    rev = rev.mutate(
        retained_revenue_amount=ibis.least(
            ibis.greatest(rev.current_revenue_amount, 0.0), rev.base_revenue_amount
        )
    )
    if client_groups is None:
        totals = rev.aggregate(**_base_sums(rev))
        keys: list[str] = []
    else:
        member = rev.join(client_groups.select("client_id", "group"), "client_id")
        per_group = member.group_by("group").aggregate(**_base_sums(member))
        groups = client_groups.select("group").distinct()
        totals = groups.left_join(per_group, "group").select(
            groups.group, *(per_group[c] for c in per_group.columns if c != "group")
        )
        keys = ["group"]
    return totals.select(
        *keys,
        base_clients_count=totals.base_clients_count.fill_null(0).cast("int64"),
        base_revenue_amount=totals.base_revenue_amount.fill_null(0.0).cast("float64"),
        current_revenue_amount=totals.current_revenue_amount.fill_null(0.0).cast("float64"),
        retained_revenue_amount=totals.retained_revenue_amount.fill_null(0.0).cast("float64"),
        nrr=(totals.current_revenue_amount / totals.base_revenue_amount.nullif(0.0)).cast("float64"),
        grr=(totals.retained_revenue_amount / totals.base_revenue_amount.nullif(0.0)).cast("float64"),
    )
