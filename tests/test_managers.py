"""Managers: book assignment, hours, growth index, balance type, scorecard, span of control."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics.managers import (
    client_manager,
    growth_index_by_manager,
    hours_by_manager,
    manager_balance_type,
    scorecard_by_manager,
    span_of_control,
)

N = None


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as None, so PySpark loads them as NULL (not NaN / "NaN")."""
    return frame.astype(object).where(frame.notna(), None)


JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)

# ------------------------------------------------------------------ book fixture
# Six clients: Anna a1, a2, a3 (a3 new in February), Boris b1, b2, b3 (b1 stops in February).
# January is the base window B, February the current window C.
PAYMENTS = _nullable(
    pd.DataFrame(
        {
            "payment_id": [f"p{i}" for i in range(1, 13)],
            "paid_at": pd.to_datetime(
                [
                    "2024-01-10", "2024-02-10", "2024-01-12", "2024-01-15", "2024-02-15",
                    "2024-01-20", "2024-02-20", "2024-01-25", "2024-02-25", "2024-02-05",
                    "2023-12-15", "2024-03-01",
                ]
            ),
            "client_id": ["a1", "a1", "b1", "a2", "a2", "b2", "b2", "b3", "b3", "a3", "a1", "b3"],
            "amount": [100.0, 150.0, 100.0, 200.0, 100.0, 200.0, 340.0, 400.0, 200.0, 120.0, 999.0, 500.0],
            "cost_amount": [N, 50.0, N, N, 40.0, N, 140.0, N, 100.0, 20.0, N, N],
        }
    )
)
CLIENTS = _nullable(
    pd.DataFrame(
        {
            "client_id": ["a1", "a2", "a3", "b1", "b2", "b3"],
            "client_name": ["A One", "A Two", "A Three", "B One", "B Two", "B Three"],
            "manager": ["Anna", "Anna", "Anna", "Boris", "Boris", "Boris"],
            "segment": ["big", "small", "small", "big", "big", "small"],
        }
    )
)
MANAGERS = _nullable(
    pd.DataFrame(
        {
            "manager": ["Anna", "Boris", "Vera"],
            "team": ["North", "North", "South"],
            "lead": ["Lena", "Lena", "Lena"],
            "weekly_hours": [40.0, 20.0, 30.0],
        }
    )
)
# February interactions: Anna logs 60 + 120 + 60 = 240 min; Boris logs no duration.
INTERACTIONS = _nullable(
    pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(
                ["2024-02-05", "2024-02-06", "2024-02-07", "2024-02-08", "2024-02-09", "2024-02-12"]
            ),
            "client_id": ["a1", "a2", "a3", "a1", "b2", "b3"],
            "manager": ["Anna", "Anna", "Anna", "Anna", N, "Boris"],
            "channel": ["call", "call", "email", "call", "chat", "call"],
            "direction": ["inbound"] * 6,
            "kind": ["request", "request", "complaint", "request", "request", "request"],
            "duration_min": [60.0, 120.0, 60.0, N, N, N],
            "first_response_min": [0.5, 1.5, 100.0, N, 3.0, 2.0],
            "resolution_min": [5.0, 5.0, N, N, N, N],
            "is_missed": [False, False, False, True, False, False],
            "is_resolved": [True, True, False, N, True, True],
        }
    )
)
NPS = _nullable(
    pd.DataFrame(
        {
            "answered_at": pd.to_datetime(["2024-02-11", "2024-02-12", "2024-02-13", "2024-02-14"]),
            "client_id": ["a1", "a2", "b1", "b2"],
            "score": [10, 9, 5, 8],
            "manager": ["Anna", "Anna", "Boris", N],
        }
    )
)


def _book(backend):
    return backend.tables(
        payments=PAYMENTS, clients=CLIENTS, managers=MANAGERS, interactions=INTERACTIONS, nps=NPS
    )


# ------------------------------------------------------------------ client_manager

@pytest.mark.parametrize("clients_unique", [False, True])  # one row per client below
def test_client_manager_falls_back_to_busiest_then_alphabetical(backend, clients_unique):
    clients = backend.table(
        _nullable(pd.DataFrame({"client_id": ["c1", "c2", "c3", "c4"], "manager": ["Anna", N, N, "Boris"]}))
    )
    contacts = backend.table(
        pd.DataFrame(
            {
                "occurred_at": pd.to_datetime(
                    ["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08", "2024-01-09",
                     "2023-12-01", "2023-12-02", "2024-01-10", "2024-01-11", "2024-01-12",
                     "2024-01-13"]
                ),
                "client_id": ["c2", "c2", "c2", "c3", "c3", "c3", "c3", "c4", "c4", "c4", "c5"],
                "manager": ["Boris", "Boris", "Anna", "Vera", "Anna", "Boris", "Boris", "Anna",
                            "Anna", "Anna", "Boris"],
            }
        )
    )
    out = backend.execute(client_manager(clients, contacts, start=JAN, end=FEB, clients_unique=clients_unique))
    # c1 listed; c2 Boris 2 vs Anna 1; c3 Vera 1 vs Anna 1 (December ignored) → Anna;
    # c4 listed Boris despite Anna's 3 contacts; c5 only in interactions → Boris
    assert dict(zip(out.client_id, out.manager)) == {
        "c1": "Anna", "c2": "Boris", "c3": "Anna", "c4": "Boris", "c5": "Boris",
    }


# ------------------------------------------------------------------ hours

def test_hours_by_manager_estimates_without_durations(backend):
    managers = backend.table(
        _nullable(pd.DataFrame({"manager": ["Anna", "Boris", "Vera", "Gleb"], "weekly_hours": [40.0, 20.0, 30.0, N]}))
    )
    contacts = backend.table(
        _nullable(pd.DataFrame(
            {
                "occurred_at": pd.to_datetime(
                    ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-20"]
                ),
                "client_id": ["c1"] * 6,
                "manager": ["Anna", "Anna", "Anna", "Boris", "Dmitry", "Anna"],
                "duration_min": [30.0, 90.0, N, N, 60.0, 600.0],
            }
        ))
    )
    out = backend.execute(
        hours_by_manager(contacts, managers, start=JAN, end=dt.date(2024, 1, 15))
    ).set_index("manager")
    # 14-day window = 2 weeks. Anna (30 + 90)/60 = 2 h (20 Jan outside); Dmitry 60/60 = 1 h;
    # Boris no duration → 20 × 2 = 40 h estimated; Vera 30 × 2 = 60 h estimated; Gleb unknown
    assert out.hours.to_dict() == pytest.approx(
        {"Anna": 2.0, "Boris": 40.0, "Vera": 60.0, "Dmitry": 1.0, "Gleb": float("nan")}, nan_ok=True
    )
    assert out.is_hours_estimated.astype(bool).to_dict() == {
        "Anna": False, "Boris": True, "Vera": True, "Dmitry": False, "Gleb": False,
    }


def test_estimated_hours_count_only_the_days_employed(backend):
    managers = backend.table(_nullable(pd.DataFrame({
        "manager": ["Anna", "Boris", "Vera", "Ivan", "Oleg"],
        "weekly_hours": [40.0, 20.0, 30.0, 35.0, 10.0],
        "hired_at": pd.to_datetime([N, "2024-01-08", N, "2024-02-01", "2023-05-01"]),
        "left_at": pd.to_datetime([N, N, "2024-01-07", N, "2024-01-10"]),
    })))
    contacts = backend.table(_nullable(pd.DataFrame({
        "occurred_at": pd.to_datetime(["2024-01-02", "2024-01-20"]), "client_id": ["c1", "c1"],
        "manager": ["Anna", "Anna"], "duration_min": [N, 600.0],
    })))
    out = backend.execute(
        hours_by_manager(contacts, managers, start=JAN, end=dt.date(2024, 1, 15))
    ).set_index("manager")
    # window 1–14 Jan. Anna: no duration logged in it (20 Jan is outside), no dates → 40 × 14/7 = 80 h; Boris hired 8 Jan → 8–14 Jan, 7 days
    # → 20 h; Vera left 7 Jan (her last day) → 1–7 Jan → 30 h; Oleg left 10 Jan → 1–10 Jan,
    # 10 days → 10 × 10/7 h; Ivan hired in February → not employed: no hours, not estimated
    assert out.hours.to_dict() == pytest.approx(
        {"Anna": 80.0, "Boris": 20.0, "Vera": 30.0, "Oleg": 100 / 7, "Ivan": float("nan")}, nan_ok=True
    )
    assert out.is_hours_estimated.astype(bool).to_dict() == {
        "Anna": True, "Boris": True, "Vera": True, "Oleg": True, "Ivan": False,
    }


# ------------------------------------------------------------------ growth index

def test_growth_index_by_manager_adjusts_for_tiers(backend):
    payments = backend.table(PAYMENTS)
    book = backend.table(CLIENTS[["client_id", "manager"]])
    out = backend.execute(growth_index_by_manager(payments, book, end=MAR, grain="month"))
    out = out.set_index("manager")
    # Base revenue 100 (a1), 100 (b1), 200 (a2), 200 (b2), 400 (b3): ranks 0,0,2,2,4 of 5 →
    # tiers q1 {a1, b1}, q3 {a2, b2}, q5 {b3}; a3 has no base → "new".
    # Tier NRR: q1 (150 + 0)/200 = 0.75; q3 (100 + 340)/400 = 1.1; q5 200/400 = 0.5.
    # Anna: current 150 + 100 + 120 = 370; expected 100·0.75 + 200·1.1 = 295 → 1.254237
    # Boris: current 0 + 340 + 200 = 540; expected 100·0.75 + 200·1.1 + 400·0.5 = 495 → 1.090909
    assert out.loc["Anna", "base_revenue_amount"] == pytest.approx(300.0)
    assert out.loc["Anna", "expected_revenue_amount"] == pytest.approx(295.0)
    assert out.loc["Anna", "growth_index"] == pytest.approx(370 / 295)
    assert out.loc["Boris", "current_revenue_amount"] == pytest.approx(540.0)
    assert out.loc["Boris", "expected_revenue_amount"] == pytest.approx(495.0)
    assert out.loc["Boris", "growth_index"] == pytest.approx(540 / 495)


# ------------------------------------------------------------------ balance quadrant

def test_manager_balance_type_four_quadrants(backend):
    scores = backend.table(
        _nullable(pd.DataFrame(
            {
                "manager": ["Ira", "Kim", "Lev", "Max", "Ned"],
                "nps": [60.0, 30.0, 10.0, 0.0, -50.0],
                "margin_per_hour": [90.0, 20.0, 80.0, 10.0, N],
            }
        ))
    )
    out = backend.execute(manager_balance_type(scores))
    # medians over the four with both values: NPS (10 + 30)/2 = 20, margin/h (20 + 80)/2 = 50
    # (with Ned's −50 the NPS median would be 10 and Lev would turn "ideal")
    types = {m: (None if pd.isna(t) else t) for m, t in zip(out.manager, out.manager_type)}
    assert types == {
        "Ira": "ideal", "Kim": "obsequious", "Lev": "squeezer", "Max": "indifferent", "Ned": None,
    }


def test_a_margin_equal_to_the_median_but_for_the_last_bits_counts_as_reaching_it(backend):
    """DuckDB may add a manager's margin in another order for the median than for the row (the
    same manager then flipped type between two runs): values are compared at 6 decimals."""
    scores = backend.table(
        _nullable(pd.DataFrame(
            {
                "manager": ["Ira", "Kim", "Lev", "Max"],
                "nps": [50.0, 40.0, 20.0, 10.0],
                "margin_per_hour": [150.0, 100.0 - 1e-11, 100.0, 50.0],
            }
        ))
    )
    out = backend.execute(manager_balance_type(scores))
    # margin/h median (100 + 100)/2 = 100 at 6 decimals (99.999999999995 unrounded, which Kim's
    # 99.99999999999 would miss); NPS median (40 + 20)/2 = 30
    assert dict(zip(out.manager, out.manager_type)) == {
        "Ira": "ideal", "Kim": "ideal", "Lev": "squeezer", "Max": "indifferent",
    }
    assert list(out.columns) == ["manager", "nps", "margin_per_hour", "manager_type"]


# ------------------------------------------------------------------ scorecard

def test_scorecard_by_manager_february(backend):
    t = _book(backend)
    out = backend.execute(
        scorecard_by_manager(
            t["payments"], t["clients"], t["managers"], t["interactions"], t["nps"],
            start=FEB, end=MAR, grain="month",
        )
    ).set_index("manager")
    assert list(out.index) == ["Anna", "Boris", "Vera"]
    anna, boris, vera = out.loc["Anna"], out.loc["Boris"], out.loc["Vera"]
    # Anna, February: a1 150, a2 100, a3 120 → 3 clients, 370; margin 100 + 60 + 100 = 260
    assert (anna.team, anna.clients_count, anna.revenue_amount, anna.margin_amount) == (
        "North", 3, 370.0, 260.0,
    )
    # 240 logged minutes = 4 h → 260 / 4 = 65 per hour
    assert (anna.hours, bool(anna.is_hours_estimated), anna.margin_per_hour) == (4.0, False, 65.0)
    # NPS: 10, 9 → 100 on 2 responses; a1 and a2 paid in January and February → retention 1
    assert (anna.nps, anna.nps_responses, anna.retention_rate) == (100.0, 2, 1.0)
    # NRR: (150 + 100)/(100 + 200); growth 370/295 (see the growth test)
    assert anna.nrr == pytest.approx(250 / 300)
    assert anna.growth_index == pytest.approx(370 / 295)
    # answered 0.5, 1.5, 100 → median 1.5; inbound calls 3, missed 1; 1 complaint of 4
    assert anna.first_response_median_min == pytest.approx(1.5)
    assert anna.missed_call_rate == pytest.approx(1 / 3)
    assert anna.complaints_per_100 == pytest.approx(25.0)
    # Boris: b2 340, b3 200 → 2 clients, 540; margin 200 + 100 = 300;
    # no durations → 20 h × 29/7 weeks = 82.857 h estimated → 300 / 82.857 = 3.6207
    assert (boris.clients_count, boris.revenue_amount, boris.margin_amount) == (2, 540.0, 300.0)
    assert boris.hours == pytest.approx(20 * 29 / 7)
    assert bool(boris.is_hours_estimated) is True
    assert boris.margin_per_hour == pytest.approx(300 / (20 * 29 / 7))
    # NPS: b1 5, b2 8 (manager from the book) → (0 − 1)/2 → −50; retention 2 of 3
    assert (boris.nps, boris.nps_responses) == (-50.0, 2)
    assert boris.retention_rate == pytest.approx(2 / 3)
    assert boris.nrr == pytest.approx(540 / 700)
    # chat 3 (book manager) and call 2 → median 2.5; 1 inbound call, none missed
    assert boris.first_response_median_min == pytest.approx(2.5)
    assert (boris.missed_call_rate, boris.complaints_per_100) == (0.0, 0.0)
    # medians over Anna and Boris: NPS 25, margin/h 34.3 → Anna ideal, Boris indifferent
    assert (anna.manager_type, boris.manager_type) == ("ideal", "indifferent")
    # Vera: no book; 30 h × 29/7 estimated hours, everything else empty
    assert (vera.team, vera.clients_count, vera.revenue_amount, vera.nps_responses) == (
        "South", 0, 0.0, 0,
    )
    assert vera.hours == pytest.approx(30 * 29 / 7)
    assert pd.isna(vera.margin_per_hour) and pd.isna(vera.nps) and pd.isna(vera.manager_type)


# ------------------------------------------------------------------ span of control

SPAN = _nullable(
    pd.DataFrame(
        {
            "manager": ["Anna", "Boris", "Vera", "Oleg", "m1", "m2", "m3", "m4", "m5", "Lena", "Pyotr"],
            "lead": ["Lena", "Lena", "Lena", "Lena", "Oleg", "Oleg", "Oleg", "Oleg", "Oleg", N, "Pyotr"],
        }
    )
)


def test_span_of_control_flags_outside_five_to_seven(backend):
    out = backend.execute(span_of_control(backend.table(SPAN)))
    # Lena: Anna, Boris, Vera, Oleg = 4 < 5 → flagged; Oleg: m1..m5 = 5 → fine; Pyotr self-lead ignored
    assert out.to_dict("list") == {
        "lead": ["Lena", "Oleg"], "reports_count": [4, 5], "is_flagged": [True, False],
    }


def test_span_of_control_custom_bounds(duck):
    out = duck.execute(span_of_control(duck.table(SPAN), low=1, high=4))
    # with [1, 4]: Lena 4 fine, Oleg 5 > 4 flagged
    assert dict(zip(out.lead, out.is_flagged)) == {"Lena": False, "Oleg": True}
