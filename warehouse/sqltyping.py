"""Typing a canonical CSV's text cells (or a canonical Parquet file's columns) in DuckDB SQL, by
the rules of ``warehouse.cellrules``.

The pandas typing in ``warehouse.ingest`` builds a Python-level string per cell; this one runs
the same rules inside DuckDB (multi-threaded, on the Arrow columns as read), which is what makes
a 10-million-row import affordable. tests/test_sqltyping.py checks the two agree cell by cell.

Identifiers in the SQL are the positions of the spec's columns (``t0``, ``v0``…), never the
file's headers; the patterns, words and bounds are bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from warehouse import parallel
from warehouse.cellrules import (
    BAD_BOOLEAN, BAD_INTEGER, BAD_NUMBER, BAD_TIMESTAMP, FALSE_WORDS, INTEGER_PATTERN, MISSING_REQUIRED,
    NUMBER_PATTERN, RAW_LIMIT, TIMESTAMP_PATTERN, TRUE_WORDS, outside_range, unknown_value,
)

# Arrow tables reach the SQL by name: a local variable of the calling function named as the
# table in the query (DuckDB's replacement scan), not ``register``. A registered table is a
# temporary view that keeps its Arrow data alive until the transaction ends (duckdb-python
# issue #469): every chunk of a 10M-row import stayed in memory (+300 MB per 2M rows, /proc
# RssAnon per chunk); by name, a chunk's memory is freed with it. warehouse.ingest does the same.

# What Python's str.strip() removes (str.isspace), so both typings trim the same characters.
WHITESPACE = "".join(ch for ch in map(chr, range(0x110000)) if ch.isspace())

_PARAMETERS = {
    "timestamp": TIMESTAMP_PATTERN, "number": NUMBER_PATTERN, "integer": INTEGER_PATTERN,
    "true_words": list(TRUE_WORDS), "false_words": list(FALSE_WORDS),
}

# sql type → (the parsed value of trimmed text t, or NULL when it does not parse; the reason)
_PARSE = {
    "VARCHAR": ("nullif({t}, '')", ""),
    # The pattern allows years 0000-9999; DuckDB reads 0000 as 1 BC and hour 24 as the next
    # day's midnight, pandas refuses both: so years 0001-9999 (EARLIEST/LATEST_TIMESTAMP).
    "TIMESTAMP": ("CASE WHEN regexp_full_match({t}, $timestamp) AND NOT starts_with({t}, '0000') "
                  "AND NOT (length({t}) > 10 AND substr({t}, 12, 2) = '24') "
                  "THEN try_cast({t} AS TIMESTAMP) END", BAD_TIMESTAMP),
    # The pattern allows no inf or nan, but an overflow (1e400) casts to ±inf: refused. The
    # cast of the CASE, not a CASE of casts: DuckDB then casts and compares whole vectors
    # (2M cells: 0.11 → 0.07 s a column).
    "DOUBLE": ("nullif(nullif(try_cast(CASE WHEN regexp_full_match({t}, $number) THEN {t} END AS DOUBLE), "
               "'inf'::DOUBLE), '-inf'::DOUBLE)", BAD_NUMBER),
    "INTEGER": ("CASE WHEN regexp_full_match({t}, $integer) THEN try_cast({t} AS INTEGER) END", BAD_INTEGER),
    "BOOLEAN": ("CASE WHEN list_contains($true_words, lower({t})) THEN true "
                "WHEN list_contains($false_words, lower({t})) THEN false END", BAD_BOOLEAN),
}


class _Kind(NamedTuple):
    """How a column already of its type (a Parquet file's) is taken: which Arrow types it takes
    as they are (text of any type is parsed instead); its text {c} as the pandas typing shows it
    in a reject (a float NaN is missing there, so ''); its value, or NULL when refused."""

    takes: Callable
    text: str
    value: str


_TYPED = {
    "TIMESTAMP": _Kind(lambda t: pat.is_timestamp(t) or pat.is_date32(t),  # a date: its midnight
                       "coalesce(CAST({c} AS VARCHAR), '')", "CAST({c} AS TIMESTAMP)"),
    "DOUBLE": _Kind(lambda t: pat.is_float32(t) or pat.is_float64(t) or pat.is_integer(t) or pat.is_decimal128(t),
                    "CASE WHEN isnan(CAST({c} AS DOUBLE)) THEN '' ELSE coalesce(CAST({c} AS VARCHAR), '') END",
                    "CASE WHEN isfinite(CAST({c} AS DOUBLE)) THEN CAST({c} AS DOUBLE) END"),
    "INTEGER": _Kind(pat.is_integer, "coalesce(CAST({c} AS VARCHAR), '')", "try_cast({c} AS INTEGER)"),
    "BOOLEAN": _Kind(pat.is_boolean, "coalesce(CAST({c} AS VARCHAR), '')", "{c}"),
}


def _is_text(arrow_type) -> bool:
    return pat.is_string(arrow_type) or pat.is_large_string(arrow_type) or pat.is_null(arrow_type) or (
        pat.is_dictionary(arrow_type) and _is_text(arrow_type.value_type))


def takes(spec, present: list[str], schema: pa.Schema) -> bool:
    """Can :func:`type_cells` type these columns (``present``: their canonical names) by the
    pandas typing's rules — each one text, or of its column's own kind (timestamps or dates;
    numbers, decimals included; integers; booleans)? Anything else (a number for a text
    column…) is left to that typing."""
    kinds = [_TYPED.get(spec.columns[column]) for column in present]
    return all(_is_text(field.type) or (kind is not None and kind.takes(field.type))
               for kind, field in zip(kinds, schema))


@dataclass
class TypedChunk:
    """Good rows (schema order + ``_record``), one reject row per problem, the rows rejected."""

    good: pa.Table
    rejects: pd.DataFrame
    rows_rejected: int


@dataclass(frozen=True)
class _Check:
    flag: str     # SQL over the parsed layer: true where the row has this problem
    position: int  # the spec column's position (t<position> is its trimmed text)
    reason: str


def _layers(spec, present: list[str], typed: frozenset[str]) -> tuple[str, list[str], list[_Check], dict]:
    """SQL over ``_text`` (cells c<i>: trimmed text, or a value of its column's type for the
    columns named in ``typed``; ``_record``) → (the WITH clause of layer ``parsed``: text t<i>
    and parsed value r<i> of each spec column present, the value expressions in schema order,
    the checks in the pandas typing's order, the parameters)."""
    parameters = dict(_PARAMETERS)
    trimmed, parsed, values, checks = [], [], [], []
    for i, (column, sql_type) in enumerate(spec.columns.items()):
        if column not in present:  # optional column absent from the file
            values.append(f"CAST(NULL AS {sql_type}) AS v{i}")
            continue
        cell = f"c{present.index(column)}"
        reason = _PARSE[sql_type][1]
        if column in typed:
            kind = _TYPED[sql_type]
            trimmed.append(f"{kind.text.format(c=cell)} AS t{i}, {cell} AS k{i}")
            parsed.append(f"{kind.value.format(c=f'k{i}')} AS r{i}")
        else:
            trimmed.append(f"{cell} AS t{i}")
            expression = _PARSE[sql_type][0].format(t=f"t{i}")
            # an enum's value is its lowered text (lowered once, here)
            parsed.append(f"{f'lower({expression})' if column in spec.enums else expression} AS r{i}")
        unparseable = f"(t{i} <> '' AND r{i} IS NULL)"
        value = f"r{i}"
        if column in spec.enums:
            parameters[f"allowed{i}"] = list(spec.enums[column])
            checks.append(_Check(f"(r{i} IS NOT NULL AND NOT list_contains($allowed{i}, r{i}))", i,
                                 unknown_value(spec.enums[column])))
            value = f"CASE WHEN list_contains($allowed{i}, r{i}) THEN r{i} END"
        if column in spec.ranges:
            low, high = spec.ranges[column]
            parameters[f"low{i}"], parameters[f"high{i}"] = low, high
            checks.append(_Check(f"(r{i} < $low{i} OR r{i} > $high{i})", i, outside_range(column, low, high)))
            value = f"CASE WHEN r{i} BETWEEN $low{i} AND $high{i} THEN r{i} END"
        if column in spec.required:
            checks.append(_Check(f"(r{i} IS NULL AND NOT {unparseable})", i, MISSING_REQUIRED))
        if reason:
            checks.append(_Check(unparseable, i, reason))
        values.append(f"{value} AS v{i}")
    parsed_sql = (f"WITH trimmed AS (SELECT _record, {', '.join(trimmed)} FROM _text), "
                  f"parsed AS (SELECT *, {', '.join(parsed)} FROM trimmed) ")
    return parsed_sql, values, checks, parameters


def _used(query: str, parameters: dict) -> dict:
    """The parameters a query names (DuckDB refuses unused ones)."""
    return {name: parameters[name] for name in set(re.findall(r"\$(\w+)", query))}


def type_cells(cur, spec, cells: pa.Table, present: list[str], lines: np.ndarray, first_record: int) -> TypedChunk:
    """Cells of well-formed records (columns in the file's order = ``present``; ``lines``: the
    file line of each; ``_record`` numbers them from ``first_record``) → typed good rows and the
    problems, as the pandas typing would give them. Text (a CSV's cells; a missing one is empty)
    is trimmed by Arrow (DuckDB's trim with a character set is ~100× slower), a column per core,
    then parsed. A column already of its kind (a Parquet batch that :func:`takes` accepts) is
    taken as it is, as the pandas typing takes it: a timestamp with a time zone as its wall time
    there, a number that is not finite refused as "inf" in text is, a float NaN missing."""
    as_typed = frozenset(c for c, field in zip(present, cells.schema) if not _is_text(field.type))
    parsed, values, checks, parameters = _layers(spec, present, as_typed)
    columns = {f"c{i}": column for i, column in enumerate(parallel.mapped(
        lambda i: _cell_column(cells.column(i), present[i] in as_typed), range(len(present))))}
    columns["_record"] = pa.array(np.arange(first_record, first_record + len(cells), dtype=np.int64))
    any_problem = " OR ".join(f"coalesce({check.flag}, false)" for check in checks) or "false"
    query = f"{parsed} SELECT {', '.join(values)}, _record, {any_problem} AS _bad FROM parsed"
    _text = pa.table(columns)  # read by name in the SQL (see the note on replacement scans above)
    # one Arrow chunk: an INSERT from DuckDB's default 131,072-row batches leaves its row groups
    # to be written again at the next checkpoint (1M rows: ~0.7 s; 10M: 5.9 s at close)
    typed = cur.sql(query, params=_used(query, parameters)).to_arrow_table(
        batch_size=chunk_rows(len(cells), cells.nbytes))
    bad = typed.column("_bad")
    rejected = pc.sum(bad).as_py() or 0
    good = typed.filter(pc.invert(bad)) if rejected else typed
    rejects = _no_rejects()
    if rejected:  # run here too: the SQL reads _text by name from this function's variables
        problems = _problems_query(spec, parsed, checks, present)
        rejects = _rejects(spec, checks, lines, first_record,
                           cur.sql(problems, params=_used(problems, parameters)).df())
    good = good.drop_columns(["_bad"]).rename_columns([*spec.columns, "_record"])
    return TypedChunk(good, rejects, int(rejected))


def _cell_column(column: pa.ChunkedArray, typed: bool) -> pa.ChunkedArray:
    """A column as the SQL reads it: text trimmed (nulls as ''); a timestamp with a time zone
    as its wall time there, without the zone (pandas' tz_localize(None)); others as they are."""
    if not typed:
        text = column.cast(pa.string()) if not pat.is_string(column.type) else column
        return pc.utf8_trim(pc.fill_null(text, "") if text.null_count else text, characters=WHITESPACE)
    if pat.is_timestamp(column.type) and column.type.tz is not None:
        return pc.local_timestamp(column)
    return column


def chunk_rows(rows: int, text_bytes: int, limit: int = 1 << 30) -> int:
    """Rows per Arrow chunk of a typed part: all of them, unless its text passes ``limit``
    (1 GB) — then as few chunks as keep each under it: a string column's offsets are 32-bit."""
    return max(1, rows if text_bytes <= limit else rows * limit // text_bytes)


def _no_rejects() -> pd.DataFrame:
    return pd.DataFrame({"line": [], "column": [], "reason": [], "raw": []})


def _problems_query(spec, parsed: str, checks: list[_Check], present: list[str]) -> str:
    """SQL of one row per problem (_record, the column's place in the file, the check's number k,
    raw trimmed text ≤ RAW_LIMIT), ordered by record, then place, then the order the pandas
    typing finds them."""
    columns = list(spec.columns)
    parts = " UNION ALL ".join(
        f"SELECT _record, {present.index(columns[check.position])} AS place, {k} AS k, "
        f"left(t{check.position}, {RAW_LIMIT}) AS raw FROM parsed WHERE coalesce({check.flag}, false)"
        for k, check in enumerate(checks)
    )
    return f"{parsed} SELECT * FROM ({parts}) ORDER BY _record, place, k"


def _rejects(spec, checks: list[_Check], lines: np.ndarray, first_record: int, found: pd.DataFrame) -> pd.DataFrame:
    """The problems found by :func:`_problems_query` → one row per problem (line, column, reason,
    raw), in its order."""
    columns = list(spec.columns)
    k = found["k"].to_numpy()
    return pd.DataFrame({
        "line": lines[found["_record"].to_numpy() - first_record],
        "column": [columns[checks[j].position] for j in k],
        "reason": [checks[j].reason for j in k],
        "raw": found["raw"].to_numpy(dtype=object),
    })
