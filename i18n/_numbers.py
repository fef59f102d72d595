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
from babel.numbers import format_currency, format_decimal, format_percent, get_decimal_symbol, get_group_symbol

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


def _babel_number(value: decimal.Decimal, lang: str, digits: int, currency: str) -> str:
    return format_decimal(value, _decimal_pattern(digits), locale=locale(lang))


def _babel_money(value: decimal.Decimal, lang: str, digits: int, currency: str) -> str:
    loc = locale(lang)
    pattern = loc.currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace("#,##0.00", _decimal_pattern(digits))
    text = format_currency(value, currency, pattern, locale=loc, currency_digits=False)
    return _with_currency_spacing(text, loc.currency_symbols.get(currency, currency))


def _babel_percent(value: decimal.Decimal, lang: str, digits: int, currency: str) -> str:
    """``value``: the fraction, rounded to digits + 2 decimals."""
    loc = locale(lang)
    pattern = loc.percent_formats[None].pattern.replace("#,##0", _decimal_pattern(digits))
    return format_percent(value, pattern, locale=loc)


# babel's text of a value, by kind; (shown value ÷ value) of each kind
_BABEL = {"number": _babel_number, "money": _babel_money, "percent": _babel_percent}
_SCALE = {"number": 1, "money": 1, "percent": 100}


def _digits_text(shown: decimal.Decimal, digits: int, group: str, mark: str) -> str:
    """|shown| with ``digits`` decimals and thousands grouped, in the language's marks."""
    return format(abs(shown), f",.{digits}f").translate({ord(","): group, ord("."): mark})


@functools.cache
def _layout(kind: str, lang: str, digits: int, currency: str) -> tuple | None:
    """What babel puts around the digits of a ``kind`` value in ``lang`` — (prefix, suffix) of a
    positive value and of a negative one — and its group and decimal marks, read off babel's
    text of two probes (±1,234,567.3…). None when the probes' digits are not found as this
    module would write them: then every value of that kind goes through babel."""
    group, mark = get_group_symbol(locale=lang), get_decimal_symbol(locale=lang)
    shown = decimal.Decimal("1234567" + ("." + "3" * digits if digits > 0 else ""))
    digits_text = _digits_text(shown, digits, group, mark)
    sides = []
    for sign in (1, -1):
        text = _BABEL[kind](sign * shown / _SCALE[kind], lang, digits, currency)
        if text.count(digits_text) != 1:
            return None
        sides.append(tuple(text.split(digits_text)))
    return sides[0], sides[1], group, mark


def _formatted(kind: str, value: decimal.Decimal, lang: str, digits: int, currency: str = "") -> str:
    """babel's text of a rounded ``value`` (the fraction, for a percentage), built from its
    layout: a table of 500 rows formats thousands of cells, and babel takes ~30 µs a cell."""
    layout = _layout(kind, lang, digits, currency)
    if layout is None:
        return _BABEL[kind](value, lang, digits, currency)
    positive, negative, group, mark = layout
    prefix, suffix = negative if value < 0 else positive
    return prefix + _digits_text(value * _SCALE[kind], digits, group, mark) + suffix


def fmt_number(x, lang: str, digits: int = 0) -> str:
    """A number with the language's grouping and decimal mark, ``digits`` decimals."""
    special = _special(x)
    if special is not None:
        return special
    return _formatted("number", _rounded(x, digits), lang, digits)


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
    return _formatted("money", _rounded(x, digits), lang, digits, currency)


def fmt_percent(rate, lang: str, digits: int = 1) -> str:
    """A fraction (0.123) as a percentage ("12.3%", "12,3\u00a0%")."""
    special = _special(rate)
    if special is not None:
        return special
    return _formatted("percent", _rounded(rate, digits + 2), lang, digits)


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
