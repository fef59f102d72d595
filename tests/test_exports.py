"""exports: formula payloads neutralised in text columns only; CSV and XLSX read back exactly."""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
import tomllib

import openpyxl
import pandas as pd
import pytest

import exports

ROOT = pathlib.Path(__file__).resolve().parent.parent

NAMES = ["=1+1", "+7 999", "-5", "@SUM(A1)", "\t=x", "\r=x", "＝1", "<b>bold</b>", "**md**",
         "Acme Ltd", "ООО Ромашка", None]
SAFE_NAMES = ["'=1+1", "'+7 999", "'-5", "'@SUM(A1)", "'\t=x", "'\r=x", "'＝1", "<b>bold</b>",
              "**md**", "Acme Ltd", "ООО Ромашка", None]
AMOUNTS = [-5.0, 1234.5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, None]
COUNTS = [-5, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]


def payload_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "client_name": NAMES,
        "amount": AMOUNTS,
        "visits": COUNTS,
        "paid_at": [pd.Timestamp(2024, 1, d) for d in range(1, 13)],
        "is_resolved": [True, False] * 6,
    })


def test_safe_frame_prefixes_text_cells_that_start_a_formula():
    df = payload_frame()
    safe = exports.safe_frame(df)
    assert safe["client_name"].iloc[:11].tolist() == SAFE_NAMES[:11]
    assert pd.isna(safe["client_name"].iloc[11])


def test_safe_frame_leaves_numbers_dates_and_booleans_alone():
    df = payload_frame()
    safe = exports.safe_frame(df)
    assert safe["amount"].iloc[:2].tolist() == [-5.0, 1234.5]
    assert pd.isna(safe["amount"].iloc[11])
    assert safe["visits"].tolist()[:2] == [-5, 3]
    assert safe["visits"].dtype == "int64" and safe["amount"].dtype == "float64"
    assert safe["paid_at"].tolist() == df["paid_at"].tolist()
    assert safe["is_resolved"].dtype == bool
    assert df["client_name"].iloc[0] == "=1+1"  # the input is not changed


def test_safe_frame_handles_pandas_string_dtype():
    df = pd.DataFrame({"name": pd.array(["-x", "y", None], dtype="string")})
    safe = exports.safe_frame(df)
    assert safe["name"].iloc[0] == "'-x" and safe["name"].iloc[1] == "y"
    assert pd.isna(safe["name"].iloc[2])


def test_safe_frame_neutralises_categorical_text():
    df = pd.DataFrame({"segment": pd.Categorical(["=A", "SMB", "=A"])})
    assert exports.safe_frame(df)["segment"].tolist() == ["'=A", "SMB", "'=A"]


def _parse_csv(data: bytes, sep: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))


@pytest.mark.parametrize("lang, sep, amount_cells", [
    ("en", ",", ["-5.0", "1234.5"]),
    ("ru", ";", ["-5,0", "1234,5"]),
])
def test_csv_bytes_reads_back_exactly(lang, sep, amount_cells):
    rows = _parse_csv(exports.csv_bytes(payload_frame(), lang), sep)
    assert rows[0] == ["client_name", "amount", "visits", "paid_at", "is_resolved"]
    assert len(rows) == 13
    assert [r[0] for r in rows[1:]] == SAFE_NAMES[:11] + [""]
    assert [r[1] for r in rows[1:3]] == amount_cells
    assert rows[12][1] == ""  # a missing amount stays empty
    assert [r[2] for r in rows[1:3]] == ["-5", "3"]
    assert rows[1][3] == "2024-01-01" and rows[1][4] == "True"


def test_csv_bytes_ru_separator_and_line_ends():
    data = exports.csv_bytes(pd.DataFrame({"a": ["x"], "b": [1.5]}), "ru")
    assert data == "\ufeffa;b\r\nx;1,5\r\n".encode("utf-8")
    data = exports.csv_bytes(pd.DataFrame({"a": ["x"], "b": [1.5]}), "en")
    assert data == "\ufeffa,b\r\nx,1.5\r\n".encode("utf-8")


def test_xlsx_bytes_has_no_formula_cells_and_exact_values():
    data = exports.xlsx_bytes({"Clients": payload_frame(), "Second": pd.DataFrame({"x": ["=2"]})})
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Clients", "Second"]
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    sheet = book["Clients"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["client_name", "amount", "visits", "paid_at", "is_resolved"]
    # XML reads a bare CR back as LF (line-end normalisation); the quote is still first.
    assert [r[0] for r in rows[1:]] == [v.replace("\r", "\n") if v else v for v in SAFE_NAMES]
    assert rows[1][1:] == [-5, -5, dt.datetime(2024, 1, 1), True]
    assert rows[2][1:] == [1234.5, 3, dt.datetime(2024, 1, 2), False]
    assert rows[12][1] is None
    assert [sheet.cell(row=2, column=c).data_type for c in range(1, 6)] == ["s", "n", "n", "d", "b"]
    assert book["Second"]["A2"].value == "'=2" and book["Second"]["A2"].data_type == "s"


def test_xlsx_header_that_looks_like_a_formula_stays_text():
    data = exports.xlsx_bytes({"s": pd.DataFrame({"=HYPERLINK(1)": [1]})})
    cell = openpyxl.load_workbook(io.BytesIO(data))["s"]["A1"]
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(1)"


@pytest.mark.parametrize("name, taken, expected", [
    ("a/b:c*d?e[f]g\\h", set(), "a_b_c_d_e_f_g_h"),
    ("x" * 40, set(), "x" * 31),
    ("Data", {"data"}, "Data (2)"),
    ("", set(), "Sheet"),
])
def test_sheet_name_is_valid_for_excel(name, taken, expected):
    assert exports.sheet_name(name, taken) == expected


def test_builtin_dataframe_download_stays_disabled():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
