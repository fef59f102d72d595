"""retention_by_cohort and nrr_grr on hand-counted payments (DuckDB and PySpark)."""

from __future__ import annotations

import datetime as dt
import math

import ibis
import pandas as pd
import pytest

from metrics.retention import nrr_grr, retention_by_cohort

PAYMENT_COLUMNS = ["client_id", "paid_at", "amount", "cost_amount"]

# Months Jan–Mar 2024 before data_end 2024-04-01.
# cohort Jan: a, b. cohort Feb: c (its Jan payment is 0, not > 0), d (single payment).
# e only refunded: no cohort. d's April payment is after data_end: ignored.
COHORT_PAYMENTS = pd.DataFrame.from_records(
    [
        ("a", "2024-01-03 10:00", 100.0, 60.0),
        ("a", "2024-02-10 10:00", 50.0, 20.0),
        ("a", "2024-03-15 10:00", 30.0, 10.0),
        ("b", "2024-01-20 10:00", 200.0, 100.0),
        ("b", "2024-02-05 10:00", -40.0, 0.0),
        ("c", "2024-01-31 23:00", 0.0, 0.0),
        ("c", "2024-02-01 00:00", 60.0, 30.0),
        ("d", "2024-02-14 10:00", 80.0, 40.0),
        ("d", "2024-04-02 10:00", 500.0, 100.0),
        ("e", "2024-01-10 10:00", -10.0, 0.0),
    ],
    columns=PAYMENT_COLUMNS,
).astype({"paid_at": "datetime64[us]"})

RETENTION_COLUMNS = ["cohort", "k", "cohort_clients_count", "clients_count", "revenue_amount", "rate"]


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys).reset_index(drop=True)


def _expected(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame.astype({"cohort": "datetime64[us]"}) if "cohort" in columns else frame


def _assert_frame(result: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    result = _sorted(result[list(expected.columns)], keys)
    result = result.astype({"cohort": "datetime64[us]"}) if "cohort" in keys else result
    pd.testing.assert_frame_equal(result, expected, check_dtype=False, rtol=1e-9)


def test_retention_by_cohort_logo_matrix(backend):
    payments = backend.table(COHORT_PAYMENTS)
    result = backend.execute(
        retention_by_cohort(payments, grain="month", kind="logo", data_end=dt.date(2024, 4, 1))
    )
    expected = _expected(
        [
            ("2024-01-01", 0, 2, 2, 300.0, 1.0),  # a 100 + b 200; 2 of 2 active
            ("2024-01-01", 1, 2, 1, 10.0, 0.5),  # a 50, b refund −40 (not active): 1 of 2
            ("2024-01-01", 2, 2, 1, 30.0, 0.5),  # a 30: 1 of 2
            ("2024-02-01", 0, 2, 2, 140.0, 1.0),  # c 60 + d 80
            ("2024-02-01", 1, 2, 0, 0.0, 0.0),  # March: nobody paid → 0, not missing
        ],
        RETENTION_COLUMNS,
    )
    _assert_frame(result, expected, ["cohort", "k"])


def test_retention_by_cohort_revenue_matrix(backend):
    payments = backend.table(COHORT_PAYMENTS)
    result = backend.execute(
        retention_by_cohort(payments, grain="month", kind="revenue", data_end=dt.date(2024, 4, 1))
    )
    expected = _expected(
        [
            ("2024-01-01", 0, 2, 2, 300.0, 1.0),
            ("2024-01-01", 1, 2, 1, 10.0, 10.0 / 300.0),  # (50 − 40) ÷ 300
            ("2024-01-01", 2, 2, 1, 30.0, 0.1),  # 30 ÷ 300
            ("2024-02-01", 0, 2, 2, 140.0, 1.0),
            ("2024-02-01", 1, 2, 0, 0.0, 0.0),
        ],
        RETENTION_COLUMNS,
    )
    _assert_frame(result, expected, ["cohort", "k"])


def test_retention_by_cohort_iso_weeks(backend):
    # Weeks start Monday: Sun 2024-01-07 is in the week of Mon 01-01, Mon 01-08 starts the next.
    # data_end Mon 01-22: the last week is 01-15. x: weeks 01-01, 01-08. y: weeks 01-08, 01-15.
    payments = backend.table(
        pd.DataFrame.from_records(
            [
                ("x", "2024-01-07 22:00", 10.0, 1.0),
                ("x", "2024-01-08 00:00", 10.0, 1.0),
                ("y", "2024-01-09 12:00", 20.0, 2.0),
                ("y", "2024-01-21 23:59", 20.0, 2.0),
            ],
            columns=PAYMENT_COLUMNS,
        ).astype({"paid_at": "datetime64[us]"})
    )
    result = backend.execute(
        retention_by_cohort(payments, grain="week", kind="logo", data_end=dt.date(2024, 1, 22))
    )
    expected = _expected(
        [
            ("2024-01-01", 0, 1, 1, 10.0, 1.0),
            ("2024-01-01", 1, 1, 1, 10.0, 1.0),
            ("2024-01-01", 2, 1, 0, 0.0, 0.0),
            ("2024-01-08", 0, 1, 1, 20.0, 1.0),
            ("2024-01-08", 1, 1, 1, 20.0, 1.0),
        ],
        RETENTION_COLUMNS,
    )
    _assert_frame(result, expected, ["cohort", "k"])


def test_retention_by_cohort_data_end_mid_period(duck):
    # data_end 2024-03-10: March still starts before it (k=2 present), but a's 03-15 payment
    # is after the data's end, so March shows nobody active.
    payments = duck.table(COHORT_PAYMENTS)
    result = duck.execute(
        retention_by_cohort(payments, grain="month", kind="logo", data_end=dt.date(2024, 3, 10))
    )
    result = _sorted(result, ["cohort", "k"])
    assert list(zip(result.k, result.clients_count)) == [(0, 2), (1, 1), (2, 0), (0, 2), (1, 0)]


def test_retention_by_cohort_revenue_refunded_first_period_is_null(duck):
    # z pays 100 and refunds 150 in January: k=0 revenue −50 ≤ 0, so the cohort's rates are null.
    payments = duck.table(
        pd.DataFrame.from_records(
            [
                ("z", "2024-01-05", 100.0, 0.0),
                ("z", "2024-01-25", -150.0, 0.0),
                ("z", "2024-02-05", 70.0, 0.0),
            ],
            columns=PAYMENT_COLUMNS,
        ).astype({"paid_at": "datetime64[us]"})
    )
    result = duck.execute(
        retention_by_cohort(payments, grain="month", kind="revenue", data_end=dt.date(2024, 3, 1))
    )
    result = _sorted(result, ["k"])
    assert list(result.revenue_amount) == [-50.0, 70.0]
    assert result.rate.isna().all()


def test_retention_by_cohort_unknown_kind_raises():
    payments = ibis.table({"client_id": "string", "paid_at": "timestamp", "amount": "float64"})
    with pytest.raises(ValueError, match="kind"):
        retention_by_cohort(payments, grain="month", kind="clients", data_end=dt.date(2024, 1, 1))


# ------------------------------------------------------------------ NRR / GRR
# end 2024-03-01, month, length 1: base B = January, current C = February.
NRR_PAYMENTS = pd.DataFrame.from_records(
    [
        ("a", "2024-01-10", 100.0, 0.0),  # grows: B 100, C 120 → retained min(120, 100) = 100
        ("a", "2024-02-10", 120.0, 0.0),
        ("b", "2024-01-15", 200.0, 0.0),  # shrinks: B 200, C 50 → retained 50
        ("b", "2024-02-15", 50.0, 0.0),
        ("c", "2024-01-20", 50.0, 0.0),  # shrinks: B 50, C 10 → retained 10
        ("c", "2024-02-20", 10.0, 0.0),
        ("d", "2024-02-05", 80.0, 0.0),  # new in C: not in S
        ("e", "2024-01-05", 40.0, 0.0),  # base nets to 0: not in S
        ("e", "2024-01-25", -40.0, 0.0),
        ("e", "2024-02-25", 70.0, 0.0),
        ("f", "2023-12-10", 10.0, 0.0),  # before B
    ],
    columns=PAYMENT_COLUMNS,
).astype({"paid_at": "datetime64[us]"})
NRR_COLUMNS = [
    "base_clients_count",
    "base_revenue_amount",
    "current_revenue_amount",
    "retained_revenue_amount",
    "nrr",
    "grr",
]


def test_nrr_grr_company(backend):
    payments = backend.table(NRR_PAYMENTS)
    result = backend.execute(nrr_grr(payments, end=dt.date(2024, 3, 1), grain="month"))
    # S = {a, b, c}: base 100+200+50 = 350, current 120+50+10 = 180, retained 100+50+10 = 160
    expected = pd.DataFrame([(3, 350.0, 180.0, 160.0, 180 / 350, 160 / 350)], columns=NRR_COLUMNS)
    pd.testing.assert_frame_equal(result[NRR_COLUMNS], expected, check_dtype=False)


def test_nrr_grr_by_group(backend):
    payments = backend.table(NRR_PAYMENTS)
    groups = backend.table(
        pd.DataFrame(
            {"client_id": ["a", "b", "c", "d", "g"], "group": ["north", "north", "south", "south", "west"]}
        )
    )
    result = backend.execute(
        nrr_grr(payments, end=dt.date(2024, 3, 1), grain="month", client_groups=groups)
    )
    expected = pd.DataFrame(
        [
            ("north", 2, 300.0, 170.0, 150.0, 170 / 300, 150 / 300),  # a + b
            ("south", 1, 50.0, 10.0, 10.0, 0.2, 0.2),  # c (d is new)
            ("west", 0, 0.0, 0.0, 0.0, math.nan, math.nan),  # g never paid: empty base
        ],
        columns=["group", *NRR_COLUMNS],
    )
    _assert_frame(result, expected, ["group"])


def test_nrr_grr_refund_in_current_floors_grr(duck):
    # c's February is a refund of 30: NRR counts −30, GRR counts min(max(−30, 0), 50) = 0.
    frame = NRR_PAYMENTS.copy()
    frame.loc[frame.paid_at == pd.Timestamp("2024-02-20"), "amount"] = -30.0
    result = duck.execute(nrr_grr(duck.table(frame), end=dt.date(2024, 3, 1), grain="month"))
    # current 120 + 50 − 30 = 140, retained 100 + 50 + 0 = 150
    assert result.nrr[0] == pytest.approx(140 / 350)
    assert result.grr[0] == pytest.approx(150 / 350)


def test_nrr_grr_longer_window_and_empty_base(duck):
    payments = duck.table(NRR_PAYMENTS)
    # length 2: B = [2023-11-01, 2024-01-01) holds only f's 10; C = Jan–Feb has nothing of f.
    two = duck.execute(nrr_grr(payments, end=dt.date(2024, 3, 1), grain="month", length=2))
    assert list(two[NRR_COLUMNS].iloc[0]) == [1, 10.0, 0.0, 0.0, 0.0, 0.0]
    # B = [2023-01-01, 2023-02-01): no payments → one row, null rates
    empty = duck.execute(nrr_grr(payments, end=dt.date(2023, 3, 1), grain="month"))
    assert len(empty) == 1 and empty.base_clients_count[0] == 0
    assert empty.nrr.isna().all() and empty.grr.isna().all()
