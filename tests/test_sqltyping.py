"""The SQL typing of canonical CSV cells (warehouse.sqltyping) against the pandas typing
(warehouse.ingest.frame_chunk) as the oracle: same good rows, same rejects, same order."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse import ingest, sqltyping
from warehouse.ingest import TABLES

PADDING = st.text(alphabet=st.sampled_from(" \t\u00a0\u2003\x1c\u3000"), max_size=2)


def _digits(low: int, high: int):
    return st.integers(low, high).map(lambda n: f"{n:0{len(str(high))}d}")


TIMESTAMPS = st.builds(
    lambda y, mo, d, sep, h, mi, s, frac, shape: (
        f"{y}-{mo}-{d}" if shape == 0 else f"{y}-{mo}-{d}{sep}{h}:{mi}" if shape == 1
        else f"{y}-{mo}-{d}{sep}{h}:{mi}:{s}{frac}"),
    st.sampled_from(["0000", "0001", "1600", "2024", "9999", "24"]),
    _digits(0, 13), _digits(0, 32), st.sampled_from([" ", "T", "_"]),
    _digits(0, 25), _digits(0, 61), _digits(0, 61),
    st.sampled_from(["", ".", ".5", ".123456", ".1234567"]), st.integers(0, 2),
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**12, 10**12).map(str),
    st.sampled_from(["5.", ".5", "+2", "-0", "1e400", "-1e400", "1e-400", "1,5", "1 000", "0x10", "nan", "inf", "٣",
                     "1.2.3", "e5", "+", "-.e1", "00012", "1E5"]),
)
INTEGERS = st.one_of(
    st.integers(-10**10, 10**10).map(str),
    st.sampled_from(["+7", "-0", "7.0", "1e1", "٣", "10", "11", "-1", "999999999", "1000000000"]),
)
BOOLEANS = st.sampled_from(["true", "TRUE", "False", "1", "0", "yes", "No", "y", "t", "да", "2", "İ"])
OTHER_TEXT = st.text(max_size=6)


def _cells(spec, column: str):
    sql_type = spec.columns[column]
    shaped = {"TIMESTAMP": TIMESTAMPS, "DOUBLE": NUMBERS, "INTEGER": INTEGERS, "BOOLEAN": BOOLEANS,
              "VARCHAR": st.sampled_from(spec.enums.get(column, ("Анна", "a"))).map(
                  lambda w: w.upper() if len(w) % 2 else w)}[sql_type]
    value = st.one_of(shaped, shaped, st.just(""), OTHER_TEXT)
    return st.builds(lambda left, v, right: f"{left}{v}{right}", PADDING, value, PADDING)


@st.composite
def text_tables(draw):
    spec = TABLES[draw(st.sampled_from(["interactions", "nps_responses", "payments"]))]
    optional = [c for c in spec.columns if c not in spec.required]
    present = list(spec.required) + draw(st.lists(st.sampled_from(optional), unique=True))
    present = draw(st.permutations(present))
    rows = draw(st.integers(1, 8))
    columns = {c: draw(st.lists(_cells(spec, c), min_size=rows, max_size=rows)) for c in present}
    return spec, present, columns


def _typed(spec, cells: pa.Table, present, lines):
    con = duckdb.connect()
    try:
        return sqltyping.type_cells(con.cursor(), spec, cells, present, lines, 0)
    finally:
        con.close()


def _sql(spec, present, columns, lines):
    return _typed(spec, pa.table({c: pa.array(columns[c], pa.string()) for c in present}), present, lines)


@settings(max_examples=200, deadline=None)
@given(table=text_tables())
def test_sql_typing_gives_the_pandas_typings_rows_and_rejects(table):
    spec, present, columns = table
    rows = len(columns[present[0]])
    lines = np.arange(2, rows + 2, dtype=np.int64) * 3  # any increasing file lines
    oracle = ingest.frame_chunk(spec, pd.DataFrame(columns, dtype=object), lines)

    typed = _sql(spec, present, columns, lines)

    assert typed.rows_rejected == oracle.rows_rejected
    assert typed.good.column_names == oracle.good.column_names
    assert typed.good.schema == oracle.good.schema
    assert typed.good.equals(oracle.good)
    assert typed.rejects.astype(object).values.tolist() == oracle.rejects.astype(object).values.tolist()


# A Parquet file's columns: text (nulls among it), or of the column's own kind with nulls, NaN,
# infinities, time zones and units. The pandas typing is the oracle, read from the batch as
# intake reads it (to_pandas). Its one known flaw is left out: an integer column with a null
# reaches pandas as floats, whose text ("5.0") it then refuses as an integer (tested by hand).
DAYS = st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 12, 31))


def _typed_column(sql_type: str, rows: int):
    def arrays(values, arrow_type):
        return st.lists(values, min_size=rows, max_size=rows).map(lambda v: pa.array(v, arrow_type))

    def missing_or(values):
        return st.one_of(st.none(), values, values)

    if sql_type == "TIMESTAMP":
        units = st.tuples(st.sampled_from(["s", "ms", "us", "ns"]), st.sampled_from([None, "UTC", "Europe/Moscow"]))
        return st.one_of(units.flatmap(lambda unit: arrays(missing_or(DAYS), pa.timestamp(*unit))),
                         arrays(missing_or(DAYS.map(lambda moment: moment.date())), pa.date32()))
    if sql_type == "DOUBLE":
        return st.one_of(arrays(missing_or(st.floats(allow_nan=True, allow_infinity=True, width=64)), pa.float64()),
                         arrays(missing_or(st.integers(-10**15, 10**15)), pa.int64()),
                         arrays(missing_or(st.integers(0, 200)), pa.uint8()),
                         arrays(missing_or(st.floats(allow_nan=True, allow_infinity=True, width=32)), pa.float32()),
                         arrays(missing_or(st.decimals(-10**6, 10**6, places=2)), pa.decimal128(12, 2)))
    if sql_type == "INTEGER":
        return st.one_of(arrays(st.integers(-2**31, 2**31 - 1), pa.int64()), arrays(st.integers(-12, 12), pa.int8()))
    if sql_type == "BOOLEAN":
        return arrays(missing_or(st.booleans()), pa.bool_())
    return arrays(missing_or(st.sampled_from(["Анна", " b ", "call", "CHAT", "new", "\u00a0x"])), pa.string())


@st.composite
def typed_tables(draw):
    spec = TABLES[draw(st.sampled_from(["interactions", "nps_responses", "payments"]))]
    optional = [c for c in spec.columns if c not in spec.required]
    present = draw(st.permutations(list(spec.required) + draw(st.lists(st.sampled_from(optional), unique=True))))
    rows = draw(st.integers(1, 8))
    columns = {}
    for column in present:
        typed = spec.columns[column] != "VARCHAR" and draw(st.booleans())
        columns[column] = draw(_typed_column(spec.columns[column], rows) if typed or spec.columns[column] == "VARCHAR"
                               else st.lists(_cells(spec, column), min_size=rows, max_size=rows).map(pa.array))
    return spec, present, pa.table(columns)


@settings(max_examples=200, deadline=None)
@given(table=typed_tables())
def test_sql_typing_of_typed_columns_gives_the_pandas_typings_rows_and_rejects(table):
    spec, present, cells = table
    assert sqltyping.takes(spec, present, cells.schema)
    lines = np.arange(2, cells.num_rows + 2, dtype=np.int64)
    oracle = ingest.frame_chunk(spec, cells.to_pandas(), lines)

    typed = _typed(spec, cells, present, lines)

    assert typed.rows_rejected == oracle.rows_rejected
    assert typed.good.schema == oracle.good.schema
    assert typed.good.equals(oracle.good)
    assert typed.rejects.astype(object).values.tolist() == oracle.rejects.astype(object).values.tolist()


def test_sql_typing_of_typed_columns_by_hand():
    """A Parquet batch of nps_responses: a zoned timestamp at its wall time, an integer score
    with a null (the pandas typing would read the column as floats and refuse "9.0"); of
    payments: an infinite amount refused, NaN missing."""
    spec = TABLES["nps_responses"]
    cells = pa.table({
        "answered_at": pa.array([dt.datetime(2024, 4, 1, 9, 30), dt.datetime(2024, 4, 1, 21), None, None],
                                pa.timestamp("ms", "Europe/Moscow")),
        "client_id": pa.array([" c1 ", "c2", None, "c4"]),
        "score": pa.array([9, None, 11, 3], pa.int32()),
    })
    present = ["answered_at", "client_id", "score"]
    typed = _typed(spec, cells, present, np.arange(2, 6))

    assert typed.good.select(["answered_at", "client_id", "score", "_record"]).to_pylist() == [
        # 09:30 UTC is 12:30 in Moscow: the wall time there, as pandas' tz_localize(None) keeps it
        {"answered_at": dt.datetime(2024, 4, 1, 12, 30), "client_id": "c1", "score": 9, "_record": 0},
    ]
    assert typed.rows_rejected == 3
    assert typed.rejects.values.tolist() == [
        [3, "score", ingest.MISSING_REQUIRED, ""],
        [4, "answered_at", ingest.MISSING_REQUIRED, ""],
        [4, "client_id", ingest.MISSING_REQUIRED, ""],
        [4, "score", "score outside 0..10", "11"],
        [5, "answered_at", ingest.MISSING_REQUIRED, ""],
    ]
    infinite = pa.table({"paid_at": pa.array([dt.datetime(2024, 1, 1)] * 2), "client_id": pa.array(["a", "b"]),
                         "amount": pa.array([float("inf"), float("nan")])})
    typed = _typed(TABLES["payments"], infinite, ["paid_at", "client_id", "amount"], np.array([2, 3]))
    assert typed.rejects.values.tolist() == [[2, "amount", ingest.BAD_NUMBER, "inf"],
                                             [3, "amount", ingest.MISSING_REQUIRED, ""]]


def test_columns_of_another_kind_are_left_to_the_pandas_typing():
    spec = TABLES["payments"]
    assert sqltyping.takes(spec, ["client_id", "amount"],
                           pa.schema([("client_id", pa.string()), ("amount", pa.int16())]))
    assert sqltyping.takes(spec, ["paid_at"], pa.schema([("paid_at", pa.dictionary(pa.int32(), pa.string()))]))
    assert not sqltyping.takes(spec, ["client_id"], pa.schema([("client_id", pa.int64())]))  # a number for text
    assert sqltyping.takes(spec, ["paid_at", "amount"], pa.schema([("paid_at", pa.date32()),
                                                                   ("amount", pa.decimal128(10, 2))]))
    assert not sqltyping.takes(spec, ["paid_at"], pa.schema([("paid_at", pa.date64())]))
    assert not sqltyping.takes(spec, ["amount"], pa.schema([("amount", pa.decimal256(40, 2))]))
    assert not sqltyping.takes(spec, ["amount"], pa.schema([("amount", pa.float16())]))


def test_sql_typing_by_hand():
    spec = TABLES["nps_responses"]
    present = ["client_id", "answered_at", "score", "comment"]
    columns = {
        "client_id": ["c1", " c2\u00a0", "", "c4", "c5"],
        "answered_at": ["2024-04-01", "2024-04-01 24:00", "2024-02-30", "2024-04-02T09:30", "0000-01-01"],
        "score": ["9", "10", "7", "11", "x"],
        "comment": ["  good ", "", "ok", "", ""],
    }
    lines = np.array([2, 3, 5, 6, 7])

    typed = _sql(spec, present, columns, lines)

    assert typed.good.to_pylist() == [
        {"response_id": None, "answered_at": dt.datetime(2024, 4, 1), "client_id": "c1", "score": 9,
         "comment": "good", "manager": None, "_record": 0},
    ]
    assert typed.rows_rejected == 4
    assert typed.rejects.values.tolist() == [
        [3, "answered_at", ingest.BAD_TIMESTAMP, "2024-04-01 24:00"],
        [5, "client_id", ingest.MISSING_REQUIRED, ""],
        [5, "answered_at", ingest.BAD_TIMESTAMP, "2024-02-30"],
        [6, "score", "score outside 0..10", "11"],
        [7, "answered_at", ingest.BAD_TIMESTAMP, "0000-01-01"],
        [7, "score", ingest.BAD_INTEGER, "x"],
    ]



def test_sql_typing_hands_a_part_back_as_one_arrow_chunk():
    """The typed rows come back as one Arrow chunk, not DuckDB's default 131,072-row batches:
    inserted from many batches, a part's rows were written twice (a million rows: ~0.7 s more
    at the next checkpoint, 5.9 s at 10M when the import's connection closed)."""
    spec = TABLES["managers"]
    names = [f"m{i}" for i in range(200_001)]

    typed = _sql(spec, ["manager"], {"manager": names}, np.arange(2, len(names) + 2, dtype=np.int64))

    assert typed.good.num_rows == 200_001 and typed.good.column("manager").num_chunks == 1
    assert typed.good.column("manager")[200_000].as_py() == "m200000"


def test_a_part_of_more_than_a_gigabyte_of_text_comes_back_in_chunks_under_it():
    assert sqltyping.chunk_rows(200_001, 1_400_000) == 200_001
    assert sqltyping.chunk_rows(2_000_000, 1 << 30) == 2_000_000
    assert sqltyping.chunk_rows(2_000_000, 3 << 30) == 666_666  # 3 GB of text: 3 chunks of ~1 GB
    assert sqltyping.chunk_rows(10, 50 << 30) == 1
    assert sqltyping.chunk_rows(0, 0) == 1  # DuckDB refuses a batch size of 0

@pytest.mark.parametrize("chunk_rows", [2, 3, 100])
def test_import_csv_in_chunks_counts_like_one_chunk(chunk_rows):
    """Repeats across chunks are duplicates; rejects keep their lines in any chunking."""
    body = ("payment_id,paid_at,client_id,amount\n"
            "p1,2024-01-01,c1,10\np2,2024-01-02,c1,x\np1,2024-01-01,c1,10\n"
            "p3,2024-01-03,c2,5\np3,2024-01-03,c2,5\np4,,c2,1\np5,2024-01-05,c3,2.5\n").encode()

    counts, rejects, stored = _import(body, chunk_rows)

    assert counts == ("committed", 7, 3, 2, 2)
    assert [(line, column) for line, column, _reason, _raw in rejects] == [(3, "amount"), (7, "paid_at")]
    assert stored == [("p1", "c1", 10.0), ("p3", "c2", 5.0), ("p5", "c3", 2.5)]


RECORDS = st.lists(st.one_of(
    st.builds(lambda i, d, a: f"p{i},2024-01-{d:02d},c{i % 3},{a}", st.integers(1, 6), st.integers(1, 28),
              st.sampled_from(["10", "2.5", "x", ""])),
    st.just(""),                                      # a blank line: not a record
    st.just('p9,2024-01-02,"c\n9",7'),                # a quoted newline
    st.just("p8,2024-01-03,c1"),                      # too few fields
    st.just("p7,2024-01-04,c1,1,extra"),              # too many
), min_size=1, max_size=10)


def _import(body: bytes, chunk_rows: int):
    from warehouse.connection import connect

    con = connect(":memory:")
    try:
        result = ingest.import_csv(con, body, file_name="p.csv", accept_partial=True, chunk_rows=chunk_rows)
        stored = con.execute("SELECT payment_id, client_id, amount FROM payments ORDER BY ALL").fetchall()
    finally:
        con.close()
    return ((result.status, result.rows_read, result.rows_inserted, result.rows_duplicate, result.rows_rejected),
            [(r.line, r.column, r.reason, r.raw) for r in result.rejects], stored)


@settings(max_examples=60, deadline=None)
@given(records=RECORDS, chunk_rows=st.integers(1, 3))
def test_import_csv_read_in_parts_gives_what_one_part_gives(records, chunk_rows):
    body = ("payment_id,paid_at,client_id,amount\n" + "\n".join(records) + "\n").encode()
    assert _import(body, chunk_rows) == _import(body, 1000)
