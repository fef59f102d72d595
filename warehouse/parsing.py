"""Typing text cells from real exports: numbers, dates, durations, booleans, call statuses.

Every parser takes a pandas Series of strings and returns ``(parsed, bad)``: parsed values (NA
where empty or unparseable) and a boolean mask of non-empty cells that could not be parsed, so
the caller can reject those rows. Placeholders such as "-", "N/A" or amoCRM's "не закрыта" count
as empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PLACEHOLDERS = frozenset({"", "-", "—", "–", "не закрыта", "n/a", "#n/a", "null", "none", "нет данных"})
_SPACES = "[\\s\u00a0\u202f\u2009]"
_CURRENCY = r"(?:₽|\$|€|руб\.?|р\.|rub|usd|eur)"
_NUMBER_SHAPE = r"\d+(?:\.\d+)?"
_DMY = r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4})"
_ISO = r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
_TIME = r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?)?"
_ZONE = r"(?:\s*(?:Z|UTC|[+-]\d{2}:?\d{2}))?"
_CLOCK = r"(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{2})"
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "да", "д", "истина", "+", "on", "x", "✓", "v"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "нет", "н", "ложь", "off"})
MISSED_WORDS = frozenset({"missed", "no answer", "not answered", "busy", "failed", "unanswered", "пропущен",
                          "пропущенный", "не отвечен", "неотвечен", "занято", "не дозвонился", "нет ответа",
                          "отклонен", "отклонён"})
ANSWERED_WORDS = frozenset({"answered", "отвечен", "отвеченный", "принят", "успешный", "ok"})
UNIT_MINUTES = {"s": 1 / 60, "min": 1.0, "h": 60.0}


def _text(values: pd.Series) -> pd.Series:
    return values.astype("str").fillna("").str.strip()


def is_empty(values: pd.Series) -> pd.Series:
    """Cells → mask of empty cells and placeholders ('-', 'N/A', 'не закрыта', …)."""
    return _text(values).str.lower().isin(PLACEHOLDERS)


def _fail(values: pd.Series, parsed: pd.Series) -> pd.Series:
    """Non-empty cells whose parsed value is missing."""
    return (~is_empty(values) & parsed.isna()).astype(bool)


_PLAIN_NUMBER = {None: r"-?\d+(?:[.,]\d+)?", ",": r"-?\d+(?:,\d+)?", ".": r"-?\d+(?:\.\d+)?"}


def parse_number(values: pd.Series, *, decimal: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Cells → (float64, bad). Handles '1 234,50', '1,234.50', '₽ 5', '5 руб.', '-5', '(5)'.

    ``decimal`` ',' or '.' pins the decimal mark (the other one is a thousands separator). When
    None: a value holding both marks takes the last one as decimal; a lone single comma is a
    decimal comma (Russian exports), several commas are thousands.
    """
    text = _text(values)
    plain = text.str.fullmatch(_PLAIN_NUMBER[decimal]).fillna(False).astype(bool)
    hard = ~plain & (text != "")  # anything but digits with one decimal mark, or an empty cell
    number = pd.Series(np.nan, index=values.index, dtype="float64")
    number[plain] = pd.to_numeric(text[plain].str.replace(",", ".", regex=False), errors="coerce")
    bad = pd.Series(False, index=values.index)
    if hard.any():  # currency signs, spaces, both marks, parentheses, placeholders: the slow path
        number[hard], bad[hard] = _parse_number_general(values[hard], decimal)
    return number, bad


def _parse_number_general(values: pd.Series, decimal: str | None) -> tuple[pd.Series, pd.Series]:
    """parse_number for any shape: currency signs, spaces, both marks, parentheses."""
    text = _text(values).str.lower().str.replace(_CURRENCY, "", regex=True).str.replace(_SPACES, "", regex=True)
    negative = text.str.fullmatch(r"\(.*\)") | text.str.startswith("-")
    text = text.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(r"^[+-]", "", regex=True)
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    elif decimal == ".":
        text = text.str.replace(",", "", regex=False)
    else:
        comma_last = text.str.rfind(",") > text.str.rfind(".")
        both = text.str.contains(",", regex=False) & text.str.contains(".", regex=False)
        many_commas = text.str.count(",") > 1
        has_comma = text.str.contains(",", regex=False)
        comma_decimal = (comma_last & both) | (~both & has_comma & ~many_commas)
        text = text.where(~comma_decimal, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        text = text.where(comma_decimal, text.str.replace(",", "", regex=False))
    shaped = text.str.fullmatch(_NUMBER_SHAPE).fillna(False).astype(bool)
    number = pd.to_numeric(text.where(shaped), errors="coerce").astype("float64")
    number = number.where(~negative.fillna(False).astype(bool), -number)
    number = number.where(~is_empty(values))
    return number, _fail(values, number)


def settle_date_order(values: pd.Series) -> tuple[str, bool]:
    """A date column → (order 'dmy' | 'mdy', ambiguous). '.' dates are day-first; '/' and '-' dates
    are day-first if any first part > 12, month-first if any second part > 12, else ambiguous
    (day-first assumed, the UI should ask)."""
    text = _text(values)
    text = text[text.str.match(r"\d{1,2}[/-]")]
    parts = text.str.extract("^" + _DMY)
    slashed = parts["sep"].isin(["/", "-"])
    first = pd.to_numeric(parts["a"].where(slashed), errors="coerce")
    second = pd.to_numeric(parts["b"].where(slashed), errors="coerce")
    if (first > 12).any():
        return "dmy", False
    if (second > 12).any():
        return "mdy", False
    return "dmy", bool(slashed.any())


def _fast_formats(order: str) -> list[str]:
    """strptime formats tried first (C speed); anything they leave is parsed by the regex path."""
    slashed = "%d/%m/%Y" if order == "dmy" else "%m/%d/%Y"
    dates = ["%d.%m.%Y", "%Y-%m-%d", slashed]
    return [d + t for d in dates for t in (" %H:%M:%S", " %H:%M", "")] + ["%Y-%m-%dT%H:%M:%S"]


def _regex_datetime(text: pd.Series, order: str) -> pd.Series:
    """The reference parser: every accepted shape spelled out as a regex, impossible dates → NaT."""
    dmy = text.str.extract(f"^{_DMY}{_TIME}{_ZONE}$")
    iso = text.str.extract(f"^{_ISO}{_TIME}{_ZONE}$")
    day_first = (dmy["sep"] == ".") | (order == "dmy")
    parts = pd.DataFrame({
        "year": iso["year"].fillna(dmy["year"]),
        "month": iso["month"].fillna(dmy["b"].where(day_first, dmy["a"])),
        "day": iso["day"].fillna(dmy["a"].where(day_first, dmy["b"])),
        "hour": iso["hour"].fillna(dmy["hour"]).fillna("0"),
        "minute": iso["minute"].fillna(dmy["minute"]).fillna("0"),
        "second": iso["second"].fillna(dmy["second"]).fillna("0"),
    }).apply(pd.to_numeric, errors="coerce")
    valid = parts.notna().all(axis=1) & (parts["hour"] < 24) & (parts["minute"] < 60) & (parts["second"] < 60)
    return pd.to_datetime(parts.where(valid), errors="coerce").astype("datetime64[us]")


_PADDED_DMY_HMS = r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$"  # what Russian exports write: 05.03.2024 09:07:00
_PADDED_FIELDS = ((6, 4), (3, 2), (0, 2), (11, 2), (14, 2), (17, 2))  # year, month, day, hour, minute, second


def _padded_dmy_hms(text: pd.Series) -> np.ndarray:
    """Trimmed cells → datetime64[us] of those written exactly DD.MM.YYYY HH:MM:SS with a real
    day and time (year 0001–9999, hour < 24, minute and second < 60), NaT for every other cell.
    Read off fixed positions with Arrow and numpy: the value ``%d.%m.%Y %H:%M:%S``, the first of
    :func:`_fast_formats`, gives those cells (pandas's strptime: 1.6 s per 1M cells, this ~0.1 s);
    any other cell is left to it and the rest of :func:`parse_datetime`."""
    cells = pa.array(text.array, from_pandas=True)  # Arrow-backed text: no copy
    shaped = pc.fill_null(pc.match_substring_regex(cells, _PADDED_DMY_HMS), False).to_numpy(zero_copy_only=False)
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    if not shaped.any():
        return out
    cells = cells.filter(pa.array(shaped))
    year, month, day, hour, minute, second = (
        pc.cast(pc.utf8_slice_codeunits(cells, start, start + width), pa.int32()).to_numpy()
        for start, width in _PADDED_FIELDS)
    years = (np.clip(year, 1, 9999) - 1970).astype("datetime64[Y]")
    first = years.astype("datetime64[M]") + (np.clip(month, 1, 12) - 1)  # the month's first day
    days = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    real = ((year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)
            & (hour < 24) & (minute < 60) & (second < 60))
    stamps = (first.astype("datetime64[D]") + (day - 1)).astype("datetime64[us]") + (
        (hour * 3600 + minute * 60 + second).astype(np.int64) * 1_000_000).astype("timedelta64[us]")
    out[np.flatnonzero(shaped)[real]] = stamps[real]
    return out


def parse_datetime(values: pd.Series, *, order: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Cells → (datetime64[us], bad). DD.MM.YYYY[ HH:MM[:SS]], ISO (a zone suffix is dropped: times
    stay as exported), DD/MM/YYYY or MM/DD/YYYY per ``order`` (None: :func:`settle_date_order` on
    this column; pin it when parsing a file in chunks). Impossible dates (31.02.2024) are bad."""
    text = _text(values)
    order = order or settle_date_order(values)[0]
    stamps = pd.Series(_padded_dmy_hms(text), index=values.index, dtype="datetime64[us]")
    todo = ~is_empty(values) & stamps.isna()
    for fmt in _fast_formats(order):
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        stamps = stamps.fillna(parsed.astype("datetime64[us]"))
        todo &= stamps.isna()
    if todo.any():
        stamps[todo] = _regex_datetime(text[todo], order)
    return stamps, _fail(values, stamps)


def parse_duration_min(values: pd.Series, *, unit: str = "s", decimal: str | None = None
                       ) -> tuple[pd.Series, pd.Series]:
    """Cells → (minutes as float64, bad). 'HH:MM:SS' / 'MM:SS' clock text, or a plain number in
    ``unit`` ('s', 'min' or 'h'); e.g. '00:02:30' → 2.5, '150' with unit 's' → 2.5."""
    text = _text(values)
    clocked = text.str.contains(":", regex=False).fillna(False).astype(bool)
    clock = text[clocked].str.extract(f"^{_CLOCK}$").apply(pd.to_numeric, errors="coerce").astype("float64")
    from_clock = (clock["h"].fillna(0) * 60 + clock["m"] + clock["s"] / 60).where(clock["s"] < 60)
    minutes = pd.Series(np.nan, index=values.index, dtype="float64")
    minutes[clocked] = from_clock
    if (~clocked).any():
        plain, _ = parse_number(text[~clocked], decimal=decimal)
        minutes[~clocked] = plain * UNIT_MINUTES[unit]
    minutes = minutes.where(~(minutes < 0))
    return minutes, _fail(values, minutes)


def _words(values: pd.Series, true_words: frozenset, false_words: frozenset) -> pd.Series:
    word = _text(values).str.lower().str.replace("ё", "е", regex=False)
    is_true = word.isin(true_words).to_numpy(bool)
    is_false = word.isin(false_words).to_numpy(bool)
    return pd.Series(pd.arrays.BooleanArray(is_true, ~(is_true | is_false)), index=values.index)


def parse_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Cells → (boolean, bad): Y/N, yes/no, да/нет, true/false, 1/0, истина/ложь."""
    flags = _words(values, TRUE_WORDS, FALSE_WORDS)
    return flags, _fail(values, flags)


def parse_is_missed(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Call statuses or booleans → (is_missed boolean, bad): 'missed', 'no answer', 'busy',
    'Пропущен', 'Не отвечен', 'Занято' → True; 'answered', 'Отвечен' → False; yes/no as is."""
    flags = _words(values, MISSED_WORDS | TRUE_WORDS, ANSWERED_WORDS | FALSE_WORDS)
    return flags, _fail(values, flags)


def parse_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Cells → (text with NA for empty cells and placeholders, no bad cells). Stored verbatim (trimmed)."""
    text = _text(values)
    kept = text.where(~is_empty(values)).astype("str")
    return kept, pd.Series(np.zeros(len(values), dtype=bool), index=values.index)
