"""Property tests (DuckDB): NPS against an oracle, per-manager sums, span of control."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.managers import scorecard_by_manager, span_of_control
from metrics.nps import nps_summary

FIXTURE_OK = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _nps_oracle(scores: list[int]) -> tuple[float, float, float]:
    n = len(scores)
    promoters = sum(1 for s in scores if s >= 9) / n
    detractors = sum(1 for s in scores if s <= 6) / n
    score = 100 * (promoters - detractors)
    half = 196 * math.sqrt(max(promoters + detractors - (promoters - detractors) ** 2, 0) / n)
    return score, max(score - half, -100.0), min(score + half, 100.0)


@FIXTURE_OK
@given(scores=st.lists(st.integers(0, 10), min_size=1, max_size=60))
def test_nps_summary_matches_oracle(duck, scores):
    frame = pd.DataFrame(
        {
            "answered_at": pd.to_datetime(["2024-01-15"] * len(scores)),
            "client_id": [f"c{i % 7}" for i in range(len(scores))],
            "score": scores,
        }
    )
    row = duck.execute(nps_summary(duck.table(frame))).iloc[0]
    score, low, high = _nps_oracle(scores)
    assert -100.0 <= row.nps <= 100.0
    assert (row.nps, row.ci_low, row.ci_high) == (
        pytest.approx(score), pytest.approx(low), pytest.approx(high),
    )
    assert bool(row.is_low_sample) is (len(scores) < 30)


CLIENT_IDS = [f"c{i}" for i in range(6)]
MANAGER_NAMES = ["Anna", "Boris", "Vera"]
payment_rows = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 75), st.integers(-50, 500)), min_size=1, max_size=15
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=payment_rows, owners=st.lists(st.sampled_from(MANAGER_NAMES), min_size=6, max_size=6))
def test_scorecard_by_manager_sums_equal_totals(duck, rows, owners):
    start, end = dt.date(2024, 1, 1), dt.date(2024, 3, 1)
    paid_at = [pd.Timestamp(2024, 1, 1) + pd.Timedelta(days=day) for _, day, _ in rows]
    payments = pd.DataFrame(
        {
            "paid_at": paid_at,
            "client_id": [CLIENT_IDS[c] for c, _, _ in rows],
            "amount": [float(a) for _, _, a in rows],
            "cost_amount": [float(a) / 2 for _, _, a in rows],
        }
    )
    clients = pd.DataFrame({"client_id": CLIENT_IDS, "manager": owners})
    managers = pd.DataFrame(
        {"manager": MANAGER_NAMES, "team": ["T"] * 3, "weekly_hours": [40.0] * 3}
    )
    interactions = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(["2023-06-01"]),
            "client_id": ["c0"],
            "manager": ["Anna"],
            "channel": ["call"],
            "direction": ["inbound"],
            "kind": ["request"],
            "duration_min": [1.0],
            "first_response_min": [1.0],
            "resolution_min": [1.0],
            "is_missed": [False],
            "is_resolved": [True],
        }
    )
    nps = pd.DataFrame(
        {"answered_at": pd.to_datetime(["2023-06-01"]), "client_id": ["c0"], "score": [9], "manager": ["Anna"]}
    )
    t = duck.tables(
        payments=payments, clients=clients, managers=managers, interactions=interactions, nps=nps
    )
    card = duck.execute(
        scorecard_by_manager(
            t["payments"], t["clients"], t["managers"], t["interactions"], t["nps"],
            start=start, end=end, grain="month",
        )
    )
    in_window = [(c, a) for (c, day, a) in rows if day < (end - start).days]
    assert card.revenue_amount.sum() == pytest.approx(sum(a for _, a in in_window))
    assert card.clients_count.sum() == len({c for c, a in in_window if a > 0})
    assert sorted(card.manager) == MANAGER_NAMES


leads = st.sampled_from([None, "Lena", "Oleg", "m0", "self"])


@FIXTURE_OK
@given(choices=st.lists(leads, min_size=1, max_size=12))
def test_span_of_control_counts_sum_to_led_managers(duck, choices):
    names = [f"m{i}" for i in range(len(choices))]
    lead_of = [name if lead == "self" else lead for name, lead in zip(names, choices)]
    frame = pd.DataFrame({"manager": names, "lead": pd.Series(lead_of, dtype="str")})
    out = duck.execute(span_of_control(duck.table(frame)))
    oracle = Counter(lead for name, lead in zip(names, lead_of) if lead is not None and lead != name)
    assert dict(zip(out.lead, out.reports_count)) == dict(oracle)
    assert out.reports_count.sum() == sum(oracle.values())
    assert list(out.is_flagged) == [not 5 <= oracle[lead] <= 7 for lead in out.lead]
