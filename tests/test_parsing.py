"""warehouse.parsing: each parser on literal cells, plus property tests against pure-Python oracles."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.parsing import (is_empty, parse_bool, parse_datetime, parse_duration_min, parse_is_missed,
                               parse_number, parse_text, settle_date_order)

NA = None


def _values(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series.tolist()]


def _check(result, expected_values, expected_bad):
    values, bad = result
    assert _values(values) == expected_values
    assert bad.tolist() == expected_bad


def test_parse_number_russian_and_english_shapes():
    cells = pd.Series(["1 234,50", "1\u00a0234,50", "1\u202f234,50", "1,234.50", "₽ 5", "5 руб.", "$1,000.00",
                       "€7", "-5", "(5)", "1,5", "1.5", "1,234,567", "", "-", "N/A", "abc", "1.2.3", "--5", "(5"])
    _check(parse_number(cells),
           [1234.5, 1234.5, 1234.5, 1234.5, 5.0, 5.0, 1000.0, 7.0, -5.0, -5.0, 1.5, 1.5, 1234567.0,
            NA, NA, NA, NA, NA, NA, NA],
           [False] * 16 + [True] * 4)


def test_parse_number_pinned_decimal():
    cells = pd.Series(["1,234", "1.234,5", "2.5"])
    # decimal '.': ',' is a thousands separator → 1234; '1.234,5' → '1.2345' after dropping ',' → 1.2345
    _check(parse_number(cells, decimal="."), [1234.0, 1.2345, 2.5], [False, False, False])
    # decimal ',': '.' is a thousands separator → '2.5' reads 25
    _check(parse_number(cells, decimal=","), [1.234, 1234.5, 25.0], [False, False, False])


def test_parse_datetime_formats_and_impossible_dates():
    cells = pd.Series(["22.03.2022 13:32:57", "1.2.2024 9:05", "05.01.2024", "2024-03-01", "2024-03-01T10:00:00Z",
                       "2024-03-01 10:00:00 +0300", "31.02.2024", "29.02.2023", "2024-01-01 25:00", "не закрыта",
                       "", "вчера"])
    _check(parse_datetime(cells),
           [dt.datetime(2022, 3, 22, 13, 32, 57), dt.datetime(2024, 2, 1, 9, 5), dt.datetime(2024, 1, 5),
            dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 1, 10), NA, NA, NA, NA, NA, NA],
           [False] * 6 + [True, True, True, False, False, True])
    assert str(parse_datetime(cells)[0].dtype) == "datetime64[us]"


def test_settle_date_order_from_whole_column():
    assert settle_date_order(pd.Series(["05/03/2024", "25/03/2024"])) == ("dmy", False)  # 25 > 12 first
    assert settle_date_order(pd.Series(["05/03/2024", "03/25/2024"])) == ("mdy", False)  # 25 > 12 second
    assert settle_date_order(pd.Series(["05/03/2024", "04/03/2024"])) == ("dmy", True)   # ask the user
    assert settle_date_order(pd.Series(["05.03.2024"])) == ("dmy", False)                # '.' is day-first


def test_parse_datetime_month_first_column():
    cells = pd.Series(["03/25/2024 08:00", "12/01/2024", "05.03.2024"])
    # settled month-first by 25; dotted dates stay day-first
    _check(parse_datetime(cells), [dt.datetime(2024, 3, 25, 8), dt.datetime(2024, 12, 1), dt.datetime(2024, 3, 5)],
           [False, False, False])
    _check(parse_datetime(pd.Series(["03/04/2024"]), order="mdy"), [dt.datetime(2024, 3, 4)], [False])


def test_parse_duration_min_clock_and_units():
    cells = pd.Series(["00:02:30", "1:30", "01:00:00", "150", "0", "", "-", "2:75", "abc"])
    # 00:02:30 = 2.5 min; 1:30 (MM:SS) = 1.5; 150 s = 2.5
    _check(parse_duration_min(cells), [2.5, 1.5, 60.0, 2.5, 0.0, NA, NA, NA, NA], [False] * 7 + [True, True])
    _check(parse_duration_min(pd.Series(["90", "1,5"]), unit="min"), [90.0, 1.5], [False, False])
    _check(parse_duration_min(pd.Series(["2"]), unit="h"), [120.0], [False])


def test_parse_bool_words():
    cells = pd.Series(["Y", "n", "yes", "No", "да", "НЕТ", "true", "False", "1", "0", "", "maybe"])
    _check(parse_bool(cells), [True, False, True, False, True, False, True, False, True, False, NA, NA],
           [False] * 11 + [True])


def test_parse_is_missed_call_statuses():
    cells = pd.Series(["answered", "missed", "no answer", "busy", "Отвечен", "Пропущен", "Не отвечен", "Занято",
                       "Y", "", "перезвонить"])
    _check(parse_is_missed(cells), [False, True, True, True, False, True, True, True, True, NA, NA],
           [False] * 10 + [True])


def test_is_empty_placeholders():
    cells = pd.Series(["", " ", "-", "—", "не закрыта", "Не закрыта", "N/A", "null", "0", "x"])
    assert is_empty(cells).tolist() == [True] * 8 + [False, False]


def test_parse_text_trims_and_keeps_payloads():
    _check(parse_text(pd.Series([" Анна ", "—", "=1+1", "<b>x</b>"])), ["Анна", NA, "=1+1", "<b>x</b>"],
           [False] * 4)


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=-10**9, max_value=10**9), st.sampled_from(["ru", "en"]))
def test_parse_number_matches_formatting_oracle(cents, style):
    # oracle: format cents the way a Russian / English export would, with thousands groups
    whole, frac = divmod(abs(cents), 100)
    grouped = f"{whole:,}".replace(",", "\u00a0" if style == "ru" else ",")
    text = f"{grouped},{frac:02d}" if style == "ru" else f"{grouped}.{frac:02d}"
    text = ("-" if cents < 0 else "") + text
    values, bad = parse_number(pd.Series([text]))
    assert not bad.iloc[0]
    assert values.iloc[0] == pytest.approx(cents / 100)


@settings(max_examples=80, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2099, 12, 31)))
def test_parse_datetime_matches_strftime_oracle(moment):
    moment = moment.replace(microsecond=0)
    cells = pd.Series([moment.strftime("%d.%m.%Y %H:%M:%S"), moment.strftime("%Y-%m-%dT%H:%M:%S")])
    values, bad = parse_datetime(cells)
    assert values.tolist() == [moment, moment] and not bad.any()


_padded_cell = st.builds(
    "{:02d}.{:02d}.{:04d} {:02d}:{:02d}:{:02d}".format,
    st.integers(0, 39), st.integers(0, 19), st.one_of(st.sampled_from([0, 1, 24, 1900, 2023, 2024, 9999]),
                                                      st.integers(0, 9999)),
    st.integers(0, 29), st.integers(0, 69), st.integers(0, 69))
_date_cells = st.lists(st.one_of(_padded_cell, _padded_cell.map(lambda c: f" {c[1:]}"),
                                 st.text(alphabet="0129.: -", max_size=20)), max_size=30)


def _python_padded(cell: str):
    """Oracle of the padded fast path: the exact shape, then Python's own strptime (which
    refuses 31.02, year 0000, hour 24, second 60) — else missing."""
    import re

    text = cell.strip()
    if not re.fullmatch(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}", text):
        return None
    try:
        return dt.datetime.strptime(text, "%d.%m.%Y %H:%M:%S")
    except ValueError:
        return None


@settings(max_examples=200, deadline=None)
@given(_date_cells)
def test_padded_day_first_times_equal_python_strptime(cells):
    from warehouse import parsing

    got = parsing._padded_dmy_hms(parsing._text(pd.Series(cells, dtype="str")))
    assert [None if pd.isna(v) else v for v in pd.Series(got).tolist()] == [_python_padded(c) for c in cells]


@settings(max_examples=200, deadline=None)
@given(_date_cells, st.sampled_from(["dmy", "mdy"]))
def test_parse_datetime_same_with_and_without_the_padded_path(texts, order):
    # the whole parser's values and bad cells are those of the formats and regex alone
    import numpy as np

    from warehouse import parsing

    cells = pd.Series(texts, dtype="str")
    fast = parse_datetime(cells, order=order)
    padded = parsing._padded_dmy_hms
    parsing._padded_dmy_hms = lambda text: np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    try:
        slow = parse_datetime(cells, order=order)
    finally:
        parsing._padded_dmy_hms = padded
    pd.testing.assert_series_equal(fast[0], slow[0])
    pd.testing.assert_series_equal(fast[1], slow[1])
