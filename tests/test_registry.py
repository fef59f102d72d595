"""The metric registry: complete, documented in both catalogues and in the README."""

from __future__ import annotations

import json
import pathlib

import pytest

from metrics import registry
from metrics.managers import MANAGER_TYPES, SCORECARD_COLUMNS
from metrics.report import KPI_NAMES
from metrics.risk import RISK_FLAGS

ROOT = pathlib.Path(__file__).resolve().parents[1]
LANGS = ("en", "ru")


def _catalogue(lang: str) -> dict:
    """Every catalogue file of ``lang`` merged (an area keeps its metrics in its own file)."""
    merged: dict = {}
    for path in sorted((ROOT / "i18n" / "catalog" / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def test_metrics_catalogues_same_keys_in_both_languages():
    en, ru = _catalogue("en"), _catalogue("ru")
    assert sorted(en) == sorted(ru)
    texts = [v for value in (*en.values(), *ru.values()) for v in (
        value.values() if isinstance(value, dict) else [value]  # plural entries: one per form
    )]
    assert all(text.strip() for text in texts)


@pytest.mark.parametrize("lang", LANGS)
def test_registry_every_metric_has_label_and_description(lang):
    catalogue = _catalogue(lang)
    missing = [
        key
        for metric in registry.METRICS
        for key in (metric.label_key, metric.description_key)
        if key not in catalogue
    ]
    assert missing == []


@pytest.mark.parametrize("lang", LANGS)
def test_registry_manager_types_and_risk_reasons_translated(lang):
    catalogue = _catalogue(lang)
    keys = [f"manager_type.{kind}" for kind in MANAGER_TYPES]
    keys += [f"risk.flag.{flag}" for flag in RISK_FLAGS]
    keys += [f"risk.reason.{flag}" for flag in RISK_FLAGS] + ["risk.reason.never_contacted"]
    assert [key for key in keys if key not in catalogue] == []
    assert "{days}" in catalogue["risk.reason.no_contact"]


def test_registry_covers_report_kpis_and_scorecard_columns():
    not_metrics = {"manager", "team", "is_hours_estimated", "manager_type"}
    wanted = set(KPI_NAMES) | (set(SCORECARD_COLUMNS) - not_metrics)
    assert wanted - set(registry.names()) == set()


def test_registry_entries_are_well_formed():
    names = [metric.name for metric in registry.METRICS]
    assert len(names) == len(set(names))
    for metric in registry.METRICS:
        assert metric.unit in registry.UNITS, metric.name
        assert metric.higher_is_better in (True, False, None), metric.name
        assert metric.fmt.format(1234.5), metric.name


def test_registry_get_known_and_unknown():
    assert registry.get("nps").fmt == "{:+.0f}"
    assert registry.get("churn_rate").higher_is_better is False
    with pytest.raises(KeyError, match="no_such_metric"):
        registry.get("no_such_metric")


def test_registry_every_metric_named_in_readme():
    # README.md is written by the lead; every registry name must be documented there.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in registry.names() if name not in readme] == []
