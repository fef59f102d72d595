"""warehouse/decisions.py: the meeting's decisions register round-trips and reopens next week."""

from __future__ import annotations

import datetime as dt

import pytest

from warehouse import decisions
from warehouse.connection import connect


@pytest.fixture
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


def test_week_of_and_week_start_are_iso_weeks():
    assert decisions.week_of(dt.date(2026, 11, 23)) == "2026-W48"
    assert decisions.week_of(dt.date(2026, 1, 1)) == "2026-W01"
    assert decisions.week_of(dt.date(2027, 1, 1)) == "2026-W53"  # 1 Jan 2027 is a Friday of 2026's week 53
    assert decisions.week_start("2026-W48") == dt.date(2026, 11, 23)
    with pytest.raises(ValueError):
        decisions.week_start("2026-48")


def test_decision_round_trip(con):
    decision_id = decisions.record(
        con, week="2026-W47", subject_kind="client", subject="C-0042", owner="Анна", body="Позвонить до пятницы",
        due_on=dt.date(2026, 11, 27), metric="revenue_amount", baseline_value=125000.0, created_by="boss")

    row = decisions.of_week(con, "2026-W47").iloc[0]
    assert decision_id == 1
    assert (row.week, row.subject_kind, row.subject, row.owner, row.body, row.metric, row.baseline_value,
            row.status, row.created_by) == ("2026-W47", "client", "C-0042", "Анна", "Позвонить до пятницы",
                                             "revenue_amount", 125000.0, "open", "boss")
    assert row.due_on.date() == dt.date(2026, 11, 27)
    assert decisions.of_week(con, "2026-W48").empty


def test_next_meeting_opens_with_open_and_recently_closed_decisions(con):
    first = decisions.record(con, week="2026-W46", subject_kind="metric", subject="nps", owner="Boris", body="a")
    done = decisions.record(con, week="2026-W47", subject_kind="manager", subject="Вера", owner="Boris", body="b")
    decisions.record(con, week="2026-W48", subject_kind="client", subject="C-1", owner="Anna", body="c")
    decisions.close(con, done, "done", closed_by="boss")

    check = decisions.to_check(con, "2026-W48")

    assert check["decision_id"].tolist() == [first, done]
    assert check["status"].tolist() == ["open", "done"]
    assert check["closed_by"].isna().tolist() == [True, False] and check["closed_by"].iloc[1] == "boss"


@pytest.mark.parametrize("changes, message", [
    ({"week": "W47"}, "not an ISO week"), ({"subject_kind": "team"}, "subject_kind"),
    ({"body": "  "}, "has no body"), ({"owner": ""}, "has no owner"),
])
def test_bad_decisions_are_refused_and_nothing_is_written(con, changes, message):
    values = {"week": "2026-W47", "subject_kind": "client", "subject": "C-1", "owner": "Anna", "body": "x"} | changes
    with pytest.raises(ValueError, match=message):
        decisions.record(con, **values)
    assert con.execute("SELECT count(*) FROM decisions").fetchall() == [(0,)]
