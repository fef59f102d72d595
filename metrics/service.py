"""Service speed: response and resolution times, SLA, missed calls, complaints (design §4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from metrics._time import Window, in_window

SERVICE_COLUMNS = (
    "interactions_count",
    "answered_count",
    "first_response_median_min",
    "first_response_p90_min",
    "resolution_median_min",
    "sla_hit_rate",
    "inbound_calls_count",
    "missed_calls_count",
    "missed_call_rate",
    "complaints_count",
    "complaints_per_100",
)


_DEFAULT_SLA_MINUTES = (
    ("call", 1.0), ("chat", 5.0), ("messenger", 15.0), ("email", 240.0), ("other", 480.0),
)  # fmt: skip


@dataclass(frozen=True)
class ServiceSettings:
    """First-response SLA in minutes per channel; a channel not listed uses ``other``.

    ``sla_minutes`` may be given as a mapping channel → minutes; it is stored as sorted pairs so
    the settings stay hashable and picklable (usable as a cache key).
    """

    sla_minutes: tuple[tuple[str, float], ...] = _DEFAULT_SLA_MINUTES

    def __post_init__(self):
        pairs = self.sla_minutes.items() if isinstance(self.sla_minutes, Mapping) else self.sla_minutes
        object.__setattr__(self, "sla_minutes", tuple(sorted((str(c), float(m)) for c, m in pairs)))

    def minutes_by_channel(self) -> dict[str, float]:
        """channel → minutes, with ``other`` always present."""
        return {"other": dict(_DEFAULT_SLA_MINUTES)["other"], **dict(self.sla_minutes)}

    def with_overrides(self, sla_minutes: Mapping[str, float] | None) -> ServiceSettings:
        return ServiceSettings({**dict(self.sla_minutes), **(sla_minutes or {})})


def _share(part: ir.NumericValue, whole: ir.NumericValue) -> ir.FloatingValue:
    """part ÷ whole, null where whole is 0 (never a division error, also under ANSI SQL)."""
    return part.cast("float64") / whole.cast("float64").nullif(0.0)


def service_speed(
    interactions: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    by: Sequence[str] = (),
    sla_minutes: Mapping[str, float] | None = None,
) -> ir.Table:
    """interactions: one row per interaction → one row per ``by`` group (one row when empty).

    - answered = first_response_min present and not missed; first-response median and p90 are
      over answered interactions, the resolution median over those with resolution_min;
    - sla_hit_rate = answered with first_response_min ≤ the SLA of its channel ÷ answered
      (``sla_minutes`` overrides :class:`ServiceSettings` defaults per channel);
    - missed_call_rate = missed inbound calls ÷ inbound calls;
    - complaints_per_100 = 100 · complaints ÷ interactions.
    Rates with a zero denominator are null.
    """
    settings = ServiceSettings().with_overrides(sla_minutes)
    t = interactions.filter(in_window(interactions.occurred_at, Window(start, end)))
    is_missed = t.is_missed.fill_null(False)
    is_answered = t.first_response_min.notnull() & ~is_missed
    minutes = settings.minutes_by_channel()
    sla = t.channel.substitute(minutes, else_=minutes["other"])
    is_sla_hit = is_answered & (t.first_response_min <= sla)
    is_inbound_call = (t.channel == "call") & (t.direction == "inbound")
    is_complaint = t.kind == "complaint"
    # quantiles take the filter as a null mask: PySpark rejects ibis's ``where=`` on percentile
    answered_response = ibis.ifelse(is_answered, t.first_response_min, ibis.null("float64"))
    measures = dict(
        interactions_count=t.count(),
        answered_count=t.count(where=is_answered),
        first_response_median_min=answered_response.median(),
        first_response_p90_min=answered_response.quantile(0.9),
        resolution_median_min=t.resolution_min.median(),
        sla_hits_count=t.count(where=is_sla_hit),
        inbound_calls_count=t.count(where=is_inbound_call),
        missed_calls_count=t.count(where=is_inbound_call & is_missed),
        complaints_count=t.count(where=is_complaint),
    )
    agg = t.group_by(list(by)).aggregate(**measures) if by else t.aggregate(**measures)
    return agg.mutate(
        sla_hit_rate=_share(agg.sla_hits_count, agg.answered_count),
        missed_call_rate=_share(agg.missed_calls_count, agg.inbound_calls_count),
        complaints_per_100=100.0 * _share(agg.complaints_count, agg.interactions_count),
    ).select(*by, *SERVICE_COLUMNS)


def contacts_by_weekday_hour(interactions: ir.Table, *, start: dt.date, end: dt.date) -> ir.Table:
    """interactions: one row per interaction → one row per (weekday 1=Mon..7, hour 0..23)
    with interactions_count; empty cells are absent."""
    t = interactions.filter(in_window(interactions.occurred_at, Window(start, end)))
    t = t.mutate(
        weekday=(t.occurred_at.day_of_week.index() + 1).cast("int64"),
        hour=t.occurred_at.hour().cast("int64"),
    )
    return t.group_by(["weekday", "hour"]).aggregate(interactions_count=t.count()).order_by(
        ["weekday", "hour"]
    )
