"""Translation layer: catalogue lookup (en, ru), plurals and locale formatting via babel.

Catalogues are every ``catalog/<lang>/*.json`` file, merged and loaded on first use. Exact
strings the formatters produce are listed in ``i18n/_numbers.py``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

from i18n._catalog import CatalogueError, catalogue, catalogue_files, clear_cache
from i18n._numbers import (
    MISSING,
    fmt_count,
    fmt_date,
    fmt_money,
    fmt_month,
    fmt_number,
    fmt_percent,
    is_missing,
    plural_category,
    weekday_names,
)

__all__ = [
    "LANGS", "MISSING", "CatalogueError", "catalogue", "catalogue_files", "clear_cache", "detect_lang",
    "fmt_date", "fmt_duration_min", "fmt_hours", "fmt_metric", "fmt_metric_change", "fmt_money", "fmt_money_per_hour",
    "fmt_month", "fmt_number", "fmt_percent", "fmt_period", "fmt_week", "has", "is_missing",
    "placeholders", "plotly_separators", "plural_category", "t", "tn", "weekday_names",
]  # fmt: skip

LANGS: tuple[str, ...] = ("en", "ru")
DEFAULT_LANG = "en"
_RU_FALLBACK_PREFIXES = ("ru", "be", "uk", "kk")
# Plotly's layout.separators: decimal mark then thousands separator.
_PLOTLY_SEPARATORS = {"en": ".,", "ru": ", "}


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    return lang


def _entry(key: str, lang: str):
    entries = catalogue(_check_lang(lang))
    if key not in entries:
        raise KeyError(f"unknown i18n key {key!r} ({lang})")
    return entries[key]


def has(key: str, lang: str) -> bool:
    """Whether the catalogue of ``lang`` defines ``key``."""
    return key in catalogue(_check_lang(lang))


def t(key: str, lang: str, **params) -> str:
    """The catalogue string of ``key`` in ``lang`` with ``params`` filled in (str.format).

    An unknown key raises KeyError; a plural key raises TypeError (use :func:`tn`).
    """
    value = _entry(key, lang)
    if not isinstance(value, str):
        raise TypeError(f"i18n key {key!r} is a plural entry: use tn()")
    return value.format(**params)


def tn(key: str, n, lang: str, **params) -> str:
    """The plural form of ``key`` for ``n`` (CLDR category), ``{n}`` formatted for ``lang``.

    ru: 1 клиент, 2 клиента, 5 клиентов, 21 клиент, 11 клиентов, 1,5 клиента.
    """
    value = _entry(key, lang)
    if isinstance(value, str):
        raise TypeError(f"i18n key {key!r} is not a plural entry: use t()")
    return value[plural_category(n, lang)].format(n=fmt_count(n, lang), **params)


def placeholders(entry: str | Mapping[str, str]) -> set[str]:
    """Names of the ``{fields}`` a catalogue entry uses (all plural forms together)."""
    texts = [entry] if isinstance(entry, str) else list(entry.values())
    return {
        re.split(r"[.\[!:]", field)[0]
        for text in texts
        for _, field, _, _ in string.Formatter().parse(text)
        if field is not None
    }


def detect_lang(locale_str: str | None) -> str:
    """A browser locale ("ru-RU", "uk_UA", "en-GB", None) → "ru" or "en"."""
    prefix = re.split(r"[-_]", (locale_str or "").strip().lower())[0]
    return "ru" if prefix in _RU_FALLBACK_PREFIXES else DEFAULT_LANG


def plotly_separators(lang: str) -> str:
    """``layout.separators`` for ``lang``: en ".," ; ru ", " (decimal comma, space thousands)."""
    return _PLOTLY_SEPARATORS[_check_lang(lang)]


def fmt_week(d, lang: str) -> str:
    """The ISO week containing ``d``: en "2026-W48", ru "2026, нед. 48"."""
    if is_missing(d):
        return MISSING
    iso = d.isocalendar()
    return t("format.week", lang, year=iso.year, week=iso.week)


def fmt_period(d, grain: str, lang: str) -> str:
    """A period start as a label: month → "Nov 2026" / "нояб. 2026"; week → :func:`fmt_week`."""
    if grain == "month":
        return fmt_month(d, lang)
    if grain == "week":
        return fmt_week(d, lang)
    raise ValueError(f"grain must be 'week' or 'month', got {grain!r}")


_MINUTES_PER_HOUR = 60
_MINUTES_PER_DAY = 24 * 60


def fmt_duration_min(minutes, lang: str) -> str:
    """Minutes as a duration: "4.5 min", "2 h 5 min", "1 d 3 h" (ru "4,5 мин", "2 ч 5 мин")."""
    if is_missing(minutes):
        return MISSING
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    if minutes < _MINUTES_PER_HOUR:
        return sign + t("format.duration.minutes", lang, minutes=fmt_count(round(minutes, 1), lang))
    whole_minutes = int(round(minutes))
    if whole_minutes < _MINUTES_PER_DAY:
        hours, rest = divmod(whole_minutes, _MINUTES_PER_HOUR)
        if rest == 0:
            return sign + t("format.duration.hours", lang, hours=hours)
        return sign + t("format.duration.hours_minutes", lang, hours=hours, minutes=rest)
    whole_hours = int(round(minutes / _MINUTES_PER_HOUR))
    days, hours = divmod(whole_hours, 24)
    if hours == 0:
        return sign + t("format.duration.days", lang, days=days)
    return sign + t("format.duration.days_hours", lang, days=days, hours=hours)


def fmt_hours(hours, lang: str, digits: int = 1) -> str:
    """Working hours: "12.5 h" / "12,5 ч"."""
    if is_missing(hours):
        return MISSING
    return t("format.hours", lang, value=fmt_number(hours, lang, digits))


def fmt_money_per_hour(x, lang: str, currency: str = "RUB", digits: int = 0) -> str:
    """Money per working hour: "RUB 1,234/h" / "1 234 ₽/ч"."""
    if is_missing(x):
        return MISSING
    return t("format.money_per_hour", lang, money=fmt_money(x, lang, currency, digits))


_SPEC = re.compile(r"\{:(?P<sign>\+)?,?(?:\.(?P<digits>\d+))?(?P<type>[df%])\}")


def _spec(fmt: str, unit: str) -> tuple[int, bool, bool]:
    """(digits, as percent, signed) from a registry ``fmt`` such as "{:.1%}" or "{:+.0f}"."""
    match = _SPEC.fullmatch(fmt or "")
    if match is None:
        return (1 if unit == "rate" else 0), unit == "rate", False
    return int(match["digits"] or 0), match["type"] == "%", match["sign"] == "+"


def _shows_nonzero(text: str) -> bool:
    """Whether formatted ``text`` shows a non-zero number ("0.0 pp", "RUB 0" do not)."""
    return any(c in "123456789" for c in text)


def _signed(text: str, value, signed: bool) -> str:
    return "+" + text if signed and value > 0 and _shows_nonzero(text) else text


def fmt_metric_change(metric_name: str, delta, lang: str, currency: str = "RUB") -> str:
    """A change of a metric, always signed: rates and percentages in percentage points
    ("+1.1 pp", "-7,2 п. п."), everything else in the metric's own unit ("+RUB 1,200")."""
    from metrics import registry

    if is_missing(delta):
        return MISSING
    metric = registry.get(metric_name)
    digits, as_percent, _ = _spec(metric.fmt, metric.unit)
    if metric.unit == "rate" or as_percent:
        text = t("unit.pp", lang, value=fmt_number(abs(delta) * 100, lang, digits))
    else:
        text = fmt_metric(metric_name, abs(delta), lang, currency).lstrip("+")
    if delta < 0 and _shows_nonzero(text):
        return "-" + text
    return _signed(text, delta, signed=True)


def fmt_metric(metric_name: str, value, lang: str, currency: str = "RUB") -> str:
    """A metric value formatted by its registry unit and ``fmt`` (decimals, %, sign); None/NaN → "—".

    money → fmt_money; money_per_hour → "… ₽/ч"; minutes → fmt_duration_min; hours → "12,5 ч";
    rate, and a ratio whose fmt is a percentage (NRR) → fmt_percent; count/score/ratio →
    fmt_number ("+" kept for a signed spec such as NPS "{:+.0f}").
    """
    from metrics import registry  # imported when used: the catalogue layer itself needs no metrics

    metric = registry.get(metric_name)
    if is_missing(value):
        return MISSING
    unit = metric.unit
    digits, as_percent, signed = _spec(metric.fmt, unit)
    if unit == "money":
        return fmt_money(value, lang, currency, digits)
    if unit == "money_per_hour":
        return fmt_money_per_hour(value, lang, currency, digits)
    if unit == "minutes":
        return fmt_duration_min(value, lang)
    if unit == "hours":
        return fmt_hours(value, lang, digits)
    if unit == "rate" or as_percent:
        return _signed(fmt_percent(value, lang, digits), value, signed)
    if unit in ("count", "score", "ratio"):
        return _signed(fmt_number(value, lang, digits), value, signed)
    raise ValueError(f"metric {metric_name!r} has an unknown unit {unit!r}")
