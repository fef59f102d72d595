"""The decisions register of the weekly meeting: record, list, close.

A decision belongs to the meeting's ISO week (``2026-W47``) and to a subject — a client, a
manager or a metric — and may name the registry metric that tells whether it worked, with that
metric's value when it was decided (``baseline_value``). The next meeting lists the decisions of
the weeks before that are still open (and those closed since), to check them.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

SUBJECT_KINDS = ("client", "manager", "metric")
STATUSES = ("open", "done", "dropped")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
COLUMNS = ("decision_id", "week", "subject_kind", "subject", "metric", "baseline_value", "owner", "due_on", "body",
           "status", "created_by", "created_at", "closed_by", "closed_at")


def week_of(day: dt.date) -> str:
    """The ISO week of a day: 2026-11-23 → '2026-W48'."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> dt.date:
    """'2026-W48' → its Monday (ValueError for anything else)."""
    match = _WEEK.fullmatch(week or "")
    if not match:
        raise ValueError(f"not an ISO week: {week!r} (expected e.g. 2026-W47)")
    return dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def record(con, *, week: str, subject_kind: str, subject: str, owner: str, body: str, due_on: dt.date | None = None,
           metric: str | None = None, baseline_value: float | None = None, created_by: str | None = None) -> int:
    """Store one decision; returns its id. Empty text, owner or subject, an unknown kind or a
    malformed week are refused (ValueError) before anything is written."""
    week_start(week)
    if subject_kind not in SUBJECT_KINDS:
        raise ValueError(f"subject_kind must be one of {', '.join(SUBJECT_KINDS)}")
    for name, value in (("subject", subject), ("owner", owner), ("body", body)):
        if not str(value or "").strip():
            raise ValueError(f"the decision has no {name}")
    (decision_id,), = con.execute(
        "INSERT INTO decisions (week, subject_kind, subject, metric, baseline_value, owner, due_on, body, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING decision_id",
        [week, subject_kind, subject.strip(), metric, baseline_value, owner.strip(), due_on, body.strip(), created_by,
         _now()]).fetchall()
    return int(decision_id)


def close(con, decision_id: int, status: str, *, closed_by: str | None = None) -> None:
    """Mark a decision done or dropped (or open again)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    closed = status != "open"
    con.execute("UPDATE decisions SET status = ?, closed_by = ?, closed_at = ? WHERE decision_id = ?",
                [status, closed_by if closed else None, _now() if closed else None, decision_id])


def of_week(con, week: str) -> pd.DataFrame:
    """decisions: one row per decision → those taken in ``week``, oldest first."""
    return con.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions WHERE week = ? ORDER BY decision_id",
                       [week]).df()


def to_check(con, week: str) -> pd.DataFrame:
    """What the meeting of ``week`` opens with: decisions of earlier weeks still open, and those
    closed since the previous meeting's week began; oldest first."""
    since = week_start(week) - dt.timedelta(days=7)
    return con.execute(
        f"SELECT {', '.join(COLUMNS)} FROM decisions "
        "WHERE week < ? AND (status = 'open' OR closed_at >= ?) ORDER BY week, decision_id",
        [week, since]).df()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
