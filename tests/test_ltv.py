"""ltv_by_client and ltv_curve_by_cohort on hand-counted payments (DuckDB and PySpark)."""

from __future__ import annotations

import datetime as dt
import math

import ibis
import pandas as pd
import pytest

from metrics.ltv import ltv_by_client, ltv_curve_by_cohort

# a: margins 100−60 = 40, 50−20 = 30, refund −30−0 = −30 → revenue 120, margin 40.
# b: January cost unknown; March 100−50 = 50 → revenue 300, margin unknown
#    (with a 25 % default rate: 200 × 0.25 = 50, so 50 + 50 = 100, estimated).
# c: a single payment 80−80 = 0.
PAYMENTS = pd.DataFrame.from_records(
    [
        ("a", "2024-01-10", 100.0, 60.0),
        ("a", "2024-02-10", 50.0, 20.0),
        ("a", "2024-02-20", -30.0, 0.0),
        ("b", "2024-01-25", 200.0, None),
        ("b", "2024-03-01", 100.0, 50.0),
        ("c", "2024-02-15", 80.0, 80.0),
    ],
    columns=["client_id", "paid_at", "amount", "cost_amount"],
).astype({"paid_at": "datetime64[us]", "cost_amount": "float64"})

CLIENT_COLUMNS = ["client_id", "revenue_amount", "margin_amount", "is_margin_estimated", "payments_count"]
CURVE_COLUMNS = ["cohort", "k", "cohort_clients_count", "period_amount", "ltv_amount"]


def _frame(result: pd.DataFrame, columns: list[str], keys: list[str]) -> list[tuple]:
    rows = result.sort_values(keys)[columns]
    return [
        tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
        for row in rows.itertuples(index=False)
    ]


def _curve(result: pd.DataFrame) -> list[tuple]:
    result = result.assign(cohort=[pd.Timestamp(c).strftime("%Y-%m") for c in result.cohort])
    return _frame(result, CURVE_COLUMNS, ["cohort", "k"])


def test_ltv_by_client_unknown_margin(backend):
    result = backend.execute(ltv_by_client(backend.table(PAYMENTS)))
    assert _frame(result, CLIENT_COLUMNS, ["client_id"]) == [
        ("a", 120.0, 40.0, False, 3),
        ("b", 300.0, None, False, 2),
        ("c", 80.0, 0.0, False, 1),
    ]
    result = result.sort_values("client_id")
    assert [pd.Timestamp(t).date() for t in result.first_paid_at] == [
        dt.date(2024, 1, 10), dt.date(2024, 1, 25), dt.date(2024, 2, 15)
    ]
    assert [pd.Timestamp(t).date() for t in result.last_paid_at] == [
        dt.date(2024, 2, 20), dt.date(2024, 3, 1), dt.date(2024, 2, 15)
    ]


def test_ltv_by_client_default_margin_rate(duck):
    result = duck.execute(ltv_by_client(duck.table(PAYMENTS), default_margin_rate=0.25))
    assert _frame(result, CLIENT_COLUMNS, ["client_id"]) == [
        ("a", 120.0, 40.0, False, 3),
        ("b", 300.0, 100.0, True, 2),
        ("c", 80.0, 0.0, False, 1),
    ]


def test_ltv_curve_by_cohort_revenue(backend):
    payments = backend.table(PAYMENTS)
    result = backend.execute(
        ltv_curve_by_cohort(payments, grain="month", data_end=dt.date(2024, 4, 1), measure="revenue")
    )
    # cohort Jan = a, b; cohort Feb = c
    assert _curve(result) == [
        ("2024-01", 0, 2, 300.0, 150.0),  # 100 + 200 → 300 ÷ 2
        ("2024-01", 1, 2, 20.0, 160.0),  # 50 − 30 → 320 ÷ 2
        ("2024-01", 2, 2, 100.0, 210.0),  # b 100 → 420 ÷ 2
        ("2024-02", 0, 1, 80.0, 80.0),
        ("2024-02", 1, 1, 0.0, 80.0),  # nobody paid in March: curve flat
    ]


def test_ltv_curve_by_cohort_unknown_margin_stays_unknown(backend):
    payments = backend.table(PAYMENTS)
    result = backend.execute(
        ltv_curve_by_cohort(payments, grain="month", data_end=dt.date(2024, 4, 1), measure="margin")
    )
    assert _curve(result) == [
        ("2024-01", 0, 2, None, None),  # b's January cost is unknown
        ("2024-01", 1, 2, 0.0, None),  # a: 30 − 30 = 0, known; the running total is not
        ("2024-01", 2, 2, 50.0, None),
        ("2024-02", 0, 1, 0.0, 0.0),
        ("2024-02", 1, 1, 0.0, 0.0),
    ]


def test_ltv_curve_by_cohort_margin_with_default_rate(duck):
    result = duck.execute(
        ltv_curve_by_cohort(
            duck.table(PAYMENTS), grain="month", data_end=dt.date(2024, 4, 1), default_margin_rate=0.25
        )
    )
    assert _curve(result) == [
        ("2024-01", 0, 2, 90.0, 45.0),  # a 40 + b 200 × 0.25 = 90 → ÷ 2
        ("2024-01", 1, 2, 0.0, 45.0),
        ("2024-01", 2, 2, 50.0, 70.0),  # 140 ÷ 2
        ("2024-02", 0, 1, 0.0, 0.0),
        ("2024-02", 1, 1, 0.0, 0.0),
    ]


def test_ltv_curve_by_cohort_unknown_measure_raises():
    payments = ibis.table(
        {"client_id": "string", "paid_at": "timestamp", "amount": "float64", "cost_amount": "float64"}
    )
    with pytest.raises(ValueError, match="measure"):
        ltv_curve_by_cohort(payments, grain="month", data_end=dt.date(2024, 1, 1), measure="profit")
