"""Files the app hands back (CSV, XLSX) made safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or a
full-width ``＝ ＋ － ＠``) would be taken as a formula by Excel or LibreOffice ("CSV
injection"); such cells get a leading single quote. Only text columns are touched: numbers,
dates and booleans keep their types, so a negative amount stays a negative number.
Pure: no Streamlit, no I/O beyond the bytes returned.
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# What each language's spreadsheet opens directly: Russian Excel expects ";" and a decimal comma.
CSV_DIALECT = {"en": {"sep": ",", "decimal": "."}, "ru": {"sep": ";", "decimal": ","}}


def _is_text(values: pd.Series) -> bool:
    return (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
            or isinstance(values.dtype, pd.CategoricalDtype))


def _neutralised(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot start a formula (grain and columns unchanged)."""
    out = df.copy()
    for column in out.columns:
        if _is_text(out[column]):
            values = out[column]
            if isinstance(values.dtype, pd.CategoricalDtype):  # categories may be formulas too
                values = values.astype(object)
            out[column] = values.map(_neutralised, na_action="ignore")
    return out


def csv_bytes(df: pd.DataFrame, lang: str) -> bytes:
    """``df`` as UTF-8 CSV with a BOM, in the separator and decimal mark of ``lang``."""
    dialect = CSV_DIALECT[lang]
    text = safe_frame(df).to_csv(index=False, sep=dialect["sep"], decimal=dialect["decimal"],
                                 lineterminator="\r\n")
    return text.encode("utf-8-sig")


def sheet_name(name: str, taken: set[str] = frozenset()) -> str:
    """``name`` as a valid, unused Excel sheet name: no []:*?/\\, at most 31 characters."""
    base = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'") or "Sheet"
    candidate, n = base[:SHEET_NAME_MAX], 1
    while candidate.lower() in {t.lower() for t in taken}:
        n += 1
        suffix = f" ({n})"
        candidate = base[:SHEET_NAME_MAX - len(suffix)] + suffix
    return candidate


def _cell_value(value):
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars → Python
        return value.item()
    return value


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per frame: text as strings (never formulas), numbers as numbers."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for name, df in sheets.items():
        title = sheet_name(name, taken)
        taken.add(title)
        sheet = book.create_sheet(title)
        safe = safe_frame(df)
        sheet.append([_as_text_cell(sheet, str(c)) for c in safe.columns])
        for row in safe.itertuples(index=False, name=None):
            sheet.append([_as_text_cell(sheet, v) if isinstance(v, str) else _cell_value(v)
                          for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _as_text_cell(sheet, value: str):
    """A cell holding ``value`` as a string: openpyxl would make any "=…" str a formula."""
    from openpyxl.cell.cell import Cell

    cell = Cell(sheet)
    cell.value = value
    cell.data_type = "s"
    return cell
