"""Grid column widths: room for the widest shown value (numbers never clipped), names capped.

The oracle is Chromium: widths in px of these strings in the grid's type (Source Sans, 14 px),
measured with a canvas ``measureText`` on the running app (2026-12-03).
"""

from __future__ import annotations

import json

import pytest

import i18n
from app_state import table_layout
from tests.test_app import app  # noqa: F401 (fixture)

CHROMIUM_PX = {
    "0123456789": 69.6, "RUB 396,690": 73.3, "2,034.3 h": 52.2, "396 690 ₽": 54.3,
    "RUB 4,882/h": 71.9, "100.0%": 42.9, "+100": 27.8, "—": 11.2,
    "Новикова Екатерина": 127.8, "Лебедев Артём": 91.8, "Gives too much away": 123.3,
    "Key accounts": 76.9, "Complaints/100": 92.9, "Margin per hour": 93.0,
}  # fmt: skip
NUMBERS = ("0123456789", "RUB 396,690", "2,034.3 h", "396 690 ₽", "RUB 4,882/h", "100.0%", "+100", "—")


@pytest.mark.parametrize("text", NUMBERS)
def test_a_number_is_never_estimated_narrower_than_drawn(text):
    estimate = table_layout.text_px(text)
    assert CHROMIUM_PX[text] <= estimate <= CHROMIUM_PX[text] * 1.25


@pytest.mark.parametrize("text", sorted(set(CHROMIUM_PX) - set(NUMBERS)))
def test_words_are_estimated_within_a_tenth(text):
    assert abs(table_layout.text_px(text) - CHROMIUM_PX[text]) <= CHROMIUM_PX[text] * 0.1


def test_the_widest_cell_sets_the_width_wherever_it_is():
    cells = ["32.1 h"] * 18 + ["2,034.3 h", "0.4 h"]  # the wide one near the end, as on the page
    width = table_layout.column_width("Hours", cells, text=False)
    assert width >= CHROMIUM_PX["2,034.3 h"] + 16  # 8 px padding each side
    assert width == table_layout.column_width("Hours", ["2,034.3 h"], text=False)


def test_a_long_column_is_measured_by_its_longest_cells():
    # 30k amounts and one wider one: as wide as that one alone, measured in a few milliseconds
    cells = [f"RUB {n:,}" for n in range(30_000)] + ["RUB 396,690"]
    assert table_layout.column_width("Revenue", cells, text=False) == \
        table_layout.column_width("Revenue", ["RUB 396,690"], text=False)


def test_a_long_header_over_short_values_sets_the_width():
    width = table_layout.column_width("Complaints/100", ["2.9", "0.0"], text=False)
    assert width >= CHROMIUM_PX["Complaints/100"] + 16


def test_text_is_capped_numbers_are_not():
    comment = "The manager promised a call back and never called; " * 10
    assert table_layout.column_width("Comment", [comment], text=True) == table_layout.TEXT_MAX_PX
    big = "9" * 60
    assert table_layout.column_width("Revenue", [big], text=False) >= 60 * 6.96 + 16


def test_an_empty_column_keeps_a_minimum_width():
    assert table_layout.column_width("", [], text=True) == table_layout.MIN_PX


def test_only_tables_wider_than_the_screen_pin_their_first_column():
    assert table_layout.is_wide([800, 700])  # 1,500 px > the 1,429 px main block
    assert not table_layout.is_wide([700, 700])


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_scorecard_columns_fit_their_widest_value(app, lang):  # noqa: F811
    """Every scorecard column is at least as wide as its widest cell and header as drawn
    (the page's own values, estimated), and on a 1920 px screen the grid of the demo fits
    without a sideways scroll (main block 1,429 px in Chromium), so no column is pinned."""
    at = app("managers", lang)
    grid = at.dataframe[0]
    config = {key: column for key, column in json.loads(grid.proto.columns).items() if "label" in column}
    shown = grid.value
    hours = i18n.t("col.hours", lang)
    assert shown[hours].dtype.kind == "f"  # values stay numbers underneath
    widest_hours = max(shown[hours].tolist())
    assert config[hours]["width"] >= table_layout.text_px(i18n.fmt_metric("hours", widest_hours, lang, "RUB")) + 16
    for label, column in config.items():
        assert column["width"] >= table_layout.text_px(label) + 16, label
    assert next(iter(config)) == i18n.t("col.manager", lang)
    assert sum(column["width"] for column in config.values()) <= 1429
    assert not any(column["pinned"] for column in config.values())
