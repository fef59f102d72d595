"""Service speed: medians, p90, SLA per channel, missed calls, complaints, weekday × hour."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics.service import ServiceSettings, contacts_by_weekday_hour, service_speed, service_speed_levels

N = None


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as None, so PySpark loads them as NULL (not NaN / "NaN")."""
    return frame.astype(object).where(frame.notna(), None)


# 11 interactions; row 10 (1 February) is outside the January window.
INTERACTIONS = _nullable(
    pd.DataFrame(
        {
            "interaction_id": [f"i{i}" for i in range(1, 12)],
            "occurred_at": pd.to_datetime(
                [
                    "2024-01-08 09:15", "2024-01-08 09:40", "2024-01-09 14:00", "2024-01-10 10:00",
                    "2024-01-10 10:30", "2024-01-11 16:00", "2024-01-12 11:00", "2024-01-15 09:05",
                    "2024-01-16 12:00", "2024-02-01 09:00", "2024-01-20 13:00",
                ]
            ),
            "client_id": ["c1", "c1", "c2", "c3", "c3", "c2", "c4", "c1", "c2", "c1", "c4"],
            "manager": ["Anna", "Anna", "Anna", "Anna", "Boris", "Boris", "Boris", "Anna", "Anna", "Anna", "Anna"],
            "channel": ["call", "call", "call", "chat", "chat", "email", "email", "messenger", "call", "call", "meeting"],
            "direction": ["inbound"] * 8 + ["outbound", "inbound", "outbound"],
            "kind": ["request", "request", "complaint", "request", "request", "complaint", "request",
                     "request", "report", "request", "meeting"],
            "duration_min": [5.0, N, 8.0, N, N, N, N, N, 3.0, N, 60.0],
            "first_response_min": [0.5, N, 2.0, 4.0, 6.0, 200.0, 300.0, 10.0, N, N, N],
            "resolution_min": [10.0, N, 60.0, 30.0, 20.0, 600.0, N, 15.0, N, N, N],
            "is_missed": [False, True, False, False, False, False, False, False, False, True, False],
            "is_resolved": [True, N, False, True, True, True, N, True, N, N, N],
        }
    )
)
JAN, FEB = dt.date(2024, 1, 1), dt.date(2024, 2, 1)


def test_service_speed_company_in_window(backend):
    t = backend.table(INTERACTIONS)
    row = backend.execute(service_speed(t, start=JAN, end=FEB)).iloc[0]
    assert (row.interactions_count, row.answered_count) == (10, 7)
    # answered first responses: 0.5, 2, 4, 6, 10, 200, 300 → median 6;
    # p90 at position 0.9·6 = 5.4 → 200 + 0.4·(300 − 200) = 240
    assert row.first_response_median_min == pytest.approx(6.0)
    assert row.first_response_p90_min == pytest.approx(240.0)
    # resolutions 10, 15, 20, 30, 60, 600 → (20 + 30) / 2 = 25
    assert row.resolution_median_min == pytest.approx(25.0)
    # SLA hits: call 0.5 ≤ 1 ✓, 2 ✗; chat 4 ≤ 5 ✓, 6 ✗; email 200 ≤ 240 ✓, 300 ✗; messenger 10 ≤ 15 ✓
    assert row.sla_hit_rate == pytest.approx(4 / 7)
    # inbound calls: i1, i2, i3; missed: i2 → 1/3; complaints i3, i6 → 100·2/10 = 20
    assert (row.inbound_calls_count, row.missed_calls_count) == (3, 1)
    assert row.missed_call_rate == pytest.approx(1 / 3)
    assert (row.complaints_count, row.complaints_per_100) == (2, pytest.approx(20.0))


def test_service_speed_by_manager_null_rate_without_calls(backend):
    t = backend.table(INTERACTIONS)
    out = backend.execute(service_speed(t, start=JAN, end=FEB, by=("manager",))).set_index("manager")
    # Anna: i1..i4, i8, i9, i11 = 7; answered 0.5, 2, 4, 10 → median (2 + 4)/2 = 3
    assert out.loc["Anna", "interactions_count"] == 7
    assert out.loc["Anna", "first_response_median_min"] == pytest.approx(3.0)
    assert out.loc["Anna", "missed_call_rate"] == pytest.approx(1 / 3)
    assert out.loc["Anna", "complaints_per_100"] == pytest.approx(100 / 7)
    # Boris: i5, i6, i7 → answered 6, 200, 300 → median 200; no inbound call → null rate
    assert out.loc["Boris", "first_response_median_min"] == pytest.approx(200.0)
    assert pd.isna(out.loc["Boris", "missed_call_rate"])
    assert out.loc["Boris", "complaints_per_100"] == pytest.approx(100 / 3)


def test_service_speed_sla_override_keeps_other_defaults(duck):
    t = duck.table(INTERACTIONS)
    row = duck.execute(service_speed(t, start=JAN, end=FEB, sla_minutes={"call": 5})).iloc[0]
    # call SLA 5: i3 (2 min) now hits too → 5 of 7; chat/email/messenger keep their defaults
    assert row.sla_hit_rate == pytest.approx(5 / 7)
    assert ServiceSettings().minutes_by_channel()["email"] == 240.0
    assert hash(ServiceSettings({"call": 5})) == hash(ServiceSettings((("call", 5.0),)))


def test_contacts_by_weekday_hour_counts_cells(duck):
    t = duck.table(INTERACTIONS)
    out = duck.execute(contacts_by_weekday_hour(t, start=JAN, end=FEB))
    cells = {(r.weekday, r.hour): r.interactions_count for r in out.itertuples()}
    # Mon 8 Jan 09:15, 09:40 and Mon 15 Jan 09:05 → (1, 9): 3; Wed 10 Jan 10:00, 10:30 → (3, 10): 2
    assert cells == {(1, 9): 3, (2, 14): 1, (3, 10): 2, (4, 16): 1, (5, 11): 1, (2, 12): 1, (6, 13): 1}


def test_service_speed_sla_hit_rate_by_manager_zero_not_missing(backend):
    t = backend.table(INTERACTIONS)
    out = backend.execute(service_speed(t, start=JAN, end=FEB, by=("manager",), sla_minutes={"email": 100})
                          ).set_index("manager")
    # Anna answered: call 0.5 ≤ 1 ✓, call 2 ✗, chat 4 ≤ 5 ✓, messenger 10 ≤ 15 ✓ → 3 of 4
    assert out.loc["Anna", "sla_hit_rate"] == pytest.approx(3 / 4)
    # Boris answered: chat 6 ✗, email 200 and 300 over the 100 of the override ✗ → 0 of 3: a rate of 0
    assert out.loc["Boris", "sla_hit_rate"] == 0.0


def test_service_speed_levels_company_channels_and_managers_in_one_query(backend):
    """Level 0 is the company's row, level 1 one row per channel, level 2 one per manager; a
    contact without a manager (i12, answered in 1 min) counts for the company and its channel,
    in no manager's row — as service_speed over the rows with a manager gives it."""
    extra = pd.DataFrame({
        "interaction_id": ["i12"], "occurred_at": pd.to_datetime(["2024-01-22 10:00"]), "client_id": ["c5"],
        "manager": [N], "channel": ["chat"], "direction": ["inbound"], "kind": ["request"], "duration_min": [N],
        "first_response_min": [1.0], "resolution_min": [N], "is_missed": [False], "is_resolved": [N],
    })
    t = backend.table(_nullable(pd.concat([INTERACTIONS, extra], ignore_index=True)))
    out = backend.execute(service_speed_levels(t, start=JAN, end=FEB, levels=[None, "channel", "manager"]))
    assert list(out.level) == [0, 1, 1, 1, 1, 1, 2, 2]
    company = out[out.level == 0].iloc[0]
    # the 11 of January plus i12: answered 0.5, 1, 2, 4, 6, 10, 200, 300 → median (4 + 6)/2 = 5
    assert (company.interactions_count, company.answered_count) == (11, 8)
    assert company.first_response_median_min == pytest.approx(5.0)
    assert pd.isna(company.channel) and pd.isna(company.manager)
    channels = out[out.level == 1].set_index("channel")
    assert list(channels.index) == ["call", "chat", "email", "meeting", "messenger"]
    # chat: i4 (4 min), i5 (6 min), i12 (1 min) → median 4; SLA 5 min: 4 ✓, 1 ✓, 6 ✗
    assert channels.loc["chat", "first_response_median_min"] == pytest.approx(4.0)
    assert channels.loc["chat", "sla_hit_rate"] == pytest.approx(2 / 3)
    assert channels["manager"].isna().all()
    managers = out[out.level == 2].set_index("manager")
    assert list(managers.index) == ["Anna", "Boris"]
    # as without i12 (see test_service_speed_by_manager_null_rate_without_calls)
    assert managers.loc["Anna", "interactions_count"] == 7
    assert managers.loc["Anna", "first_response_median_min"] == pytest.approx(3.0)
    assert managers.loc["Boris", "first_response_median_min"] == pytest.approx(200.0)
    assert pd.isna(managers.loc["Boris", "missed_call_rate"])


def test_service_headline_gives_service_speeds_headline_figures(backend):
    from metrics.service import SERVICE_KPI_COLUMNS, service_headline

    t = backend.table(INTERACTIONS)
    for by in ((), ("manager",)):
        headline = backend.execute(service_headline(t, start=JAN, end=FEB, by=by).order_by(list(by) or "interactions_count"))
        speed = backend.execute(service_speed(t, start=JAN, end=FEB, by=by).order_by(list(by) or "interactions_count"))
        pd.testing.assert_frame_equal(headline, speed[[*by, *SERVICE_KPI_COLUMNS]], check_dtype=False)
    # by hand (see above): Anna's median 3, 1 of 3 inbound calls missed; Boris's median 200, no call
    rows = backend.execute(service_headline(t, start=JAN, end=FEB, by=("manager",))).set_index("manager")
    assert rows.loc["Anna", "first_response_median_min"] == pytest.approx(3.0)
    assert (rows.loc["Anna", "missed_calls_count"], rows.loc["Anna", "inbound_calls_count"]) == (1, 3)
    assert rows.loc["Boris", "first_response_median_min"] == pytest.approx(200.0)
    assert pd.isna(rows.loc["Boris", "missed_call_rate"])


def test_service_kpis_median_leaves_out_a_missed_call_with_a_response_time(backend):
    """A missed inbound call that still carries a response time (some phone systems log the
    ring time) is not answered: the window's and each week's median skip it, the counts keep it.
    The daily table is the rows counted per (day, channel, direction, kind), as derived.py does."""
    from metrics.service import service_kpis

    missed = pd.DataFrame({
        "interaction_id": ["i12"], "occurred_at": pd.to_datetime(["2024-01-18 10:00"]), "client_id": ["c2"],
        "manager": ["Anna"], "channel": ["call"], "direction": ["inbound"], "kind": ["request"],
        "duration_min": [N], "first_response_min": [0.1], "resolution_min": [N], "is_missed": [True],
        "is_resolved": [N],
    })
    rows = pd.concat([INTERACTIONS, _nullable(missed)], ignore_index=True)
    daily = (rows.assign(day=pd.to_datetime(rows.occurred_at).dt.normalize(),
                         is_missed=rows.is_missed.astype(bool))
             .groupby(["day", "channel", "direction", "kind"], as_index=False)
             .agg(interactions_count=("interaction_id", "size"), missed_count=("is_missed", "sum")))
    t, days = backend.table(_nullable(rows)), backend.table(daily)
    row = backend.execute(service_kpis(t, days, start=JAN, end=FEB)).iloc[0]
    # answered in January: 0.5, 2, 4, 6, 10, 200, 300 → 6 (with the missed 0.1 it would be 5)
    assert row.first_response_median_min == pytest.approx(6.0)
    # inbound calls i1, i2, i3, i12; missed i2, i12; complaints i3, i6 of 11 January contacts
    assert (row.interactions_count, row.inbound_calls_count, row.missed_calls_count) == (11, 4, 2)
    assert row.complaints_per_100 == pytest.approx(200 / 11)
    weeks = backend.execute(service_kpis(t, days, start=JAN, end=FEB, grain="week")).set_index("period")
    # week of 8 Jan: 0.5, 2, 4, 6, 200, 300 → 5; week of 15 Jan: 10 alone (not (0.1 + 10) / 2)
    assert weeks.first_response_median_min.tolist() == pytest.approx([5.0, 10.0])
    assert weeks.interactions_count.tolist() == [7, 4]
