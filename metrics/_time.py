"""Periods and windows shared by every metric family (private).

Periods are calendar months or ISO weeks (Monday first), on the timestamps as exported.
Window boundaries are computed in Python (plain ``datetime.date``) and enter expressions
as literals, so the same expression compiles on DuckDB and on PySpark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

Grain = Literal["week", "month"]
GRAINS: tuple[str, ...] = ("week", "month")

# Monday 1970-01-05: week index 0. Used to turn a week start into a whole number.
_EPOCH_MONDAY = dt.date(1970, 1, 5)


def check_grain(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, got {grain!r}")
    return grain


# ---------------------------------------------------------------- python side

def period_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the period that contains ``day``."""
    check_grain(grain)
    if isinstance(day, dt.datetime):
        day = day.date()
    if grain == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=day.weekday())


def shift_period(start: dt.date, grain: str, n: int) -> dt.date:
    """The start of the period ``n`` periods after the one starting at ``start``."""
    start = period_start(start, grain)
    if grain == "week":
        return start + dt.timedelta(weeks=n)
    months = start.year * 12 + (start.month - 1) + n
    return dt.date(months // 12, months % 12 + 1, 1)


def period_number(day: dt.date, grain: str) -> int:
    """Whole-number index of the period containing ``day`` (consecutive periods differ by 1)."""
    start = period_start(day, grain)
    if grain == "month":
        return start.year * 12 + start.month - 1
    return (start - _EPOCH_MONDAY).days // 7


def periods_between(start: dt.date, end_exclusive: dt.date, grain: str) -> list[dt.date]:
    """Starts of every period that overlaps [start, end_exclusive)."""
    out: list[dt.date] = []
    cur = period_start(start, grain)
    while cur < end_exclusive:
        out.append(cur)
        cur = shift_period(cur, grain, 1)
    return out


@dataclass(frozen=True)
class Window:
    """A half-open date window [start, end)."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def comparison_windows(end_exclusive: dt.date, grain: str, length: int = 1) -> tuple[Window, Window]:
    """Base and current windows for NRR/GRR (design §4).

    Current C = [E−L, E), base B = [E−2L, E−L), L = ``length`` calendar periods of ``grain``.
    When E is not a period start, the windows are taken in days (L = 7 or 30.44·n days → whole
    days: weeks use 7·length days, months use the same day-of-month ``length`` months back).
    """
    check_grain(grain)
    if grain == "week":
        mid = end_exclusive - dt.timedelta(weeks=length)
        base = mid - dt.timedelta(weeks=length)
    else:
        mid = _add_months(end_exclusive, -length)
        base = _add_months(end_exclusive, -2 * length)
    return Window(base, mid), Window(mid, end_exclusive)


def _add_months(day: dt.date, n: int) -> dt.date:
    months = day.year * 12 + (day.month - 1) + n
    year, month = months // 12, months % 12 + 1
    # clamp the day to the month's length
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- ibis side

def period_expr(ts: ir.TimestampValue, grain: str) -> ir.DateValue:
    """Period start (a date) of a timestamp column: month → 1st, week → Monday."""
    check_grain(grain)
    unit = "M" if grain == "month" else "W"
    return ts.truncate(unit).cast("date")


def period_number_expr(ts: ir.TimestampValue, grain: str) -> ir.IntegerValue:
    """Whole-number index of the period containing ``ts`` (matches :func:`period_number`)."""
    check_grain(grain)
    if grain == "month":
        return (ts.year() * 12 + ts.month() - 1).cast("int64")
    day = period_expr(ts, "week")
    return (day.delta(ibis.literal(_EPOCH_MONDAY), unit="day") // 7).cast("int64")


def in_day_window(day: ir.DateValue, window: Window) -> ir.BooleanValue:
    """A date column (a derived table's ``day``) in the half-open window [start, end)."""
    return (day >= ibis.literal(window.start)) & (day < ibis.literal(window.end))


def in_window(ts: ir.TimestampValue, window: Window) -> ir.BooleanValue:
    """``ts`` in the half-open window [start, end)."""
    return (ts >= ibis.literal(dt.datetime.combine(window.start, dt.time()))) & (
        ts < ibis.literal(dt.datetime.combine(window.end, dt.time()))
    )


def ts_literal(day: dt.date) -> ir.TimestampScalar:
    return ibis.literal(dt.datetime.combine(day, dt.time()))


def client_revenue_in_windows(payments: ir.Table, base: Window, current: Window) -> ir.Table:
    """payments: one row per payment → one row per client with revenue in base or current.

    Columns: client_id, base_revenue_amount, current_revenue_amount (0.0 where none).
    Revenue is the sum of ``amount`` (refunds, negative amounts, included).
    """
    p = payments.filter(in_window(payments.paid_at, Window(base.start, current.end)))
    in_base = in_window(p.paid_at, base)
    in_current = in_window(p.paid_at, current)
    base_amount = ibis.ifelse(in_base, p.amount, 0.0)
    current_amount = ibis.ifelse(in_current, p.amount, 0.0)
    return p.group_by("client_id").aggregate(
        base_revenue_amount=base_amount.sum(),
        current_revenue_amount=current_amount.sum(),
    )


# ---------------------------------------------------------------- period grids

def last_period_number(end_exclusive: dt.date, grain: str) -> int:
    """Number of the last period that starts before ``end_exclusive``."""
    return period_number(end_exclusive - dt.timedelta(days=1), grain)


def numbered(count: int, name: str = "j") -> ir.Table:
    """One row per number 0 … count − 1, in column ``name``. Not a memtable: a memtable is named
    anew on every call, so a query holding one would be compiled again every time
    (warehouse/sqltemplates.py keeps compiled queries by their shape)."""
    return ibis.range(ibis.literal(0, "int64"), ibis.literal(count, "int64")).unnest().name(name).as_table()


def offsets_until(first_number: ir.IntegerValue, last_number: int) -> ir.IntegerColumn:
    """One row per k = 0 … ``last_number`` − ``first_number`` (use in ``mutate``; unnests).

    A row whose ``first_number`` is after ``last_number`` gets no rows at all. Built with
    ``ibis.range(...).unnest()``, which compiles on DuckDB and PySpark alike.
    """
    return ibis.range(0, ibis.literal(last_number) - first_number + 1).unnest()


def add_months(day: dt.date, n: int) -> dt.date:
    """The same day-of-month ``n`` months later (earlier when negative), clamped to the month."""
    return _add_months(day, n)


def last_full_periods(as_of: dt.date, grain: str, count: int = 2) -> list[Window]:
    """The ``count`` complete periods ending at or before ``as_of``, oldest first.

    A period is complete when it ends on or before ``as_of`` (as_of is a moment: its midnight).
    """
    end = period_start(as_of, grain)
    starts = [shift_period(end, grain, -n) for n in range(count, 0, -1)]
    return [Window(s, shift_period(s, grain, 1)) for s in starts]
