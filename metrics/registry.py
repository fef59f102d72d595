"""The metric registry: every metric declared once (labels live in the i18n catalogues).

Label and description: ``metric.<name>.label`` / ``metric.<name>.description`` in
``i18n/catalog/<lang>/metrics.json`` (an area's own metrics: its ``<area>.json``, e.g. meeting).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["money", "count", "rate", "score", "minutes", "hours", "ratio", "money_per_hour"]
UNITS: tuple[str, ...] = (
    "money", "count", "rate", "score", "minutes", "hours", "ratio", "money_per_hour",
)  # fmt: skip


@dataclass(frozen=True)
class Metric:
    """One metric: ``fmt`` is a str.format spec for plain display; ``higher_is_better`` is
    None where neither direction is good (size, spread)."""

    name: str
    unit: Unit
    fmt: str
    higher_is_better: bool | None
    family: str

    @property
    def label_key(self) -> str:
        return f"metric.{self.name}.label"

    @property
    def description_key(self) -> str:
        return f"metric.{self.name}.description"


_MONEY, _COUNT, _RATE, _SCORE = "{:,.0f}", "{:,.0f}", "{:.1%}", "{:+.0f}"
_MINUTES, _DECIMAL = "{:,.1f}", "{:.2f}"

METRICS: tuple[Metric, ...] = (
    Metric("revenue_amount", "money", _MONEY, True, "revenue"),
    Metric("margin_amount", "money", _MONEY, True, "revenue"),
    Metric("active_clients_count", "count", _COUNT, True, "revenue"),
    Metric("clients_count", "count", _COUNT, True, "revenue"),
    Metric("avg_ltv_amount", "money", _MONEY, True, "ltv"),
    Metric("nrr", "ratio", _RATE, True, "retention"),
    Metric("grr", "rate", _RATE, True, "retention"),
    Metric("retention_rate", "rate", _RATE, True, "retention"),
    Metric("churn_rate", "rate", _RATE, False, "churn"),
    Metric("nps", "score", _SCORE, True, "nps"),
    Metric("nps_responses", "count", _COUNT, None, "nps"),
    Metric("nps_ci_low", "score", _SCORE, None, "nps"),
    Metric("nps_ci_high", "score", _SCORE, None, "nps"),
    Metric("top20_revenue_share", "rate", _RATE, None, "concentration"),
    Metric("gini", "ratio", _DECIMAL, None, "concentration"),
    Metric("first_response_median_min", "minutes", _MINUTES, False, "service"),
    Metric("first_response_p90_min", "minutes", _MINUTES, False, "service"),
    Metric("resolution_median_min", "minutes", _MINUTES, False, "service"),
    Metric("sla_hit_rate", "rate", _RATE, True, "service"),
    Metric("missed_call_rate", "rate", _RATE, False, "service"),
    Metric("complaints_per_100", "ratio", "{:.1f}", False, "service"),
    Metric("hours", "hours", _MINUTES, None, "managers"),
    Metric("margin_per_hour", "money_per_hour", _MONEY, True, "managers"),
    Metric("growth_index", "ratio", _DECIMAL, True, "managers"),
    # --- meeting: what changed, and who caused it (metrics/meeting.py) ---
    Metric("revenue_change_amount", "money", _MONEY, True, "meeting"),
    Metric("bridge_new_amount", "money", _MONEY, True, "meeting"),
    Metric("bridge_expansion_amount", "money", _MONEY, True, "meeting"),
    Metric("bridge_contraction_amount", "money", _MONEY, True, "meeting"),
    Metric("bridge_churned_amount", "money", _MONEY, True, "meeting"),
    Metric("nps_change", "score", "{:+.1f}", True, "meeting"),
    Metric("nps_score_effect", "score", "{:+.1f}", True, "meeting"),
    Metric("nps_mix_effect", "score", "{:+.1f}", None, "meeting"),
    Metric("new_clients_count", "count", _COUNT, True, "meeting"),
    Metric("churned_clients_count", "count", _COUNT, False, "meeting"),
    Metric("complaints_count", "count", _COUNT, False, "meeting"),
)

_BY_NAME = {metric.name: metric for metric in METRICS}


def get(name: str) -> Metric:
    """The metric called ``name``; KeyError names the unknown metric."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}") from None


def names() -> tuple[str, ...]:
    return tuple(_BY_NAME)
