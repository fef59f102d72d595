"""NPS: counts, score, 95 % interval, low-sample flag, by period / manager / segment."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics.nps import nps_by_period, nps_summary

# 10 responses; the last one (1 March) lies outside the [Jan 1, Mar 1) window.
RESPONSES = pd.DataFrame(
    {
        "response_id": [f"r{i}" for i in range(1, 11)],
        "answered_at": pd.to_datetime(
            [
                "2024-01-03", "2024-01-05", "2024-01-10", "2024-01-15", "2024-01-20",
                "2024-02-02", "2024-02-10", "2024-02-12", "2024-02-20", "2024-03-01",
            ]
        ),
        "client_id": ["c1", "c2", "c3", "c4", "c5", "c1", "c2", "c4", "c5", "c1"],
        "score": [10, 9, 8, 3, 6, 9, 7, 10, 0, 10],
        "manager": ["Anna", "Anna", "Anna", "Boris", "Boris", "Anna", "Anna", "Boris", "Boris", "Anna"],
    }
)
CLIENTS = pd.DataFrame(
    {"client_id": ["c1", "c2", "c3", "c4", "c5"], "segment": ["big", "big", "small", "small", "small"]}
)
JAN, MAR = dt.date(2024, 1, 1), dt.date(2024, 3, 1)


def test_nps_summary_counts_score_and_interval(backend):
    nps = backend.table(RESPONSES)
    row = backend.execute(nps_summary(nps, start=JAN, end=MAR)).iloc[0]
    # 9 responses in window: promoters 10,9,9,10 = 4; passives 8,7 = 2; detractors 3,6,0 = 3
    assert (row.responses_count, row.promoters_count, row.passives_count, row.detractors_count) == (
        9, 4, 2, 3,
    )
    assert row.nps == pytest.approx(100 * (4 - 3) / 9)  # 11.11
    # half-width 196·√((4/9 + 3/9 − (1/9)²) / 9) = 196·√(62/729) = 57.1595
    assert row.ci_low == pytest.approx(11.111111 - 57.159465)
    assert row.ci_high == pytest.approx(11.111111 + 57.159465)
    assert bool(row.is_low_sample) is True


def test_nps_by_period_months_clip_interval(backend):
    nps = backend.table(RESPONSES)
    out = backend.execute(nps_by_period(nps, grain="month", start=JAN, end=MAR))
    assert [p.date() if hasattr(p, "date") else p for p in out.period] == [JAN, dt.date(2024, 2, 1)]
    jan, feb = out.iloc[0], out.iloc[1]
    # January: 10,9,8,3,6 → p₊ = d = 2 of 5 → NPS 0; half-width 196·√(0.8/5) = 78.4
    assert (jan.responses_count, jan.nps) == (5, 0.0)
    assert (jan.ci_low, jan.ci_high) == (pytest.approx(-78.4), pytest.approx(78.4))
    # February: 9,7,10,0 → 2 promoters, 1 detractor of 4 → NPS 25;
    # half-width 196·√((0.75 − 0.0625)/4) = 81.257 → high 106.26 clipped to 100
    assert (feb.responses_count, feb.nps) == (4, 25.0)
    assert feb.ci_low == pytest.approx(25 - 81.257307)
    assert feb.ci_high == 100.0


def test_nps_summary_by_manager_clips_low_end(backend):
    nps = backend.table(RESPONSES)
    out = backend.execute(nps_summary(nps, start=JAN, end=MAR, by=("manager",)))
    out = out.set_index("manager")
    # Anna: 10,9,8,9,7 → 3 promoters, 0 detractors of 5 → 60; half 196·√((0.6 − 0.36)/5) = 42.94
    assert out.loc["Anna", "nps"] == pytest.approx(60.0)
    assert out.loc["Anna", "ci_low"] == pytest.approx(60 - 42.941449)
    assert out.loc["Anna", "ci_high"] == 100.0
    # Boris: 3,6,10,0 → 1 promoter, 3 detractors of 4 → −50; half 196·√((1 − 0.25)/4) = 84.87
    assert out.loc["Boris", "nps"] == pytest.approx(-50.0)
    assert out.loc["Boris", "ci_low"] == -100.0
    assert out.loc["Boris", "ci_high"] == pytest.approx(-50 + 84.870490)


def test_nps_summary_by_segment_from_joined_clients(duck):
    nps, clients = duck.table(RESPONSES), duck.table(CLIENTS)
    joined = nps.join(clients, "client_id")
    out = duck.execute(nps_summary(joined, start=JAN, end=MAR, by=("segment",))).set_index("segment")
    # big (c1, c2): 10,9,9,7 → 3 promoters of 4 → 75; small (c3,c4,c5): 8,3,6,10,0 → (1 − 3)/5 → −40
    assert out.loc["big", "nps"] == pytest.approx(75.0)
    assert out.loc["small", "nps"] == pytest.approx(-40.0)


def test_nps_summary_thirty_promoters_not_low_sample(duck):
    frame = pd.DataFrame(
        {
            "answered_at": pd.to_datetime(["2024-01-10"] * 30),
            "client_id": ["c1"] * 30,
            "score": [10] * 30,
        }
    )
    row = duck.execute(nps_summary(duck.table(frame))).iloc[0]
    # all promoters: NPS 100, variance 1 − 1 = 0 → interval [100, 100]; n = 30 is not low
    assert (row.nps, row.ci_low, row.ci_high) == (100.0, 100.0, 100.0)
    assert bool(row.is_low_sample) is False


def test_nps_summary_no_responses_gives_nulls(duck):
    nps = duck.table(RESPONSES)
    row = duck.execute(nps_summary(nps, start=dt.date(2030, 1, 1), end=dt.date(2030, 2, 1))).iloc[0]
    # an empty window: one row, 0 responses, score and interval unknown (not 0, not ±100)
    assert row.responses_count == 0
    assert pd.isna(row.nps) and pd.isna(row.ci_low) and pd.isna(row.ci_high)
