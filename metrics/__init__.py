"""Pure metric computations: Ibis tables in, Ibis tables out (design §4, docs/architecture.md)."""

from metrics.churn import churn_by_period, churn_of_last_period, client_churn_dates
from metrics.concentration import lorenz_curve, revenue_concentration
from metrics.ltv import ltv_by_client, ltv_curve_by_cohort
from metrics.managers import (
    client_manager,
    growth_index_by_manager,
    hours_by_manager,
    manager_balance_type,
    scorecard_by_manager,
    span_of_control,
)
from metrics.meeting import (
    nps_change_by_segment,
    nps_change_split,
    revenue_bridge_by_client,
    revenue_bridge_by_component,
    revenue_bridge_by_manager,
)
from metrics.nps import nps_by_period, nps_summary
from metrics.retention import nrr_grr, retention_by_cohort
from metrics.risk import RiskSettings, at_risk_clients, risk_reasons
from metrics.scope import apply_filters
from metrics.service import ServiceSettings, contacts_by_weekday_hour, service_speed

__all__ = [
    "RiskSettings",
    "ServiceSettings",
    "apply_filters",
    "at_risk_clients",
    "churn_by_period",
    "churn_of_last_period",
    "client_churn_dates",
    "client_manager",
    "contacts_by_weekday_hour",
    "growth_index_by_manager",
    "hours_by_manager",
    "lorenz_curve",
    "manager_balance_type",
    "ltv_by_client",
    "ltv_curve_by_cohort",
    "nps_by_period",
    "nps_change_by_segment",
    "nps_change_split",
    "nps_summary",
    "nrr_grr",
    "retention_by_cohort",
    "revenue_bridge_by_client",
    "revenue_bridge_by_component",
    "revenue_bridge_by_manager",
    "revenue_concentration",
    "risk_reasons",
    "scorecard_by_manager",
    "service_speed",
    "span_of_control",
]
