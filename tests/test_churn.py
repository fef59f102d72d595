"""client_churn_dates and churn_by_period on hand-counted clients (DuckDB and PySpark)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from metrics.churn import churn_by_period, client_churn_dates, churn_of_last_period

PAYMENT_COLUMNS = ["client_id", "paid_at", "amount", "cost_amount"]


def _payments(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=PAYMENT_COLUMNS)
    return frame.astype({"paid_at": "datetime64[us]"})


def _clients(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=["client_id", "churned_at"])
    return frame.astype({"churned_at": "datetime64[us]"})


# as_of 2024-06-01, 90 days: the activity window is [2024-03-03, 2024-06-01).
DATES_PAYMENTS = _payments(
    [
        ("a", "2024-01-15", 100.0, 0.0),  # recorded churned_at 05-10 wins
        ("b", "2024-05-20", 100.0, 0.0),  # active
        ("c", "2024-02-01", 100.0, 0.0),  # last positive 02-01 (+90 = 05-01) …
        ("c", "2024-04-01", -20.0, 0.0),  # … a refund is not activity
        ("d", "2024-01-05", 100.0, 0.0),  # inactive, but recorded churned_at is after as_of
        ("f", "2024-03-03", 100.0, 0.0),  # single payment on the window's first day: active
        ("g", "2024-03-02", 100.0, 0.0),  # one day earlier: 03-02 + 90 = 05-31 < 06-01
    ]
)
DATES_CLIENTS = _clients(
    [
        ("a", "2024-05-10"),
        ("b", None),
        ("c", None),
        ("d", "2024-07-01"),
        ("e", None),  # never paid: never churned
    ]
)


def test_client_churn_dates_recorded_and_inferred(backend):
    payments, clients = backend.table(DATES_PAYMENTS), backend.table(DATES_CLIENTS)
    result = backend.execute(client_churn_dates(payments, clients, as_of=dt.date(2024, 6, 1)))
    result = result.sort_values("client_id").reset_index(drop=True)
    assert list(result.client_id) == ["a", "b", "c", "d", "e", "f", "g"]
    churn_at = [None if pd.isna(t) else pd.Timestamp(t).strftime("%Y-%m-%d") for t in result.churn_at]
    assert churn_at == ["2024-05-10", None, "2024-05-01", None, None, None, "2024-05-31"]
    assert list(result.is_inferred) == [False, False, True, False, False, False, True]


def test_client_churn_dates_recorded_on_as_of_is_not_yet_churned(duck):
    # as_of is exclusive like every end: churned_at at 00:00 of as_of counts from that day on.
    payments = duck.table(_payments([("a", "2024-05-01", 10.0, 0.0)]))
    clients = duck.table(_clients([("a", "2024-06-01")]))
    before = duck.execute(client_churn_dates(payments, clients, as_of=dt.date(2024, 6, 1)))
    after = duck.execute(client_churn_dates(payments, clients, as_of=dt.date(2024, 6, 2)))
    assert before.churn_at.isna().all()
    assert list(after.churn_at) == [pd.Timestamp("2024-06-01")]


# churn_by_period: months Jan–Mar 2024, churn_after_days 30.
PERIOD_PAYMENTS = _payments(
    [
        ("a", "2023-12-10", 10.0, 0.0),  # pays monthly: never churns
        ("a", "2024-01-10", 10.0, 0.0),
        ("a", "2024-02-10", 10.0, 0.0),
        ("a", "2024-03-10", 10.0, 0.0),
        ("b", "2023-12-20", 10.0, 0.0),  # churn 12-20 + 30 = 01-19 (January)
        ("c", "2023-12-05", 10.0, 0.0),  # recorded churned_at 02-01 00:00 (February), not 01-04
        ("d", "2024-01-15", 10.0, 0.0),  # new in January; churn 01-15 + 30 = 02-14 (February)
        ("e", "2023-11-01", 10.0, 0.0),  # churned 12-01 (before January) …
        ("e", "2024-02-20", 10.0, 0.0),  # … back in February; churn 02-20 + 30 = 03-21 (March)
        ("f", "2024-01-05", -50.0, 0.0),  # refund only: never active
    ]
)
PERIOD_CLIENTS = _clients([("a", None), ("b", None), ("c", "2024-02-01"), ("f", None)])


@pytest.mark.parametrize("bounds_for_flags", [10**6, 0], ids=["flags", "spans"])  # both exact forms
def test_churn_by_period_months(backend, monkeypatch, bounds_for_flags):
    from metrics import churn

    monkeypatch.setattr(churn, "FLAGS_UP_TO_BOUNDS", bounds_for_flags)
    payments, clients = backend.table(PERIOD_PAYMENTS), backend.table(PERIOD_CLIENTS)
    result = backend.execute(
        churn_by_period(
            payments,
            clients,
            grain="month",
            start=dt.date(2024, 1, 1),
            end=dt.date(2024, 4, 1),
            churn_after_days=30,
        )
    )
    result = result.sort_values("period").reset_index(drop=True)
    assert [pd.Timestamp(p).date() for p in result.period] == [
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
    ]
    # Jan: base a, b, c (d is new, e churned) → b churns: 1/3
    # Feb: base a, c, d (b churned) → c, d churn: 2/3
    # Mar: base a, e (e was churned at Feb's start, active again before Mar) → e churns: 1/2
    assert list(result.base_clients_count) == [3, 3, 2]
    assert list(result.churned_count) == [1, 2, 1]
    assert list(result.churn_rate) == pytest.approx([1 / 3, 2 / 3, 1 / 2])


def test_churn_by_period_partial_start_and_empty_base(duck):
    payments, clients = duck.table(PERIOD_PAYMENTS), duck.table(PERIOD_CLIENTS)
    # start mid-week: the whole ISO week of Mon 2023-10-30 is the only period; nobody paid before.
    result = duck.execute(
        churn_by_period(
            payments, clients, grain="week", start=dt.date(2023, 11, 1), end=dt.date(2023, 11, 2)
        )
    )
    assert [pd.Timestamp(p).date() for p in result.period] == [dt.date(2023, 10, 30)]
    assert (result.base_clients_count[0], result.churned_count[0]) == (0, 0)
    assert math.isnan(result.churn_rate[0])


def test_churn_by_period_empty_range_raises(duck):
    payments, clients = duck.table(PERIOD_PAYMENTS), duck.table(PERIOD_CLIENTS)
    with pytest.raises(ValueError, match="start < end"):
        churn_by_period(payments, clients, grain="month", start=dt.date(2024, 2, 1), end=dt.date(2024, 2, 1))


def test_churn_of_last_period_is_the_last_row_of_churn_by_period(duck):
    payments, clients = duck.table(PERIOD_PAYMENTS), duck.table(PERIOD_CLIENTS)
    window = dict(grain="month", start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 20), churn_after_days=30)
    last = duck.execute(churn_of_last_period(payments, clients, **window))
    # March (a partial month of the window, taken whole): base a, e → e churns (03-21): 1/2
    assert [pd.Timestamp(p).date() for p in last.period] == [dt.date(2024, 3, 1)]
    assert (int(last.base_clients_count[0]), int(last.churned_count[0])) == (2, 1)


def test_recorded_churn_keeps_only_clients_with_a_date_and_their_earliest(backend):
    from metrics.churn import recorded_churn

    clients = backend.table(_clients([
        ("a", "2024-05-10"),
        ("a", "2024-03-01"),  # the same client listed twice: the earlier date wins
        ("b", None),          # no recorded churn: absent
        ("c", None),
        ("c", "2024-07-01"),  # one of two rows has a date
        ("d", None),
    ]))
    result = backend.execute(recorded_churn(clients)).sort_values("client_id").reset_index(drop=True)
    assert list(result.client_id) == ["a", "c"]
    assert [pd.Timestamp(t).strftime("%Y-%m-%d") for t in result.churned_at] == ["2024-03-01", "2024-07-01"]
