"""i18n: catalogue loading and parity, plurals, and the exact strings of every formatter.

babel writes U+00A0 (NBSP) as the Russian group separator and before "%" and the currency
symbol; the expected strings spell it as \\u00a0 so the difference from a plain space is visible.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import pathlib
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import i18n
from i18n import _catalog

NB = "\u00a0"
ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def catalog_dir(tmp_path, monkeypatch):
    """An empty catalogue folder used instead of the real one (caches cleared around it)."""
    monkeypatch.setattr(_catalog, "CATALOG_DIR", tmp_path)
    _catalog.clear_cache()
    yield tmp_path
    _catalog.clear_cache()


def _write(folder, lang: str, name: str, text: str) -> None:
    (folder / lang).mkdir(exist_ok=True)
    (folder / lang / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- plurals


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 клиентов"),
        (1, "1 клиент"),
        (2, "2 клиента"),
        (5, "5 клиентов"),
        (11, "11 клиентов"),
        (21, "21 клиент"),
        (22, "22 клиента"),
        (25, "25 клиентов"),
        (111, "111 клиентов"),
        (1.5, "1,5 клиента"),
        (1234, f"1{NB}234 клиента"),
    ],
)
def test_tn_russian_clients(n, expected):
    assert i18n.tn("count.clients", n, "ru") == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 clients"), (1, "1 client"), (2, "2 clients"), (1.5, "1.5 clients"), (1234, "1,234 clients")],
)
def test_tn_english_clients(n, expected):
    assert i18n.tn("count.clients", n, "en") == expected


def _russian_category_oracle(n: int) -> str:
    """CLDR ru for whole numbers, written out: 1, 21, 31… one; 2–4, 22–24… few; else many."""
    last, last_two = n % 10, n % 100
    if last == 1 and last_two != 11:
        return "one"
    if last in (2, 3, 4) and last_two not in (12, 13, 14):
        return "few"
    return "many"


@given(st.integers(min_value=0, max_value=10**7))
def test_plural_category_russian_matches_oracle(n):
    assert i18n.plural_category(n, "ru") == _russian_category_oracle(n)


def test_tn_on_a_plain_key_raises():
    with pytest.raises(TypeError):
        i18n.tn("chart.no_data", 3, "en")


# ---------------------------------------------------------------- lookup


def test_t_unknown_key_raises():
    with pytest.raises(KeyError, match="no.such.key"):
        i18n.t("no.such.key", "en")


def test_t_unknown_language_raises():
    with pytest.raises(ValueError):
        i18n.t("chart.no_data", "de")


def test_t_fills_params():
    assert i18n.t("chart.hover.active_of_cohort_value", "ru", active="3", size="4") == "3 из 4"


def test_t_on_a_plural_key_raises():
    with pytest.raises(TypeError):
        i18n.t("count.clients", "en")


def test_has_known_and_unknown_keys():
    assert i18n.has("chart.no_data", "ru") and not i18n.has("no.such.key", "ru")


# ---------------------------------------------------------------- catalogue files and parity


def _file_entries(lang: str) -> dict[str, dict]:
    return {path.name: _catalog.load_file(path) for path in _catalog.catalogue_files(lang)}


def test_catalogue_parity_same_files_in_every_language():
    names = {lang: sorted(_file_entries(lang)) for lang in i18n.LANGS}
    assert names["en"] == names["ru"]
    assert {"common.json", "charts.json"} <= set(names["en"])


def test_catalogue_parity_same_keys_in_every_file():
    en, ru = _file_entries("en"), _file_entries("ru")
    for name in en:
        only_en = sorted(set(en[name]) - set(ru[name]))
        only_ru = sorted(set(ru[name]) - set(en[name]))
        assert (only_en, only_ru) == ([], []), name


def test_catalogue_parity_plural_entries_have_the_categories_of_their_language():
    for lang in i18n.LANGS:
        needed = set(i18n._numbers.locale(lang).plural_form.tags) | {"other"}
        for key, entry in i18n.catalogue(lang).items():
            assert isinstance(entry, str) or set(entry) == needed, (lang, key, sorted(entry))


def test_catalogue_parity_same_kind_and_placeholders():
    en, ru = i18n.catalogue("en"), i18n.catalogue("ru")
    for key in en:
        assert isinstance(en[key], str) == isinstance(ru[key], str), key
        assert i18n.placeholders(en[key]) == i18n.placeholders(ru[key]), key


def test_catalogue_parity_no_empty_text():
    for lang in i18n.LANGS:
        for key, entry in i18n.catalogue(lang).items():
            texts = [entry] if isinstance(entry, str) else list(entry.values())
            assert all(text.strip() for text in texts), (lang, key)


def test_placeholders_of_text_and_plural_entry():
    assert i18n.placeholders("{year}-W{week:02d} {a.b}") == {"year", "week", "a"}
    assert i18n.placeholders({"one": "{n} client", "other": "{n} clients of {who}"}) == {"n", "who"}


def test_catalogue_merges_every_file(catalog_dir):
    _write(catalog_dir, "en", "a.json", '{"x": "X"}')
    _write(catalog_dir, "en", "b.json", '{"y": {"one": "{n} y", "other": "{n} ys"}}')
    assert dict(_catalog.catalogue("en")) == {"x": "X", "y": {"one": "{n} y", "other": "{n} ys"}}


def test_catalogue_key_in_two_files_raises(catalog_dir):
    _write(catalog_dir, "en", "a.json", '{"x": "X"}')
    _write(catalog_dir, "en", "b.json", '{"x": "again"}')
    with pytest.raises(i18n.CatalogueError, match="a.json and b.json"):
        _catalog.catalogue("en")


def test_catalogue_key_twice_in_one_file_raises(catalog_dir):
    _write(catalog_dir, "en", "a.json", '{"x": "X", "x": "again"}')
    with pytest.raises(i18n.CatalogueError, match="defined twice"):
        _catalog.catalogue("en")


@pytest.mark.parametrize("value", [{"nested": {"a": "b"}}, {"one": 1}, {}, ["list"], 3])
def test_catalogue_malformed_entry_raises(catalog_dir, value):
    _write(catalog_dir, "en", "a.json", json.dumps({"x": value}))
    with pytest.raises(i18n.CatalogueError):
        _catalog.catalogue("en")


def test_catalogue_loaded_once_and_not_at_import():
    code = "import i18n, i18n._catalog as c; print(c.catalogue.cache_info().currsize)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "0"
    assert i18n.catalogue("ru") is i18n.catalogue("ru")


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("x", "lang", "digits", "expected"),
    [
        (1234.5, "ru", 1, f"1{NB}234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (1234567, "ru", 0, f"1{NB}234{NB}567"),
        (2.5, "en", 0, "3"),  # half-up, not babel's half-even
        (2.675, "en", 2, "2.68"),  # decimal text of the float, not its binary expansion
        (-0.4, "ru", 0, "0"),  # no "-0"
        (-1234.5, "ru", 0, f"-1{NB}235"),
        (None, "en", 0, "—"),
        (math.nan, "ru", 2, "—"),
        (math.inf, "en", 0, "∞"),
    ],
)
def test_fmt_number_exact(x, lang, digits, expected):
    assert i18n.fmt_number(x, lang, digits) == expected


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fmt_number_whole_numbers_match_python_grouping(n):
    assert i18n.fmt_number(n, "en") == f"{n:,}"
    assert i18n.fmt_number(n, "ru") == f"{n:,}".replace(",", NB)


@pytest.mark.parametrize(
    ("x", "lang", "currency", "digits", "expected"),
    [
        (1234.5, "ru", "RUB", 1, f"1{NB}234,5{NB}₽"),
        (1234.5, "ru", "RUB", 0, f"1{NB}235{NB}₽"),
        (1234.5, "ru", "USD", 0, f"1{NB}235{NB}$"),
        (1234.5, "ru", "EUR", 2, f"1{NB}234,50{NB}€"),
        (-1234.5, "ru", "RUB", 0, f"-1{NB}235{NB}₽"),
        (1234.5, "en", "USD", 0, "$1,235"),
        (1234.5, "en", "EUR", 1, "€1,234.5"),
        (1234.5, "en", "RUB", 0, f"RUB{NB}1,235"),  # letter symbol: CLDR currency spacing
        (-1234.5, "en", "USD", 0, "-$1,235"),
        (None, "ru", "RUB", 0, "—"),
    ],
)
def test_fmt_money_exact(x, lang, currency, digits, expected):
    assert i18n.fmt_money(x, lang, currency, digits) == expected


@pytest.mark.parametrize(
    ("rate", "lang", "digits", "expected"),
    [
        (0.123, "ru", 1, f"12,3{NB}%"),
        (0.123, "en", 1, "12.3%"),
        (0.12345, "en", 2, "12.35%"),
        (1.052, "ru", 0, f"105{NB}%"),
        (0.0, "en", 1, "0.0%"),
        (math.nan, "en", 1, "—"),
    ],
)
def test_fmt_percent_exact(rate, lang, digits, expected):
    assert i18n.fmt_percent(rate, lang, digits) == expected


_CURRENCIES = ("RUB", "USD", "EUR", "GBP", "KZT", "CNY", "JPY", "CHF", "BYN", "XYZ")  # XYZ: no symbol known


@given(cents=st.integers(min_value=-10**15, max_value=10**15), scale=st.integers(min_value=0, max_value=4),
       lang=st.sampled_from(["en", "ru"]), currency=st.sampled_from(_CURRENCIES),
       digits=st.integers(min_value=0, max_value=3))
def test_number_money_and_percent_are_babels_text(cents, scale, lang, currency, digits):
    """The formatters build each text from babel's layout read off two probes; babel itself
    formatting the same rounded value is the oracle (amounts to ±10^15, 0–4 decimals)."""
    from i18n import _numbers

    x = cents / 10**scale
    assert i18n.fmt_money(x, lang, currency, digits) == _numbers._babel_money(
        _numbers._rounded(x, digits), lang, digits, currency)
    assert i18n.fmt_number(x, lang, digits) == _numbers._babel_number(_numbers._rounded(x, digits), lang, digits, "")
    rate = x / 1000
    assert i18n.fmt_percent(rate, lang, digits) == _numbers._babel_percent(
        _numbers._rounded(rate, digits + 2), lang, digits, "")


def test_a_layout_babel_does_not_match_falls_back_to_babel(monkeypatch):
    """When babel's probe text does not hold the digits as this module writes them (another
    grouping, say), every value of that kind is babel's own text."""
    from i18n import _numbers

    _numbers._layout.cache_clear()
    monkeypatch.setattr(_numbers, "get_group_symbol", lambda locale: "'")  # not what babel writes
    try:
        assert _numbers._layout("money", "ru", 0, "RUB") is None
        assert i18n.fmt_money(1234567.4, "ru", "RUB") == f"1{NB}234{NB}567{NB}₽"
    finally:
        _numbers._layout.cache_clear()


# ---------------------------------------------------------------- dates, weeks, durations


@pytest.mark.parametrize(
    ("d", "lang", "expected"),
    [
        (dt.date(2026, 11, 28), "ru", "28.11.2026"),
        (dt.date(2026, 11, 28), "en", "Nov 28, 2026"),
        (dt.datetime(2026, 1, 5, 23, 59), "ru", "05.01.2026"),
        (None, "en", "—"),
    ],
)
def test_fmt_date_exact(d, lang, expected):
    assert i18n.fmt_date(d, lang) == expected


@pytest.mark.parametrize(
    ("d", "lang", "expected"),
    [
        (dt.date(2026, 11, 28), "en", "2026-W48"),  # Saturday of ISO week 48
        (dt.date(2026, 11, 28), "ru", "нед. 48, 2026"),
        (dt.date(2027, 1, 1), "en", "2026-W53"),  # a Friday: still ISO year 2026
        (dt.date(2026, 1, 5), "en", "2026-W02"),
    ],
)
def test_fmt_week_exact(d, lang, expected):
    assert i18n.fmt_week(d, lang) == expected


def test_fmt_period_month_and_week():
    assert i18n.fmt_period(dt.date(2026, 11, 1), "month", "en") == "Nov 2026"
    assert i18n.fmt_period(dt.date(2026, 11, 1), "month", "ru") == "нояб. 2026"
    assert i18n.fmt_period(dt.date(2026, 11, 23), "week", "en") == "2026-W48"


@pytest.mark.parametrize(
    ("minutes", "lang", "expected"),
    [
        (4.5, "en", "4.5 min"),
        (4.5, "ru", "4,5 мин"),
        (45, "en", "45 min"),
        (59.96, "en", "60 min"),  # rounds to one decimal
        (125, "ru", "2 ч 5 мин"),  # 125 = 2·60 + 5
        (120, "en", "2 h"),  # a whole number of hours drops "0 min"
        (240, "ru", "4 ч"),
        (2880, "ru", "2 д"),  # 2880 min = 48 h = 2 d exactly
        (1620, "en", "1 d 3 h"),  # 1620 min = 27 h = 1 d 3 h
        (1620, "ru", "1 д 3 ч"),
        (None, "ru", "—"),
    ],
)
def test_fmt_duration_min_exact(minutes, lang, expected):
    assert i18n.fmt_duration_min(minutes, lang) == expected


# ---------------------------------------------------------------- metrics by registry unit


@pytest.mark.parametrize(
    ("name", "value", "lang", "expected"),
    [
        ("revenue_amount", 1234567.8, "ru", f"1{NB}234{NB}568{NB}₽"),
        ("revenue_amount", 1234567.8, "en", f"RUB{NB}1,234,568"),
        ("churn_rate", 0.123, "ru", f"12,3{NB}%"),
        ("nrr", 1.052, "en", "105.2%"),  # a ratio whose registry fmt is "{:.1%}"
        ("nps", 42.4, "en", "+42"),  # signed score "{:+.0f}"
        ("nps", -7.0, "ru", "-7"),
        ("nps", 0.2, "en", "0"),
        ("gini", 0.4321, "ru", "0,43"),
        ("hours", 12.5, "ru", "12,5 ч"),
        ("margin_per_hour", 1500.0, "ru", f"1{NB}500{NB}₽/ч"),
        ("first_response_median_min", 125.0, "en", "2 h 5 min"),
        ("clients_count", 1234, "ru", f"1{NB}234"),
        ("nps", None, "en", "—"),
        ("growth_index", math.nan, "ru", "—"),
    ],
)
def test_fmt_metric_by_unit(name, value, lang, expected):
    assert i18n.fmt_metric(name, value, lang, "RUB") == expected


def test_fmt_metric_unknown_metric_raises():
    with pytest.raises(KeyError):
        i18n.fmt_metric("no_such_metric", 1.0, "en")


# ---------------------------------------------------------------- language, separators, weekdays


@pytest.mark.parametrize(
    ("locale_str", "expected"),
    [
        ("ru-RU", "ru"), ("ru", "ru"), ("be_BY", "ru"), ("uk-UA", "ru"), ("kk", "ru"), ("RU-ru", "ru"),
        ("en-US", "en"), ("de-DE", "en"), ("", "en"), (None, "en"), ("rus", "en"),
    ],
)  # fmt: skip
def test_detect_lang(locale_str, expected):
    assert i18n.detect_lang(locale_str) == expected


def test_plotly_separators():
    assert (i18n.plotly_separators("en"), i18n.plotly_separators("ru")) == (".,", ", ")


def test_weekday_names_monday_first():
    assert i18n.weekday_names("en") == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert i18n.weekday_names("ru") == ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
    assert i18n.weekday_names("ru", "wide")[0] == "Понедельник"


@pytest.mark.parametrize(("metric", "delta", "lang", "expected"), [
    ("churn_rate", 0.011, "en", "+1.1 pp"),
    ("churn_rate", -0.072, "ru", "-7,2\u00a0п.\u00a0п."),
    ("nrr", -0.072, "en", "-7.2 pp"),
    ("churn_rate", 0.0004, "en", "0.0 pp"),
    ("revenue_amount", 1200, "en", "+RUB 1,200"),
    ("active_clients_count", -3, "en", "-3"),
])
def test_metric_change_is_signed_and_rates_are_in_points(metric, delta, lang, expected):
    assert i18n.fmt_metric_change(metric, delta, lang).replace("\u00a0", " ") == expected.replace("\u00a0", " ")
