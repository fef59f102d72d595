"""The rules a canonical file's text cells are typed by, in one place: the shapes a value may
have, the words a boolean may be, the encoding, and the reasons a row is rejected. Both typings follow them:
pandas (``warehouse.ingest``: mapped exports, Parquet, DataFrames) and DuckDB SQL
(``warehouse.sqltyping``: canonical CSV files)."""

import pyarrow as pa

RAW_LIMIT = 200  # characters of a rejected value kept in a reject record
REJECTS_KEPT = 10_000  # problems an ImportResult carries (all of them go to the rejects table)

TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
NUMBER_PATTERN = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
INTEGER_PATTERN = r"[+-]?\d{1,9}"
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")
# The timestamps both typings accept: pandas holds a shape-matching value at microseconds
# (years 1 to 9999); DuckDB would also take years BC and after 9999.
EARLIEST_TIMESTAMP = "0001-01-01 00:00:00"
LATEST_TIMESTAMP = "9999-12-31 23:59:59.999999"

MISSING_REQUIRED = "missing required value"
BAD_TIMESTAMP = "not a timestamp (expected YYYY-MM-DD[ HH:MM[:SS]])"
BAD_NUMBER = "not a number (expected digits with a dot decimal, e.g. 1234.50)"
BAD_INTEGER = "not a whole number"
BAD_BOOLEAN = "not a boolean (expected true/false/1/0/yes/no)"
COUNTS_DIFFER = "the rows read do not add up to the records in the file (often a stray quote mark)"
NO_ROWS = "the file has column names but no rows"


def outside_range(column: str, low: int, high: int) -> str:
    return f"{column} outside {low}..{high}"


def unknown_value(allowed: tuple[str, ...]) -> str:
    return f"unknown value (expected one of: {', '.join(allowed)})"


def is_utf8(data: bytes) -> bool:
    """Strict UTF-8 (the only text a canonical file may be)? Checked by Arrow, vectorised: ~20×
    faster than decoding in Python."""
    offsets = pa.array([0, len(data)], pa.int64()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True
