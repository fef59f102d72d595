"""Numbers, money, percentages and dates through babel's CLDR data (private).

Exact output (babel 2.19, CLDR 47), written out because tests compare strings:
- ru groups thousands with U+00A0 (no-break space) and uses a decimal comma: "1\u00a0234,5";
  the percent sign follows U+00A0: "12,3\u00a0%"; money puts U+00A0 before the symbol:
  "1\u00a0234\u00a0₽", "1\u00a0234\u00a0$".
- en: "1,234.5", "12.3%", "$1,234", "€1,234"; a letter symbol gets U+00A0 before the digits
  (CLDR currency spacing, which babel does not apply): "RUB\u00a01,234".
- Dates: en "Nov 28, 2026", ru "28.11.2026". Months: en "Nov 2026", ru "нояб. 2026".
Rounding is half-up (not babel's half-even): 0.5 → "1", 2.5 → "3". Missing values → "—".
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import numbers
import unicodedata

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

MISSING = "—"
NBSP = "\u00a0"

_DATE_PATTERN = {"en": "MMM d, y", "ru": "dd.MM.y"}
_MONTH_PATTERN = "LLL y"


@functools.cache
def locale(lang: str) -> Locale:
    return Locale.parse(lang)


def is_missing(x: object) -> bool:
    """None, NaN, NaT and pandas' NA are missing."""
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN, NaT, and pd.NA (whose comparison raises TypeError on bool)
    except TypeError:
        return True


def _special(x) -> str | None:
    """The text of a value that is not a finite number: "—" when missing, "∞"/"-∞"."""
    if is_missing(x):
        return MISSING
    if isinstance(x, numbers.Real) and not isinstance(x, numbers.Integral) and math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return None


def _rounded(x: float | int | decimal.Decimal, digits: int) -> decimal.Decimal:
    """Half-up rounding to ``digits`` decimals, without binary noise (2.675 → 2.68)."""
    if isinstance(x, decimal.Decimal):
        value = x
    elif isinstance(x, numbers.Integral):
        value = decimal.Decimal(int(x))
    else:
        value = decimal.Decimal(repr(float(x)))
    out = value.quantize(decimal.Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP)
    return out if out != 0 else abs(out)  # no "-0"


def _decimal_pattern(digits: int, *, optional: bool = False) -> str:
    if digits <= 0:
        return "#,##0"
    return "#,##0." + ("#" if optional else "0") * digits


def fmt_number(x, lang: str, digits: int = 0) -> str:
    """A number with the language's grouping and decimal mark, ``digits`` decimals."""
    special = _special(x)
    if special is not None:
        return special
    return format_decimal(_rounded(x, digits), _decimal_pattern(digits), locale=locale(lang))


def fmt_count(n, lang: str) -> str:
    """A count as shown inside a plural phrase: whole numbers bare, fractions up to 3 decimals."""
    special = _special(n)
    if special is not None:
        return special
    return format_decimal(_rounded(n, 3), _decimal_pattern(3, optional=True), locale=locale(lang))


def _with_currency_spacing(text: str, symbol: str) -> str:
    """CLDR currency spacing: U+00A0 between a letter-ending symbol and an adjacent digit."""
    def needs_space(ch: str) -> bool:
        return not unicodedata.category(ch).startswith(("S", "Z"))

    start = text.find(symbol)
    if start < 0:
        return text
    end = start + len(symbol)
    if end < len(text) and text[end].isdigit() and needs_space(symbol[-1]):
        return text[:end] + NBSP + text[end:]
    if start > 0 and text[start - 1].isdigit() and needs_space(symbol[0]):
        return text[:start] + NBSP + text[start:]
    return text


def fmt_money(x, lang: str, currency: str = "RUB", digits: int = 0) -> str:
    """An amount in ``currency`` (ISO code), the language's symbol placement, ``digits`` decimals."""
    special = _special(x)
    if special is not None:
        return special
    loc = locale(lang)
    pattern = loc.currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace("#,##0.00", _decimal_pattern(digits))
    text = format_currency(_rounded(x, digits), currency, pattern, locale=loc, currency_digits=False)
    return _with_currency_spacing(text, loc.currency_symbols.get(currency, currency))


def fmt_percent(rate, lang: str, digits: int = 1) -> str:
    """A fraction (0.123) as a percentage ("12.3%", "12,3\u00a0%")."""
    special = _special(rate)
    if special is not None:
        return special
    loc = locale(lang)
    pattern = loc.percent_formats[None].pattern.replace("#,##0", _decimal_pattern(digits))
    return format_percent(_rounded(rate, digits + 2), pattern, locale=loc)


def _as_date(d) -> dt.date:
    return d.date() if isinstance(d, dt.datetime) else d


def fmt_date(d, lang: str) -> str:
    """A day: en "Nov 28, 2026", ru "28.11.2026"."""
    if is_missing(d):
        return MISSING
    return format_date(_as_date(d), _DATE_PATTERN[lang], locale=locale(lang))


def fmt_month(d, lang: str) -> str:
    """The month containing ``d``: en "Nov 2026", ru "нояб. 2026"."""
    if is_missing(d):
        return MISSING
    return format_date(_as_date(d), _MONTH_PATTERN, locale=locale(lang))


def weekday_names(lang: str, width: str = "abbreviated") -> list[str]:
    """Seven weekday names, Monday first, capitalised ("Mon".., "Пн"..); width: abbreviated|wide."""
    names = locale(lang).days["stand-alone"][width]
    return [names[i][:1].upper() + names[i][1:] for i in range(7)]


def plural_category(n, lang: str) -> str:
    """CLDR plural category of ``n`` in ``lang`` (ru: one/few/many/other)."""
    return locale(lang).plural_form(abs(n))
