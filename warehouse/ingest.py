"""Importing canonical CSV files and DataFrames into the canonical tables, one transaction each.

A file's bytes are hashed (the same bytes are never imported twice), decoded as UTF-8, parsed
by pandas as text and typed here with explicit rules (DuckDB's sniffer is never trusted), then
staged, deduplicated on its natural key (its id, else ``row_key``: the hash of its values)
and inserted together with its ``imports`` row.
"""

from __future__ import annotations

import array
import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import logging
import mmap
import os
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from warehouse import derived, parallel, sqltyping
from warehouse.cellrules import (  # noqa: F401 (re-exported: the rules' one home is cellrules)
    BAD_BOOLEAN, BAD_INTEGER, BAD_NUMBER, BAD_TIMESTAMP, COUNTS_DIFFER, EARLIEST_TIMESTAMP, FALSE_WORDS,
    INTEGER_PATTERN, LATEST_TIMESTAMP, MISSING_REQUIRED, NO_ROWS, NUMBER_PATTERN, RAW_LIMIT, REJECTS_KEPT,
    TIMESTAMP_PATTERN, TRUE_WORDS, is_utf8, outside_range, unknown_value,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableSpec:
    """One canonical table: columns (in schema order) with their DuckDB types, checks, id column."""

    name: str
    columns: dict[str, str]
    required: tuple[str, ...]
    id_column: str
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "clients",
            {
                "client_id": "VARCHAR", "client_name": "VARCHAR", "manager": "VARCHAR",
                "segment": "VARCHAR", "signed_at": "TIMESTAMP", "churned_at": "TIMESTAMP",
                "budget_amount": "DOUBLE",
            },
            required=("client_id",),
            id_column="client_id",
        ),
        TableSpec(
            "managers",
            {
                "manager": "VARCHAR", "team": "VARCHAR", "lead": "VARCHAR",
                "hired_at": "TIMESTAMP", "left_at": "TIMESTAMP", "weekly_hours": "DOUBLE",
            },
            required=("manager",),
            id_column="manager",
        ),
        TableSpec(
            "interactions",
            {
                "interaction_id": "VARCHAR", "occurred_at": "TIMESTAMP", "client_id": "VARCHAR",
                "manager": "VARCHAR", "channel": "VARCHAR", "direction": "VARCHAR",
                "kind": "VARCHAR", "duration_min": "DOUBLE", "first_response_min": "DOUBLE",
                "resolution_min": "DOUBLE", "is_missed": "BOOLEAN", "is_resolved": "BOOLEAN",
            },
            required=("occurred_at", "client_id"),
            id_column="interaction_id",
            enums={
                "channel": ("call", "email", "meeting", "chat", "messenger", "other"),
                "direction": ("inbound", "outbound"),
                "kind": ("request", "complaint", "upsell", "cross_sell", "renewal", "report",
                         "meeting", "other"),
            },
        ),
        TableSpec(
            "payments",
            {
                "payment_id": "VARCHAR", "paid_at": "TIMESTAMP", "client_id": "VARCHAR",
                "amount": "DOUBLE", "cost_amount": "DOUBLE", "product": "VARCHAR",
                "kind": "VARCHAR", "manager": "VARCHAR",
            },
            required=("paid_at", "client_id", "amount"),
            id_column="payment_id",
            enums={"kind": ("new", "renewal", "upsell", "cross_sell")},
        ),
        TableSpec(
            "nps_responses",
            {
                "response_id": "VARCHAR", "answered_at": "TIMESTAMP", "client_id": "VARCHAR",
                "score": "INTEGER", "comment": "VARCHAR", "manager": "VARCHAR",
            },
            required=("answered_at", "client_id", "score"),
            id_column="response_id",
            ranges={"score": (0, 10)},
        ),
    )
}


@dataclass(frozen=True)
class Reject:
    """One problem found in a file: 1-based line in the file (header = 1), column, reason, raw value."""

    line: int | None
    column: str | None
    reason: str
    raw: str | None


@dataclass
class ImportResult:
    """What an import did. ``status``: 'committed' | 'rejected' | 'duplicate_file'."""

    import_id: int | None
    table_name: str | None
    file_name: str
    rows_read: int
    rows_inserted: int
    rows_duplicate: int
    rows_rejected: int
    status: str
    message: str
    rejects: list[Reject] = field(default_factory=list)  # the first REJECTS_KEPT problems
    rows_skipped: int = 0        # left out on purpose by a preset's row filter (not errors)
    rejects_total: int | None = None  # problems in all (None: len(rejects))
    preset: str | None = None

    @property
    def reconciled(self) -> bool:
        """inserted + duplicate + rejected + skipped == records read."""
        counted = self.rows_inserted + self.rows_duplicate + self.rows_rejected + self.rows_skipped
        return self.status != "committed" or counted == self.rows_read


class EarlierImport(NamedTuple):
    import_id: int
    file_name: str | None
    imported_at: dt.datetime
    imported_by: str | None


class AlreadyImported(Exception):
    """These exact bytes are already imported; ``earlier`` names that import, ``result`` says so."""

    def __init__(self, earlier: EarlierImport, result: ImportResult):
        self.earlier = earlier
        self.result = result
        super().__init__(result.message)


class ReconciliationError(RuntimeError):
    """Counts do not add up (inserted + duplicate + rejected != records): the import is rolled back."""


# ------------------------------------------------------------------------- table detection

def normalise_header(column: str) -> str:
    return str(column).strip().lower()


def detect_table(columns: list[str]) -> str | None:
    """Canonical column names → the table they belong to, or None when unclear.

    Candidates are the tables whose required columns are all present; the one sharing the most
    columns with the file wins (a payments file also has ``client_id``, clients' only
    required column). A tie gives None.
    """
    names = {normalise_header(c) for c in columns}
    scores = {
        spec.name: len(names & spec.columns.keys())
        for spec in TABLES.values()
        if set(spec.required) <= names
    }
    if not scores:
        return None
    best = max(scores.values())
    winners = [name for name, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


# ------------------------------------------------------------------------- typing values

@dataclass
class _Typed:
    """Typed values of one batch plus the (row, column, reason) problems found while typing."""

    values: dict[str, pd.Series]
    problems: list[tuple[np.ndarray, str, str]]  # (bad row positions, column, reason)


def _as_text(values: pd.Series) -> pd.Series:
    """Any series → stripped text, '' where missing."""
    return values.astype("str").fillna("").str.strip()


def _type_column(values: pd.Series, sql_type: str) -> tuple[pd.Series, pd.Series, str]:
    """Raw cells of one column → (typed values, mask of unparseable non-empty cells, reason).

    Already typed input (a DataFrame from :func:`import_frame`) passes through unchanged.
    """
    if sql_type == "TIMESTAMP" and pd.api.types.is_datetime64_any_dtype(values):
        typed = values.dt.tz_localize(None) if values.dt.tz is not None else values
        return typed.astype("datetime64[us]"), pd.Series(False, index=values.index), BAD_TIMESTAMP
    is_number = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if sql_type == "DOUBLE" and is_number:
        typed = values.astype("float64")
        return typed, pd.Series(~np.isfinite(typed) & typed.notna(), index=values.index), BAD_NUMBER
    if sql_type == "INTEGER" and pd.api.types.is_integer_dtype(values):
        return values.astype("Int64"), pd.Series(False, index=values.index), BAD_INTEGER
    if sql_type == "BOOLEAN" and pd.api.types.is_bool_dtype(values):
        return values.astype("boolean"), pd.Series(False, index=values.index), BAD_BOOLEAN

    text = _as_text(values)
    present = text != ""
    if sql_type == "VARCHAR":
        return text.where(present), pd.Series(False, index=values.index), ""
    if sql_type == "TIMESTAMP":
        shaped = text.str.fullmatch(TIMESTAMP_PATTERN)
        typed = pd.to_datetime(text.where(shaped), format="ISO8601", errors="coerce").astype("datetime64[us]")
        typed = typed.where((typed >= EARLIEST_TIMESTAMP) & (typed <= LATEST_TIMESTAMP))
        return typed, present & typed.isna(), BAD_TIMESTAMP
    if sql_type == "DOUBLE":
        shaped = text.str.fullmatch(NUMBER_PATTERN)
        typed = pd.to_numeric(text.where(shaped), errors="coerce").astype("float64")
        return typed, present & ~np.isfinite(typed), BAD_NUMBER  # NaN (unparsed) or overflow
    if sql_type == "INTEGER":
        shaped = text.str.fullmatch(INTEGER_PATTERN)
        typed = pd.to_numeric(text.where(shaped), errors="coerce").astype("Int64")
        return typed, present & typed.isna(), BAD_INTEGER
    if sql_type == "BOOLEAN":
        word = text.str.lower()
        is_true, is_false = word.isin(TRUE_WORDS).to_numpy(bool), word.isin(FALSE_WORDS).to_numpy(bool)
        typed = pd.Series(pd.arrays.BooleanArray(is_true, ~(is_true | is_false)), index=values.index)
        return typed, present & typed.isna(), BAD_BOOLEAN
    raise ValueError(f"unsupported column type {sql_type}")


def _type_batch(spec: TableSpec, raw: pd.DataFrame) -> _Typed:
    """Raw cells (canonical columns, any subset) → typed values of every spec column + problems."""
    n = len(raw)
    values: dict[str, pd.Series] = {}
    problems: list[tuple[np.ndarray, str, str]] = []

    def flag(mask, column: str, reason: str) -> None:
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if positions.size:
            problems.append((positions, column, reason))

    for column, sql_type in spec.columns.items():
        if column not in raw.columns:  # optional column absent from the file (header checked)
            values[column] = pd.Series([None] * n, index=raw.index, dtype="object")
            continue
        typed, unparseable, reason = _type_column(raw[column], sql_type)
        missing = typed.isna() & ~unparseable
        if column in spec.enums:
            allowed = spec.enums[column]
            typed = typed.str.lower()
            unknown = typed.notna() & ~typed.isin(allowed)
            flag(unknown, column, unknown_value(allowed))
            typed = typed.where(~unknown)
        if column in spec.ranges:
            low, high = spec.ranges[column]
            outside = typed.notna() & ((typed < low) | (typed > high))
            flag(outside.fillna(False), column, outside_range(column, low, high))
            typed = typed.where(~outside.fillna(False))
        if column in spec.required:
            flag(missing, column, MISSING_REQUIRED)
        flag(unparseable, column, reason)
        values[column] = typed
    return _Typed(values, problems)


def _reject_frame(typed: _Typed, raw: pd.DataFrame, lines: np.ndarray, extra: list[Reject]) -> pd.DataFrame:
    """Problems (positions per column/reason) → one row per problem: line, column, reason, raw."""
    parts = [
        pd.DataFrame({
            "line": lines[positions],
            "column": column,
            "reason": reason,
            "raw": _as_text(raw[column]).iloc[positions].str.slice(0, RAW_LIMIT).to_numpy(),
        })
        for positions, column, reason in typed.problems
    ]
    if extra:
        parts.append(pd.DataFrame([vars(r) for r in extra]))
    if not parts:
        return pd.DataFrame({"line": [], "column": [], "reason": [], "raw": []})
    order = {name: i for i, name in enumerate(raw.columns)}
    frame = pd.concat(parts, ignore_index=True)
    frame["_order"] = frame["column"].map(order).fillna(-1)
    return frame.sort_values(["line", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def preview_canonical(table: str, rows: pd.DataFrame):
    """Text cells of a canonical file (canonical headers, index = file line) → what
    :func:`import_csv` would make of them: ``(frame, rejects, skipped)`` like
    ``warehouse.mapping.Mapped`` (typed schema columns of the good rows; one reject per problem)."""
    spec = TABLES[table]
    raw = rows.rename(columns=normalise_header)
    typed = _type_batch(spec, raw.reset_index(drop=True))
    lines = raw.index.to_numpy(np.int64)
    rejects = _rejects_list(_reject_frame(typed, raw.reset_index(drop=True), lines, []))
    bad = {r.line for r in rejects}
    frame = pd.DataFrame({c: typed.values[c].to_numpy() for c in spec.columns}, index=raw.index)
    return frame.loc[[line not in bad for line in raw.index]], rejects, []


def _rejects_list(frame: pd.DataFrame) -> list[Reject]:
    return [
        Reject(int(line) if pd.notna(line) else None,
               None if pd.isna(column) else str(column),
               str(reason),
               None if pd.isna(raw) else str(raw))
        for line, column, reason, raw in frame[["line", "column", "reason", "raw"]].itertuples(index=False)
    ]


# ------------------------------------------------------------------------- batches

ARROW_TYPES = {"VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("us"), "DOUBLE": pa.float64(),
               "INTEGER": pa.int32(), "BOOLEAN": pa.bool_()}


def _arrow_frame(spec: TableSpec, typed: _Typed, keep: np.ndarray, records: np.ndarray) -> pa.Table:
    """Typed values of the kept rows → an Arrow table in schema order plus ``_record``."""
    arrays = {
        column: pa.array(typed.values[column][keep], type=ARROW_TYPES[sql_type], from_pandas=True)
        for column, sql_type in spec.columns.items()
    }
    arrays["_record"] = pa.array(records[keep], type=pa.int64())
    return pa.table(arrays)


def _hash_expression(spec: TableSpec) -> str:
    """SQL for sha256 of every column of a row in fixed text formats: the natural key of a row
    without an id.

    Formats are explicit (not DuckDB's default casts) so keys stay stable across versions:
    timestamps ``%Y-%m-%d %H:%M:%S.%f``, doubles ``%.17g``, booleans true/false, NULL ''.
    """
    def text(column: str, sql_type: str) -> str:
        ident = f'"{column}"'
        formatted = {
            "TIMESTAMP": f"strftime({ident}, '%Y-%m-%d %H:%M:%S.%f')",
            "DOUBLE": f"printf('%.17g', {ident})",
            "BOOLEAN": f"CASE WHEN {ident} THEN 'true' ELSE 'false' END",
            "INTEGER": f"CAST({ident} AS VARCHAR)",
        }.get(sql_type, ident)
        return f"coalesce({formatted}, '')"

    joined = ", ".join(text(c, t) for c, t in spec.columns.items())
    return f"sha256(concat_ws(chr(31), {joined}))"


def _key_expression(spec: TableSpec) -> str:
    """SQL for a row's natural key: its id, else the hash of its values (:func:`_hash_expression`)."""
    return f'coalesce("{spec.id_column}", {_hash_expression(spec)})'


def _stored_key(spec: TableSpec, key: str) -> str:
    """SQL for the ``row_key`` stored with a row whose natural key is ``key``: the key of a row
    without an id, NULL where the id column holds it already. A copy of every id was as long
    to write as the id itself (10M interactions: ~1 s of the import). Rows stored before keep
    their copy (then ``row_key`` = the id); lookups match either column (:func:`_store`)."""
    return f'CASE WHEN "{spec.id_column}" IS NULL THEN {key} END'


def _store(cur, spec: TableSpec, frame: pa.Table, import_id: int) -> tuple[int, int, int, int]:
    """Good rows → the table, less repeats in the file and rows already in the table (by
    natural key; the first of repeats, by ``_record``, is kept).

    Returns (repeated in the file, already in the table, new, inserted): the first three are
    counted before the INSERT, which must then insert exactly ``new`` rows. When there is
    neither a repeat nor a known row (a fresh week's export), the rows go straight in; otherwise
    they are staged and flagged first.
    """
    _frame = frame  # noqa: F841 (read by name in the SQL below; sqltyping explains why not register)
    columns = ", ".join(f'"{c}"' for c in spec.columns)
    table, id_column = f'"{spec.name}"', f'"{spec.id_column}"'
    # The table's keys that the file also has: looked up from the table's side, so the hash
    # is built on the file's keys, not on every key the table holds (a week's 200k rows into
    # a 10M table: 0.54 → 0.24 s for the counts). A stored row's key is its id, or its
    # row_key (the hash of a row without id; the id itself in rows stored before).
    ctes = (f"keyed AS (SELECT {columns}, _record, {_key_expression(spec)} AS row_key FROM _frame), "
            f"known AS (SELECT {id_column} AS row_key FROM {table} WHERE {id_column} IN (SELECT row_key FROM keyed) "
            f"UNION ALL SELECT row_key FROM {table} WHERE row_key IN (SELECT row_key FROM keyed))")
    try:
        rows, distinct, known = cur.execute(f"""
            WITH {ctes}
            SELECT count(*), count(DISTINCT row_key), (SELECT count(DISTINCT row_key) FROM known)
            FROM keyed
        """).fetchall()[0]
        repeated, new = int(rows) - int(distinct), int(distinct) - int(known)
        if repeated or known:
            cur.execute(f"""
                CREATE OR REPLACE TEMP TABLE _staged AS
                WITH {ctes}
                SELECT * FROM keyed
                QUALIFY row_number() OVER (PARTITION BY row_key ORDER BY _record) = 1
                    AND row_key NOT IN (SELECT row_key FROM known)
            """)
            source, key = "_staged", "row_key"
        else:
            source, key = "_frame", _hash_expression(spec)
        (inserted,) = cur.execute(
            f"INSERT INTO {table} ({columns}, import_id, row_key) "
            f"SELECT {columns}, $import_id, {_stored_key(spec, key)} FROM {source}",
            {"import_id": import_id},
        ).fetchall()[0]
    finally:
        cur.execute("DROP TABLE IF EXISTS _staged")
    return repeated, int(known), new, int(inserted)


def _write_import_row(cur, result: ImportResult, sha256: str, preset: str | None,
                      imported_by: str | None) -> None:
    cur.execute(
        "INSERT INTO imports (import_id, sha256, file_name, table_name, preset, rows_read, "
        "rows_inserted, rows_duplicate, rows_rejected, rows_skipped, imported_by, imported_at, status, "
        "active_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed', ?)",
        [result.import_id, sha256, result.file_name, result.table_name, preset, result.rows_read,
         result.rows_inserted, result.rows_duplicate, result.rows_rejected, result.rows_skipped, imported_by,
         dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), sha256],
    )


def _write_rejects(cur, import_id: int, rejects: pd.DataFrame) -> None:
    _rejects = pa.table({  # noqa: F841 (read by name in the SQL below; sqltyping explains why not register)
        "line": pa.array(rejects["line"], type=pa.int64(), from_pandas=True),
        "column": pa.array(rejects["column"], type=pa.string(), from_pandas=True),
        "reason": pa.array(rejects["reason"], type=pa.string(), from_pandas=True),
        "raw": pa.array(rejects["raw"], type=pa.string(), from_pandas=True),
    })
    cur.execute('INSERT INTO rejects SELECT $import_id, line, "column", reason, raw FROM _rejects',
                {"import_id": import_id})


# ------------------------------------------------------------------------- earlier imports

def _earlier_import(con, sha256: str) -> EarlierImport | None:
    rows = con.execute(
        "SELECT import_id, file_name, imported_at, imported_by FROM imports WHERE active_sha256 = ?",
        [sha256],
    ).fetchall()
    return EarlierImport(*rows[0]) if rows else None


def _already_imported(earlier: EarlierImport, file_name: str, table: str | None) -> AlreadyImported:
    when = earlier.imported_at.strftime("%Y-%m-%d %H:%M")
    by = f" by {earlier.imported_by}" if earlier.imported_by else ""
    message = (f"{file_name}: this exact file was already imported as import {earlier.import_id} "
               f"('{earlier.file_name}', {when} UTC{by}); nothing changed.")
    result = ImportResult(earlier.import_id, table, file_name, 0, 0, 0, 0, "duplicate_file", message)
    return AlreadyImported(earlier, result)


def check_not_imported(con, sha256: str, file_name: str, table: str | None) -> None:
    cur = con.cursor()
    try:
        earlier = _earlier_import(cur, sha256)
    finally:
        cur.close()
    if earlier is not None:
        raise _already_imported(earlier, file_name, table)


# ------------------------------------------------------------------------- the import

def file_rejected(file_name: str, table: str | None, records: int, reject: Reject) -> ImportResult:
    """A problem with the whole file (encoding, header): every record counts as rejected."""
    where = f"line {reject.line}: " if reject.line else ""
    return ImportResult(
        None, table, file_name, records, 0, 0, records, "rejected",
        f"{file_name}: {where}{reject.reason}; nothing imported.", [reject],
    )


@dataclass
class Chunk:
    """Part of one file, typed and checked: ``good`` rows (schema order + ``_record``, the row's
    file line or position, which orders repeats), ``rejects`` (line, column, reason, raw: one
    row per problem, skipped rows included), and the records it covers."""

    good: pa.Table
    rejects: pd.DataFrame
    records: int
    rows_rejected: int
    rows_skipped: int = 0


def frame_chunk(spec: TableSpec, raw: pd.DataFrame, lines: np.ndarray, structural: list[Reject] = (),
                records: int | None = None) -> Chunk:
    """Rows in canonical columns (text, or already typed: a Parquet batch) with their file lines
    → one Chunk, typed and checked by the canonical rules."""
    raw = raw.reset_index(drop=True)
    raw.columns = [normalise_header(c) for c in raw.columns]
    typed = _type_batch(spec, raw)
    rejects = _reject_frame(typed, raw, lines, list(structural))
    bad = np.zeros(len(raw), dtype=bool)
    for positions, _column, _reason in typed.problems:
        bad[positions] = True
    good = _arrow_frame(spec, typed, ~bad, np.arange(len(raw)))
    records = len(raw) + len(structural) if records is None else records
    return Chunk(good, rejects, records, int(bad.sum()) + len(structural))


def _rejected_result(table: str, file_name: str, records: int, rejected: int, skipped: int,
                     rejects: list[Reject], total: int, preset: str | None) -> ImportResult:
    return ImportResult(
        None, table, file_name, records, 0, 0, rejected, "rejected",
        f"{file_name}: {rejected} of {records} rows rejected; nothing imported. "
        "Fix the rows listed, or accept a partial import.",
        rejects, skipped, total, preset,
    )


def import_chunks(con, spec: TableSpec, chunks, *, file_name: str, sha256: str, records: int,
                  imported_by: str | None, accept_partial: bool, preset: str | None,
                  progress=None) -> ImportResult:
    """Chunks of one file → one transaction: stage each chunk, insert its new rows, store its
    rejects, then log the import and COMMIT — or roll everything back.

    chunks: iterable of :class:`Chunk` (consumed once; a chunk holds ≤ a chunk's rows, so memory
    stays bounded) → ImportResult. ``records`` is counted apart from the parser; the import is
    rolled back (ReconciliationError) unless inserted + duplicate + rejected + skipped == records.
    Any rejected row rolls everything back unless ``accept_partial``. A repeat of a row in an
    earlier chunk counts as a duplicate. ``progress(done, records)`` is called after each chunk.
    """
    chunks = iter(chunks)
    first = next(chunks, None)
    if first is not None and first.rows_rejected and not accept_partial:  # refused before a transaction
        return _refused(spec.name, itertools.chain([first], chunks), file_name=file_name, records=records,
                        preset=preset)
    chunks = itertools.chain([first] if first is not None else [], chunks)
    cur = con.cursor()
    kept: list[pd.DataFrame] = []
    inserted = duplicate = rejected = skipped = problems = done = 0
    try:
        cur.execute("BEGIN TRANSACTION")
        earlier = _earlier_import(cur, sha256)  # again, inside the transaction
        if earlier is not None:
            raise _already_imported(earlier, file_name, spec.name)
        (import_id,) = cur.execute("SELECT nextval('import_id_seq')").fetchall()[0]
        for chunk in chunks:
            repeated, known, new, added = _store(cur, spec, chunk.good, int(import_id))
            if added != new:
                raise ReconciliationError(f"{file_name}: inserted {added}, expected {new}")
            inserted, duplicate = inserted + added, duplicate + repeated + known
            rejected, skipped = rejected + chunk.rows_rejected, skipped + chunk.rows_skipped
            if len(chunk.rejects):
                _write_rejects(cur, int(import_id), chunk.rejects)
                if problems < REJECTS_KEPT:
                    kept.append(chunk.rejects.head(REJECTS_KEPT - problems))
                problems += len(chunk.rejects)
            done += chunk.records
            if progress is not None:
                progress(done, records)
        shown = _rejects_list(pd.concat(kept, ignore_index=True)) if kept else []
        if rejected and not accept_partial:
            _rollback(cur)
            return _rejected_result(spec.name, file_name, records, rejected, skipped, shown, problems, preset)
        if inserted + duplicate + rejected + skipped != records:
            raise ReconciliationError(
                f"{file_name}: inserted {inserted} + duplicate {duplicate} + rejected {rejected} "
                f"+ skipped {skipped} != {records} records"
            )
        skipped_text = f", {skipped} skipped" if skipped else ""
        result = ImportResult(
            int(import_id), spec.name, file_name, records, inserted, duplicate, rejected, "committed",
            f"{file_name} → {spec.name} (import {import_id}): {records} read, "
            f"{inserted} inserted, {duplicate} duplicate, {rejected} rejected{skipped_text}.",
            shown, skipped, problems, preset,
        )
        derived.add_import(cur, spec.name, int(import_id))
        _write_import_row(cur, result, sha256, preset, imported_by)
        try:
            cur.execute("COMMIT")
        except Exception:
            # Another session committed the same bytes first (active_sha256 is UNIQUE)?
            check_not_imported(con, sha256, file_name, spec.name)
            raise
        return result
    except BaseException as exc:
        _rollback(cur)
        if not isinstance(exc, Exception):  # a rerun, a page switch, a stop: say so in the log
            _log_interrupted(con, spec.name, file_name, sha256, records, imported_by, preset)
        raise
    finally:
        cur.close()


def _refused(table: str, chunks, *, file_name: str, records: int, preset: str | None) -> ImportResult:
    """An all-or-nothing import with rejected rows in its first chunk: the rejected result,
    counted over every chunk, without opening a transaction (no import id is used up)."""
    kept: list[pd.DataFrame] = []
    rejected = skipped = problems = 0
    for chunk in chunks:
        rejected, skipped = rejected + chunk.rows_rejected, skipped + chunk.rows_skipped
        if len(chunk.rejects) and problems < REJECTS_KEPT:
            kept.append(chunk.rejects.head(REJECTS_KEPT - problems))
        problems += len(chunk.rejects)
    shown = _rejects_list(pd.concat(kept, ignore_index=True)) if kept else []
    return _rejected_result(table, file_name, records, rejected, skipped, shown, problems, preset)


def _log_interrupted(con, table: str, file_name: str, sha256: str, records: int,
                     imported_by: str | None, preset: str | None) -> None:
    """An import stopped from outside (rerun, page switch) was rolled back: log it as
    'interrupted' (nothing inserted; the same file may be imported again)."""
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        (import_id,) = cur.execute("SELECT nextval('import_id_seq')").fetchall()[0]
        cur.execute(
            "INSERT INTO imports (import_id, sha256, file_name, table_name, preset, rows_read, rows_inserted, "
            "rows_duplicate, rows_rejected, rows_skipped, imported_by, imported_at, status, active_sha256) "
            "VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?, 'interrupted', NULL)",
            [import_id, sha256, file_name, table, preset, records, imported_by,
             dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)])
        cur.execute("COMMIT")
    except Exception:
        _rollback(cur)
        log.exception("could not log the interrupted import of %s", file_name)
    finally:
        cur.close()


def _rollback(cur) -> None:
    try:
        cur.execute("ROLLBACK")
    except Exception:  # no transaction open (failed COMMIT already ended it)
        log.debug("rollback: no open transaction", exc_info=True)


def _read_bytes(path_or_bytes):
    """The file's bytes: a read-only memory map for a path (pages come from the page cache and
    are handed back part by part, see :func:`_release`), else the bytes themselves."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes)
    if isinstance(path_or_bytes, (str, os.PathLike)):
        with open(path_or_bytes, "rb") as file:
            if os.fstat(file.fileno()).st_size == 0:
                return b""
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    return path_or_bytes.read()  # file-like, e.g. an uploaded file


def _release(data, start: int = 0, stop: int | None = None) -> None:
    """Give the pages of a memory-mapped file between ``start`` and ``stop`` back to the system
    (they stay in the page cache; read again, they come back): a 1 GB export then never sits
    whole in the process next to DuckDB's buffer. Bytes in memory: nothing to do."""
    if not isinstance(data, mmap.mmap) or not hasattr(mmap, "MADV_DONTNEED"):
        return  # bytes in memory, or a system without madvise: nothing to hand back
    stop = len(data) if stop is None else stop
    first = start - start % mmap.PAGESIZE
    if stop > first:
        data.madvise(mmap.MADV_DONTNEED, first, stop - first)


class _Scan(NamedTuple):
    """Records of a CSV file as counted before (and apart from) parsing it."""

    header: list[str]
    lines: np.ndarray        # file line where each record starts (header = line 1)
    structural: list[Reject]  # records with more or fewer fields than the header
    well_formed: np.ndarray  # per record: has exactly the header's fields
    widest: int              # most fields in any record
    offsets: np.ndarray | None = None  # byte where each record starts (the fast scan's only)
    quoted_newlines: bool = True  # may a record hold a newline in quotes? (False: the fast scan found none)


def _scan(header: list[str], lines, widths, raw_of) -> _Scan:
    lines, widths = np.asarray(lines, dtype=np.int64), np.asarray(widths, dtype=np.int64)
    well_formed = widths == len(header)
    structural = [
        Reject(int(lines[i]), None, f"expected {len(header)} fields, found {int(widths[i])}", raw_of(i)[:RAW_LIMIT])
        for i in np.flatnonzero(~well_formed)
    ]
    return _Scan(header, lines, structural, well_formed, int(max(widths.max(initial=0), len(header))))


def _scan_csv(text: str) -> _Scan:
    """CSV text → records, read with the csv module (quotes, embedded newlines). Blank lines
    are not records. Raises csv.Error on malformed input."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    if not header:  # empty file or blank first line: no header
        return _Scan([], np.zeros(0, np.int64), [], np.zeros(0, bool), 0)
    lines, widths, rows = array.array("q"), array.array("q"), {}
    previous = reader.line_num
    for row in reader:
        if row:
            if len(row) != len(header):
                rows[len(lines)] = ",".join(row)
            lines.append(previous + 1)
            widths.append(len(row))
        previous = reader.line_num
    return _scan(header, lines, widths, rows.__getitem__)


SCAN_BLOCK = 1 << 24  # bytes compared at a time (per thread): a 1 GB file never needs a 1 GB mask


def _positions(octets: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` occurs in ``octets`` (ascending int64), found block by block on every core."""
    parts = parallel.mapped(lambda i: np.flatnonzero(octets[i:i + SCAN_BLOCK] == byte) + i,
                            range(0, len(octets), SCAN_BLOCK))
    return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)


def _record_ends(octets: np.ndarray, newlines: np.ndarray, delimiter: int = 0x2C) -> np.ndarray | None:
    """The newlines that end a record (outside quoted spans), or None when the quotes are
    irregular. Regular (RFC 4180) means: every span opens a field (after the delimiter — a comma
    unless ``delimiter`` names another byte —, a newline, the start, or a doubled quote) and
    closes it (before the delimiter, a line end, the end, or a doubled quote), so quote parity
    tells fields and records apart exactly as the csv module would. Block by block: an export
    quoting every field has ~10 quotes per record, too many to hold all their positions. The
    quotes of each block are counted first, which gives the parity each block starts with; then
    the blocks are read on every core (at 10M rows the scan took 4.6 s on one). A file without
    quotes ends a record at every newline (10M rows: 0.81 → 0.2 s)."""
    blocks = range(0, len(octets), SCAN_BLOCK)
    counts = parallel.mapped(lambda i: int(np.count_nonzero(octets[i:i + SCAN_BLOCK] == 0x22)), blocks)
    if not any(counts):
        return newlines
    starting = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64) % 2
    found = parallel.mapped(lambda block: _block_record_ends(octets, newlines, *block, delimiter),
                            zip(blocks, starting, counts))
    if any(ends is None for ends in found) or sum(counts) % 2:
        return None
    if sum(len(ends) for ends in found) == len(newlines):  # no quoted newline: all of them
        return newlines
    return np.concatenate(found)


def _block_record_ends(octets: np.ndarray, newlines: np.ndarray, i: int, parity: int, count: int,
                       delimiter: int = 0x2C) -> np.ndarray | None:
    """The record-ending newlines of the block at ``i`` that starts ``parity`` quotes deep and
    holds ``count`` quotes (see :func:`_record_ends`), or None when its quotes are irregular."""
    last = len(octets) - 1
    inside = newlines[np.searchsorted(newlines, i):np.searchsorted(newlines, i + SCAN_BLOCK)]
    if not count:  # no quote here: every newline ends a record, or none does (inside a quoted span)
        return inside if parity == 0 else inside[:0]
    quotes = np.flatnonzero(octets[i:i + SCAN_BLOCK] == 0x22) + i
    opening, closing = quotes[parity::2], quotes[1 - parity::2]
    before, after = octets[np.maximum(opening - 1, 0)], octets[np.minimum(closing + 1, last)]
    if not (((opening == 0) | (before == delimiter) | (before == 0x0A) | (before == 0x22)).all()
            and ((closing == last) | (after == delimiter) | (after == 0x0D) | (after == 0x0A)
                 | (after == 0x22)).all()):
        return None
    return inside[(parity + np.searchsorted(quotes, inside)) % 2 == 0]


def _scan_fast(body: bytes, fields: bool = True, *, delimiter: str = ",", encoding: str = "utf-8") -> _Scan | None:
    """Bytes of a CSV without lone CRs → records, counted with numpy (the fast path); None when
    its quotes are irregular (then the csv module decides). ``fields=False`` skips counting each
    record's fields (the slow part) and takes every record as well-formed: for a reader that
    itself refuses a record of another width.

    A record ends at a newline outside quoted spans (blank lines are not records) and its fields
    are its delimiters outside quoted spans + 1; the bytes compared are ASCII, which never occur
    inside a multi-byte UTF-8 character (nor stand for anything else in a single-byte encoding
    such as cp1251: ``encoding`` decodes the header and misfits).
    """
    octets = np.frombuffer(body, dtype=np.uint8)
    newlines = _positions(octets, 0x0A)
    ends = _record_ends(octets, newlines, ord(delimiter))
    if ends is None:
        return None
    every_newline = len(ends) == len(newlines)  # no quoted newline: record k starts on line k + 1
    if len(octets) and (not len(ends) or ends[-1] != len(octets) - 1):
        ends = np.append(ends, len(octets))  # last record without a newline
    # Arrays of one number per record are written in place, and every record's own array is
    # made only when a blank line or a CR asks for it: an array of 10M numbers is fresh memory
    # from the system, ~0.1 s to fault in (the scan of 10M rows in a fresh process: 2.6–3.3 →
    # 1.8–2.2 s).
    starts = np.empty(len(ends), np.int64)
    starts[:1] = 0
    np.add(ends[:-1], 1, out=starts[1:])
    before = ends - 1
    np.maximum(before, 0, out=before)
    returns = octets[before] == ord("\r")
    del before
    stops = ends - (returns & (ends > starts)) if returns.any() else ends  # drop \r of \r\n
    if not len(ends) or stops[0] == starts[0]:  # empty file or blank first line: no header
        return _Scan([], np.zeros(0, np.int64), [], np.zeros(0, bool), 0)
    header = next(csv.reader([str(body[starts[0]:stops[0]], encoding)], delimiter=delimiter))
    filled = stops > starts
    if filled.all():  # no blank line: the records after the header are rows 1…
        record, offsets = slice(1, None), starts[1:]
        lines = (np.arange(2, len(ends) + 1, dtype=np.int64) if every_newline
                 else np.searchsorted(newlines, offsets) + 1)
    else:
        record = np.flatnonzero(filled)[1:]  # non-blank records after the header
        offsets = starts[record]
        # file line where each record starts
        lines = record + 1 if every_newline else np.searchsorted(newlines, offsets) + 1
    if not fields:
        return _Scan(header, lines.astype(np.int64, copy=False), [], np.ones(len(lines), dtype=bool),
                     len(header), offsets, not every_newline)
    if isinstance(record, slice):
        record = np.arange(1, len(ends))
    commas, quotes = _positions(octets, ord(delimiter)), _positions(octets, 0x22)
    opening, closing = quotes[0::2], quotes[1::2]  # regular: checked above
    widths = np.searchsorted(commas, stops) - np.searchsorted(commas, starts) + 1
    if len(opening):  # commas inside quoted spans do not separate fields
        quoted_commas = np.searchsorted(commas, closing) - np.searchsorted(commas, opening)
        widths -= np.bincount(np.searchsorted(ends, opening), weights=quoted_commas,
                              minlength=len(ends)).astype(np.int64)[:len(ends)]
    return _scan(header, lines, widths[record],
                 lambda i: str(body[starts[record[i]]:stops[record[i]]], encoding))


def _whole(body):
    """The bytes or memory map a view is of (their ``find`` runs at memchr speed)."""
    return body.obj if isinstance(body, memoryview) else body


def _only_crlf(body) -> bool:
    """Every CR is the first half of a CRLF (or there is none)."""
    if _whole(body).find(b"\r") == -1:
        return True
    octets = np.frombuffer(body, dtype=np.uint8)
    returns = _positions(octets, 0x0D)
    return bool((returns < len(octets) - 1).all() and (octets[np.minimum(returns + 1, len(octets) - 1)] == 0x0A).all())


def _scan_bytes(body, fields: bool = True, *, delimiter: str = ",", encoding: str = "utf-8") -> _Scan | None:
    """:func:`_scan_fast` of a file without lone CRs; None when the numpy scan cannot tell its
    records as the csv module would (a lone CR, irregular quotes)."""
    return _scan_fast(body, fields, delimiter=delimiter, encoding=encoding) if _only_crlf(body) else None


def _scan_records(body, fields: bool = True) -> _Scan:
    """CSV (UTF-8 bytes without BOM, or a view of them) → its records, counted apart from pandas
    (``fields``: see :func:`_scan_fast`; the csv module always counts them)."""
    scan = _scan_bytes(body, fields)
    return scan if scan is not None else _scan_csv(str(body, "utf-8"))


def header_problem(spec: TableSpec, header: list[str]) -> Reject | None:
    names = [normalise_header(c) for c in header]
    duplicated = sorted({c for c in names if names.count(c) > 1})
    if duplicated:
        return Reject(1, duplicated[0], "column appears more than once", None)
    unknown = [c for c in names if c not in spec.columns]
    if unknown:
        return Reject(1, unknown[0], f"unknown column for table {spec.name}", None)
    missing = [c for c in spec.required if c not in names]
    if missing:
        return Reject(1, missing[0], "required column missing", None)
    return None


class _FileProblem(Exception):
    """The whole file is unusable (encoding, header, CSV structure); carried to one reject."""

    def __init__(self, reject: Reject, records: int = 0, table: str | None = None):
        super().__init__(reject.reason)
        self.reject, self.records, self.table = reject, records, table


def _utf8_body(data, checked: bool = False) -> memoryview:
    """File bytes (or their memory map) → a view of them without a BOM, checked to be UTF-8 text
    (other encodings: the Upload page). Arrow checks the encoding (SIMD); Python finds the line
    of a bad byte. ``checked``: the caller has read these bytes whole as UTF-8 already."""
    if data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04":
        raise _FileProblem(Reject(None, None, "compressed or Excel file, not CSV text", None))
    body = memoryview(data)[len(codecs.BOM_UTF8) if data[:3] == codecs.BOM_UTF8 else 0:]
    if not checked and not is_utf8(body):
        try:
            str(body, "utf-8")
        except UnicodeDecodeError as exc:
            line = int(np.count_nonzero(np.frombuffer(body, dtype=np.uint8)[:exc.start] == 0x0A)) + 1
            raise _FileProblem(Reject(line, None, "not UTF-8 text", None)) from None
    if _whole(body).find(b"\x00") != -1:
        raise _FileProblem(Reject(None, None, "binary data (NUL bytes), not CSV text", None))
    return body


def _read_all_text(body: bytes, scan: _Scan, file_name: str, records: int, table: str) -> pd.DataFrame:
    """Every record as text, however many fields it has (pandas' C reader), so the counts can
    be compared and the misfits rejected by line."""
    try:
        return pd.read_csv(io.BytesIO(body), encoding="utf-8", dtype=str, keep_default_na=False,
                           na_filter=False, header=None, names=range(scan.widest), index_col=False,
                           engine="c").iloc[1:].reset_index(drop=True)
    except (pd.errors.ParserError, ValueError) as exc:
        log.info("pandas could not parse %s: %s", file_name, exc)
        raise _FileProblem(Reject(None, None, "not a readable CSV file", None), records, table) from None


def _read_well_formed(body, width: int, skip_rows: int = 1, delimiter: str = ",",
                      quoted_newlines: bool = True) -> pa.Table | None:
    """CSV bytes (UTF-8; after ``skip_rows`` header lines) whose records all have ``width``
    fields → text cells (Arrow's multi-threaded reader, every column a string, quoted newlines
    allowed); None when Arrow cannot read it, a record of another width included.
    ``quoted_newlines=False`` (the scan found that no record holds one) lets Arrow cut its
    blocks at any newline without following the quotes (2M records: 0.49 → 0.40 s)."""
    # 8 MB blocks: enough of them for every core (64 MB made two of a 1M-row file's 72 MB)
    options = pa_csv.ReadOptions(column_names=[str(i) for i in range(width)], skip_rows=skip_rows,
                                 block_size=8 << 20)
    convert = pa_csv.ConvertOptions(column_types={str(i): pa.string() for i in range(width)},
                                    strings_can_be_null=False, quoted_strings_can_be_null=False)
    parse = pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted_newlines, ignore_empty_lines=True)
    try:
        return pa_csv.read_csv(pa.BufferReader(pa.py_buffer(body)), read_options=options, parse_options=parse,
                               convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        log.info("arrow could not read the CSV (%s); counting its fields", exc)
        return None


@dataclass
class _CsvFile:
    """A canonical CSV, scanned: its target table, header and records (counted independently
    of any parser), and where each record starts."""

    spec: TableSpec
    header: list[str]            # normalised: the spec's names, in the file's order
    body: memoryview             # UTF-8 without BOM (of bytes, or of a memory-mapped file)
    lines: np.ndarray            # file line where each record starts
    offsets: np.ndarray | None   # byte where each record starts; None: read the file whole
    records: int
    quoted_newlines: bool        # may a record hold a newline in quotes (see _Scan)


def _csv_file(data: bytes, *, file_name: str, table: str | None, utf8: bool = False) -> _CsvFile:
    """CSV bytes → its target table and records, or a _FileProblem (encoding, header)."""
    body = _utf8_body(data, checked=utf8)
    try:
        scan = _scan_records(body, fields=False)
    except csv.Error as exc:
        log.info("csv scan of %s failed: %s", file_name, exc)
        raise _FileProblem(Reject(None, None, "not a readable CSV file", None)) from None
    header, records = scan.header, len(scan.lines)
    if not header:
        empty = not str(body, "utf-8").strip()
        raise _FileProblem(Reject(1, None, "empty file" if empty else
                                  "the first line is empty (expected the column names)", None))
    table = table or detect_table(header)
    if table is None:
        raise _FileProblem(Reject(1, None, "cannot tell which table the columns belong to", None), records)
    spec = TABLES[table]
    problem = header_problem(spec, header)
    if problem is not None:
        raise _FileProblem(problem, records, table)
    return _CsvFile(spec, [normalise_header(c) for c in header], body, scan.lines, scan.offsets, records,
                    scan.quoted_newlines)


def _cells(head: bytes, records: memoryview, width: int, lines: np.ndarray, *, file_name: str,
           table: str, quoted_newlines: bool = True) -> tuple[pa.Table, np.ndarray, list[Reject]]:
    """Records of a CSV (``head``: the file's header and what precedes the first of them, empty
    when ``records`` begins with the header; ``lines``: where each record starts) → (text cells
    of the well-formed records, their lines, the misfits). Arrow reads them and refuses a
    misfit: then the scan counts fields, pandas reads every record, and the misfits are
    rejected by line. ``quoted_newlines``: see :func:`_read_well_formed`."""
    cells = _read_well_formed(records, width, skip_rows=0 if head else 1, quoted_newlines=quoted_newlines)
    if cells is not None:
        if len(cells) != len(lines):
            raise ReconciliationError(f"{file_name}: the parser read {len(cells)} rows, the scan {len(lines)}")
        return cells, lines, []
    text = bytes(head) + bytes(records)
    scan = _scan_records(text, fields=True)
    raw = _read_all_text(text, scan, file_name, len(lines), table)
    if len(raw) != len(lines) or len(scan.lines) != len(lines):
        raise ReconciliationError(f"{file_name}: the parser read {len(raw)} rows, the scan {len(lines)}")
    shift = int(lines[0] - scan.lines[0]) if len(lines) else 0  # the text may be a part of the file
    raw = raw.loc[scan.well_formed, list(range(width))].reset_index(drop=True)
    cells = pa.table({str(i): pa.array(raw[i].to_numpy(dtype=object), pa.string()) for i in range(width)})
    misfits = [Reject(r.line + shift, r.column, r.reason, r.raw) for r in scan.structural]
    return cells, lines[scan.well_formed], misfits


def _parts(found: _CsvFile, chunk_rows: int):
    """(first record, stop, head, the bytes of records first..stop−1 — a view, not a copy)."""
    total, body = found.records, memoryview(found.body)
    if found.offsets is None or total == 0:  # scanned by the csv module, or no records: whole
        yield 0, total, b"", body
        return
    head = found.body[:found.offsets[0]]
    for first in range(0, total, chunk_rows):
        stop = min(first + chunk_rows, total)
        start, end = _span(body, found.offsets, first, stop)
        yield first, stop, head, body[start:end]


def _span(body, offsets: np.ndarray, first: int, stop: int) -> tuple[int, int]:
    """The bytes of records first..stop−1 (``offsets``: where each record starts; the last one
    ends with the body), as (start, end)."""
    return int(offsets[first]), (int(offsets[stop]) if stop < len(offsets) else len(body))


def _csv_chunks(con, found: _CsvFile, chunk_rows: int, file_name: str):
    """A scanned file → Chunks of ≤ ``chunk_rows`` records, each part read (only one part's
    cells are in memory at a time) and typed in SQL (warehouse.sqltyping)."""
    cur = con.cursor()
    whole = _whole(found.body)
    read = len(whole) - len(found.body)  # bytes of the file read so far (the BOM: none to read)
    try:
        for first, stop, head, records in _parts(found, chunk_rows):
            cells, lines, misfits = _cells(head, records, len(found.header), found.lines[first:stop],
                                           file_name=file_name, table=found.spec.name,
                                           quoted_newlines=found.quoted_newlines)
            end = read + len(records) + (len(head) if first == 0 else 0)
            _release(whole, read, end)  # the part is in Arrow's cells now
            read = end
            typed = sqltyping.type_cells(cur, found.spec, cells, found.header, lines, first)
            rejects = typed.rejects
            if misfits:
                rejects = pd.concat([pd.DataFrame([vars(r) for r in misfits]), rejects], ignore_index=True)
                rejects = rejects.sort_values("line", kind="stable").reset_index(drop=True)
            del cells
            pa.default_memory_pool().release_unused()  # the part's cells: back to the system
            yield Chunk(typed.good, rejects, stop - first, typed.rows_rejected + len(misfits))
    finally:
        cur.close()


CSV_CHUNK_ROWS = 2_000_000  # records typed and staged at a time: bounds the memory of a big file


def import_csv(con, path_or_bytes, *, file_name: str, table: str | None = None,
               imported_by: str | None = None, accept_partial: bool = False,
               preset: str | None = None, chunk_rows: int = CSV_CHUNK_ROWS,
               sha256: str | Future[str] | None = None, utf8: bool = False) -> ImportResult:
    """A canonical UTF-8 CSV (header = canonical column names) → rows in its table, one transaction.

    file: one record per row → ``table`` gains the rows whose natural key it lacks. Raises
    :class:`AlreadyImported` for bytes already imported (and not undone). Any rejected row
    rejects the whole file unless ``accept_partial``, which imports the good rows and stores
    the rejects in ``rejects``. A file-level problem (encoding, header) is one reject.
    ``sha256``: the caller's hash of the same bytes, if given — or its future, still being
    computed in another thread: it is awaited (and the bytes checked against earlier imports)
    once the file is scanned, before anything is written. ``utf8``: the caller has read the whole
    file as strict UTF-8 already (warehouse.readers, planning it), so it is not checked again
    (10M rows: 0.4 s).
    """
    if table is not None and table not in TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {sorted(TABLES)}")
    data = _read_bytes(path_or_bytes)
    if sha256 is None:
        sha256 = hashlib.sha256(data).hexdigest()
    if isinstance(sha256, str):
        check_not_imported(con, sha256, file_name, table)
    try:
        found = _csv_file(data, file_name=file_name, table=table, utf8=utf8)
    except _FileProblem as problem:
        return file_rejected(file_name, problem.table or table, problem.records, problem.reject)
    if not isinstance(sha256, str):  # hashed while the file was scanned
        sha256 = sha256.result()
        check_not_imported(con, sha256, file_name, table)
    _release(data)  # scanned: each part's pages are read again when its turn comes
    del data
    try:
        return import_chunks(con, found.spec, _csv_chunks(con, found, chunk_rows, file_name),
                             file_name=file_name, sha256=sha256, records=found.records,
                             imported_by=imported_by, accept_partial=accept_partial, preset=preset)
    except _FileProblem as problem:  # pandas could not read a part Arrow refused
        return file_rejected(file_name, found.spec.name, found.records, problem.reject)


def _frame_sha256(df: pd.DataFrame) -> str:
    """sha256 of the frame written as CSV by Arrow (C++, much faster than ``DataFrame.to_csv``)."""
    sink = io.BytesIO()
    pa_csv.write_csv(pa.Table.from_pandas(df, preserve_index=False), sink)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def import_frame(con, table: str, df: pd.DataFrame, *, file_name: str, imported_by: str | None = None,
                 sha256: str | None = None, accept_partial: bool = False,
                 preset: str | None = None) -> ImportResult:
    """A DataFrame in canonical columns → rows in ``table``, exactly as :func:`import_csv` would.

    Typed columns (datetime64, numbers, bool) are taken as they are; text is parsed with the
    CSV rules. ``sha256`` defaults to the hash of the frame's CSV serialisation. Reject lines are
    the lines the rows would have in that CSV (header = 1).
    """
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {sorted(TABLES)}")
    sha256 = sha256 or _frame_sha256(df)
    check_not_imported(con, sha256, file_name, table)
    spec = TABLES[table]
    problem = header_problem(spec, list(df.columns))
    if problem is not None:
        return file_rejected(file_name, table, len(df), problem)
    chunk = frame_chunk(spec, df, np.arange(2, len(df) + 2, dtype=np.int64))
    return import_chunks(con, spec, [chunk], file_name=file_name, sha256=sha256, records=len(df),
                         imported_by=imported_by, accept_partial=accept_partial, preset=preset)


# ------------------------------------------------------------------------- undo and log

def undo_import(con, import_id: int) -> int:
    """Remove the rows one import inserted and mark it 'undone', in one transaction.

    Returns the rows removed. Its bytes may be imported again afterwards. Rows that later
    overlapping imports skipped as duplicates of this import's rows go with it.
    """
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        rows = cur.execute("SELECT table_name, status FROM imports WHERE import_id = ?",
                           [import_id]).fetchall()
        if not rows:
            raise ValueError(f"there is no import {import_id}")
        table_name, status = rows[0]
        if status != "committed":
            raise ValueError(f"import {import_id} is already {status}")
        spec = TABLES[table_name]  # identifier from TABLES only
        (removed,) = cur.execute(f'DELETE FROM "{spec.name}" WHERE import_id = ?', [import_id]).fetchall()[0]
        derived.remove_import(cur, spec.name, import_id)
        cur.execute("UPDATE imports SET status = 'undone', active_sha256 = NULL WHERE import_id = ?",
                    [import_id])
        cur.execute("COMMIT")
        return int(removed)
    except BaseException:
        _rollback(cur)
        raise
    finally:
        cur.close()


def import_log(con) -> pd.DataFrame:
    """imports: one row per import → the same, newest first (columns of design §3)."""
    return con.execute("""
        SELECT import_id, sha256, file_name, table_name, preset, rows_read, rows_inserted,
               rows_duplicate, rows_rejected, rows_skipped, imported_by, imported_at, status
        FROM imports ORDER BY import_id DESC
    """).df()


def import_rejects(con, import_id: int) -> pd.DataFrame:
    """rejects: one row per problem → those of one import (line, column, reason, raw), by line."""
    return con.execute(
        'SELECT line, "column", reason, raw FROM rejects WHERE import_id = ? ORDER BY line NULLS FIRST',
        [import_id],
    ).df()
