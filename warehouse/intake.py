"""Any export file → a canonical table: what the file is, the mapping, a preview, the import.

The Upload page and ``python -m warehouse import`` both go through here:

1. :func:`plan_file` reads the file's first rows (never the whole file) and says what it is:
   kind (csv/xlsx/html), encoding, delimiter, headers, records (counted apart from the parser),
   and the mapping to use — a saved or built-in preset found by the headers, else a proposal
   from header synonyms. A file whose header is exactly a canonical table's columns (UTF-8,
   comma) is ``canonical`` and goes through :func:`warehouse.ingest.import_csv` as it is.
2. :func:`preview` applies a mapping to the first rows: the rows as they will be stored, and
   the problems found in them.
3. :func:`import_file` imports the whole file in chunks of ``chunk_rows`` records inside one
   transaction (:func:`warehouse.ingest.import_chunks`): memory stays bounded by a chunk, the
   counts reconcile with the records counted apart, and nothing is half-applied.

Saved presets live in the ``presets`` table; built-in ones in ``warehouse/presets/*.json``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from warehouse import ingest, mapping, parallel, readers, sqltyping
from warehouse.ingest import ARROW_TYPES, TABLES, ImportResult, Reject
from warehouse.mapping import Mapped, Preset, Proposal

log = logging.getLogger(__name__)

CHUNK_ROWS = 100_000
# A Parquet file's rows typed in SQL at a time. 10M interactions, one run each: in 2M-row parts
# (a CSV's) 20.5 s and a peak of 2,495 MB — the Parquet reader holds its row groups besides the
# part; in 1M-row parts 19.4 s and 1,985 MB.
PARQUET_CHUNK_ROWS = 1_000_000
SAMPLE_ROWS = 500
PREVIEW_ROWS = 10
_REJECT_COLUMNS = ("line", "column", "reason", "raw")

Source = bytes | Path
Mapping = Preset | Proposal


@dataclass
class FilePlan:
    """What a file is and how it will be imported (see the module docstring).

    ``mapping`` is None only for a canonical file; ``preset`` names the preset found (built-in
    or saved), None for a proposal; ``sample`` holds the first rows as text, index = file line.
    """

    file_name: str
    kind: str
    encoding: str | None
    delimiter: str | None
    headers: list[str]
    records: int | None  # None: a canonical CSV planned only to be imported (import_csv counts)
    canonical: str | None
    mapping: Mapping | None
    preset: str | None
    sample: pd.DataFrame

    @property
    def table(self) -> str | None:
        return self.canonical or (self.mapping.table if self.mapping is not None else None)

    def complete(self, chosen: Mapping | None = None) -> bool:
        """The mapping (``chosen`` or the plan's) gives every required column a source."""
        chosen = chosen or self.mapping
        if chosen is None:
            return self.canonical is not None
        return not missing_required(chosen)


def missing_required(chosen: Mapping) -> list[str]:
    """Required columns of the mapping's table with no header, constant or derivation."""
    return [c for c in TABLES[chosen.table].required
            if c not in chosen.mapping and c not in chosen.constants and c not in chosen.derived]


# ------------------------------------------------------------------------- presets

def builtin_presets() -> dict[str, Preset]:
    """Built-in presets by key (file stem, e.g. 'sipuni_calls')."""
    return {path.stem: Preset.from_dict(json.loads(path.read_text(encoding="utf-8")))
            for path in sorted(mapping.PRESETS_DIR.glob("[!_]*.json"))}


def saved_presets(con) -> list[Preset]:
    """presets table: one row per saved mapping → Presets, newest first."""
    rows = con.execute("SELECT body FROM presets ORDER BY saved_at DESC, name").fetchall()
    return [Preset.from_dict(json.loads(body)) for (body,) in rows]


def all_presets(con) -> list[Preset]:
    """Saved presets first (a saved exact header match wins), then the built-in ones."""
    return [*saved_presets(con), *builtin_presets().values()]


def preset_named(con, name: str) -> Preset | None:
    """A preset by its name, or a built-in one by its key ('sipuni_calls')."""
    folded = name.casefold()
    builtin = builtin_presets()
    if folded in builtin:
        return builtin[folded]
    return next((p for p in all_presets(con) if p.name.casefold() == folded), None)


def save_preset(con, preset: Preset, *, saved_by: str | None = None) -> None:
    """Store (or replace, by name) a preset; the next file with the same headers finds it."""
    Preset.from_dict(preset.to_dict())  # refuses unknown tables and columns
    body = json.dumps(preset.to_dict(), ensure_ascii=False, sort_keys=True)
    con.execute(
        "INSERT OR REPLACE INTO presets (name, header_signature, table_name, body, saved_by, saved_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [preset.name, preset.header_signature, preset.table, body, saved_by,
         dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)],
    )


# ------------------------------------------------------------------------- reading

def _data(source: Source) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def _prefix(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source[: readers.SAMPLE_BYTES]
    with open(source, "rb") as stream:
        return stream.read(readers.SAMPLE_BYTES)


def file_sha256(source: Source) -> str:
    """sha256 of the file's bytes (a path is hashed as it is read, never held whole)."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    with open(source, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _parquet(source: Source):
    import pyarrow.parquet as pq

    return pq.ParquetFile(io.BytesIO(source) if isinstance(source, bytes) else source)


def _parquet_first_rows(source: Source, rows: int) -> readers.RawTable:
    """Column names and the first rows of a Parquet file (as text, for the preview);
    records = the row count in its footer."""
    try:
        parquet = _parquet(source)
        batch = next(parquet.iter_batches(batch_size=rows), None)
    except Exception as error:  # pyarrow raises its own family
        raise readers.UnreadableFile("parquet", f"The Parquet file cannot be read ({error}).") from None
    headers = list(parquet.schema_arrow.names)
    frame = batch.to_pandas() if batch is not None else pd.DataFrame(columns=headers)
    frame = frame.astype("object").where(frame.notna(), "").astype("str")
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    return readers.RawTable(headers, frame, None, None, "parquet", parquet.metadata.num_rows)


def _first_rows(source: Source, kind: str, rows: int) -> readers.RawTable:
    """The header and first ``rows`` records (csv, parquet), or the whole sheet (xlsx/html)."""
    if kind == "parquet":
        return _parquet_first_rows(source, rows)
    if kind != "csv":
        return readers.read_table(_data(source), file_name="")
    with contextlib.closing(readers.iter_chunks(source, chunk_rows=rows)) as chunks:
        return readers.RawTable.from_chunk(next(chunks))


def _canonical_table(raw: readers.RawTable) -> str | None:
    """The table whose columns the header is exactly (a Parquet file, or UTF-8 comma CSV), else None."""
    plain_csv = raw.kind == "csv" and raw.delimiter == "," and raw.encoding in ("utf-8", "utf-8-sig")
    if not (plain_csv or raw.kind == "parquet"):
        return None
    table = ingest.detect_table(raw.headers)
    if table is None or ingest.header_problem(TABLES[table], raw.headers) is not None:
        return None
    return table


def plan_file(con, source: Source, *, file_name: str, table: str | None = None,
              preset: str | Preset | None = None, count: bool = True) -> FilePlan:
    """A file → FilePlan. ``table`` limits the proposal to one table; ``preset`` (a name or a
    Preset) is used as it is. ``count=False``: a canonical CSV's records are left uncounted
    (None; its import counts them). Raises readers.UnreadableFile (its message says what to do)
    and ValueError for an unknown preset name."""
    kind = readers.sniff_kind(_prefix(source))
    raw = _first_rows(source, kind, SAMPLE_ROWS)
    uncounted = (not count and kind == "csv" and preset is None
                 and _canonical_table(raw) is not None and table in (None, _canonical_table(raw)))
    if uncounted:
        records = None
    else:
        records = readers.count_records(source, encoding=raw.encoding) if kind == "csv" else raw.records_count
    if kind == "parquet" and (_canonical_table(raw) is None or preset is not None):
        raise readers.UnreadableFile("parquet", "A Parquet file must have the dashboard's own column names "
                                                f"(see the README); this one has: {', '.join(raw.headers)[:200]}.")
    chosen, found = None, None
    if isinstance(preset, str):
        chosen = preset_named(con, preset)
        if chosen is None:
            raise ValueError(f"there is no preset {preset!r}")
    elif preset is not None:
        chosen = preset
    canonical = None
    if chosen is None:
        found_table = _canonical_table(raw)
        canonical = found_table if table in (None, found_table) else None
    if chosen is None and canonical is None:
        chosen = mapping.find_preset(raw.headers, [p for p in all_presets(con) if table in (None, p.table)])
        if chosen is None:
            chosen = mapping.propose_mapping(raw.headers, raw.rows, table)
            if chosen.options.get("ambiguous_dates") and records > len(raw.rows):
                _settle_dates_from_whole_file(source, chosen, raw.encoding)
    if isinstance(chosen, Preset):
        found = chosen.name
    return FilePlan(file_name, raw.kind, raw.encoding, raw.delimiter, raw.headers, records, canonical,
                    chosen, found, raw.rows)


def _settle_dates_from_whole_file(source: Source, proposal: Proposal, encoding: str | None) -> None:
    """The first rows left slash dates open (03/04/2024): read the rest of those columns, chunk
    by chunk, until a day > 12 settles the order. Still open at the end → the page asks."""
    headers = proposal.options["ambiguous_dates"]
    with contextlib.closing(readers.iter_chunks(source, chunk_rows=CHUNK_ROWS, encoding=encoding)) as chunks:
        for frame in chunks:
            for header in headers:
                order, ambiguous = mapping.parsing.settle_date_order(frame[header])
                if not ambiguous:
                    proposal.options["date_order"] = order
                    del proposal.options["ambiguous_dates"]
                    return


def identity_mapping(plan: FilePlan) -> Proposal:
    """A canonical file's mapping (each column to itself), to edit like any other."""
    table = plan.canonical
    columns = {h.strip().lower(): h for h in plan.headers}
    return Proposal(table, {c: columns[c] for c in TABLES[table].columns if c in columns}, {}, 1.0, [],
                    {"date_order": "dmy"})


def preview(plan: FilePlan, chosen: Mapping | None = None, rows: int = PREVIEW_ROWS) -> Mapped:
    """The first ``rows`` records as they will be stored (canonical typed columns, index = file
    line) and the problems in them. ValueError when the mapping lacks a required column."""
    if chosen is None and plan.mapping is None:  # canonical: the strict rules import_csv applies
        return Mapped(*ingest.preview_canonical(plan.canonical, plan.sample.head(rows)))
    chosen = chosen or plan.mapping
    sample = readers.RawTable(plan.headers, plan.sample.head(rows), plan.encoding, plan.delimiter, plan.kind,
                              min(rows, len(plan.sample)))
    return mapping.apply_mapping(sample, chosen)


# ------------------------------------------------------------------------- importing

def _reject_frame(rejects: list[Reject]) -> pd.DataFrame:
    if not rejects:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in _REJECT_COLUMNS})
    return pd.DataFrame([vars(r) for r in rejects], columns=list(_REJECT_COLUMNS))


def _as_chunk(table: str, mapped: Mapped, records: int) -> ingest.Chunk:
    """Mapped rows of a chunk → ingest.Chunk (good rows in Arrow, problems as a frame)."""
    spec, frame = TABLES[table], mapped.frame
    arrays = {column: pa.array(frame[column], type=ARROW_TYPES[sql_type], from_pandas=True)
              for column, sql_type in spec.columns.items()}
    arrays["_record"] = pa.array(frame.index.to_numpy(np.int64), type=pa.int64())
    rejected = len({r.line for r in mapped.rejects})
    problems = sorted([*mapped.rejects, *mapped.skipped], key=lambda r: r.line or 0)  # stable
    return ingest.Chunk(pa.table(arrays), _reject_frame(problems), records, rejected, len(mapped.skipped))


def _mapped_chunks(source: Source, kind: str, chosen: Mapping, chunk_rows: int, encoding: str | None):
    """The file's records, chunk by chunk, mapped → ingest.Chunk. UnreadableFile may come from
    any chunk (a broken quote deep in the file)."""
    if kind != "csv":
        yield _mapped_chunk(readers.read_table(_data(source), file_name=""), chosen)
        return
    with contextlib.closing(readers.iter_chunks(source, chunk_rows=chunk_rows, encoding=encoding,
                                                every_chunk=True)) as chunks:
        yield from parallel.ahead(lambda frame: _mapped_chunk(readers.RawTable.from_chunk(frame), chosen), chunks)


def _mapped_chunk(raw: readers.RawTable, chosen: Mapping) -> ingest.Chunk:
    """One chunk's records (or a whole sheet) mapped → ingest.Chunk."""
    return _as_chunk(chosen.table, mapping.apply_mapping(raw, chosen), raw.records_count)


def _pinned(chosen: Mapping, plan: FilePlan) -> Mapping:
    """The mapping with its date order settled once for the whole file (not per chunk)."""
    if "date_order" in chosen.options:
        return chosen
    dated = [h for c, h in chosen.mapping.items()
             if isinstance(h, str) and TABLES[chosen.table].columns[c] == "TIMESTAMP" and h in plan.sample]
    settled = [mapping.parsing.settle_date_order(plan.sample[h]) for h in dated]
    order = "mdy" if any(o == "mdy" and not ambiguous for o, ambiguous in settled) else "dmy"
    return dataclasses.replace(chosen, options={**chosen.options, "date_order": order})


def _file_problem(file_name: str, table: str | None, records: int, message: str,
                  line: int | None = None) -> ImportResult:
    """The whole file refused: one reject (its line, when one is to blame, said once)."""
    message = message.removeprefix(f"Line {line}: ") if line else message
    return ingest.file_rejected(file_name, table, records, Reject(line, None, message, None))


def import_file(con, source: Source, *, file_name: str, mapping_used: Mapping | None = None,
                table: str | None = None, preset: str | None = None, accept_partial: bool = False,
                imported_by: str | None = None, progress=None, chunk_rows: int | None = None,
                plan: FilePlan | None = None) -> ImportResult:
    """One export file (bytes, or a path streamed in chunks) → rows in a canonical table.

    ``mapping_used`` (as edited on the Upload page) wins; else ``preset`` (a name), else the
    plan's own choice. Returns a rejected result (nothing imported) when the file is unreadable,
    no table fits, a required column has no source, or — unless ``accept_partial`` — any row is
    rejected. Raises ingest.AlreadyImported for bytes already imported. ``chunk_rows``: records
    per chunk; by default 100k for a mapped export (typed by pandas), 1M for a Parquet file
    typed in SQL (a canonical CSV is imported by ingest.import_csv in 2M-record parts).
    """
    # hashed in a thread of its own while the file is planned and scanned on the other core
    # (hashlib leaves Python's lock free; a 10M-row export hashes in 0.7–2.7 s)
    digest = parallel.started(file_sha256, source, name="sha256")
    try:
        plan = plan or plan_file(con, source, file_name=file_name, table=table, preset=preset,
                                 count=mapping_used is not None)
    except readers.UnreadableFile as problem:
        return _file_problem(file_name, table, 0, problem.message, problem.line)
    except ValueError as problem:
        return _file_problem(file_name, table, 0, str(problem))
    chosen = mapping_used or plan.mapping
    if chosen is None and plan.kind == "csv":  # canonical: the fast, tested path; it checks the hash after its scan
        return ingest.import_csv(con, source, file_name=file_name, table=plan.canonical,
                                 imported_by=imported_by, accept_partial=accept_partial, sha256=digest,
                                 utf8=plan.encoding == "utf-8")  # the plan read it whole as UTF-8
    sha256 = digest.result()
    ingest.check_not_imported(con, sha256, file_name, table)
    if chosen is None:
        return _import_parquet(con, source, plan, sha256=sha256, imported_by=imported_by,
                               accept_partial=accept_partial, progress=progress, chunk_rows=chunk_rows)
    missing = missing_required(chosen)
    if missing:
        return _file_problem(file_name, chosen.table, plan.records,
                             f"no column is mapped to the required {', '.join(missing)}", 1)
    if plan.records == 0:
        return _file_problem(file_name, chosen.table, 0, ingest.NO_ROWS, 1)
    chosen = _pinned(chosen, plan)
    name = chosen.name if isinstance(chosen, Preset) else None
    try:
        return ingest.import_chunks(
            con, TABLES[chosen.table], _mapped_chunks(source, plan.kind, chosen, chunk_rows or CHUNK_ROWS,
                                                      plan.encoding),
            file_name=file_name, sha256=sha256, records=plan.records, imported_by=imported_by,
            accept_partial=accept_partial, preset=name, progress=progress)
    except readers.UnreadableFile as problem:
        return _file_problem(file_name, chosen.table, plan.records, problem.message, problem.line)
    except ValueError as problem:  # a mapped header that the file lacks
        return _file_problem(file_name, chosen.table, plan.records, str(problem))
    except ingest.ReconciliationError:
        log.exception("counts of %s do not reconcile", file_name)
        return _file_problem(file_name, chosen.table, plan.records, ingest.COUNTS_DIFFER)


def _import_parquet(con, source: Source, plan: FilePlan, *, sha256: str, imported_by: str | None,
                    accept_partial: bool, progress, chunk_rows: int | None) -> ImportResult:
    """A canonical Parquet file, batch by batch (typed columns are taken as they are; the
    canonical checks still apply) → one transaction."""
    spec = TABLES[plan.canonical]
    if plan.records == 0:
        return _file_problem(plan.file_name, spec.name, 0, ingest.NO_ROWS)
    return ingest.import_chunks(con, spec, _parquet_chunks(con, source, spec, chunk_rows),
                                file_name=plan.file_name, sha256=sha256, records=plan.records,
                                imported_by=imported_by, accept_partial=accept_partial, preset=None,
                                progress=progress)


def _parquet_chunks(con, source: Source, spec: ingest.TableSpec, chunk_rows: int | None):
    """A canonical Parquet file → Chunks of ≤ ``chunk_rows`` rows (line = row + 2, as if the file
    had a header line). Columns that are text or of their own kinds — the usual file — are typed
    in SQL (warehouse.sqltyping), by default in parts of PARQUET_CHUNK_ROWS; any other file by
    the pandas typing, in parts as small as a mapped export's."""
    parquet = _parquet(source)
    present = [ingest.normalise_header(c) for c in parquet.schema_arrow.names]
    in_sql = sqltyping.takes(spec, present, parquet.schema_arrow)
    cur = con.cursor()
    try:
        first = 0
        for batch in parquet.iter_batches(batch_size=chunk_rows or (PARQUET_CHUNK_ROWS if in_sql else CHUNK_ROWS)):
            lines = np.arange(first + 2, first + 2 + batch.num_rows, dtype=np.int64)
            if in_sql:
                typed = sqltyping.type_cells(cur, spec, pa.Table.from_batches([batch]), present, lines, first)
                yield ingest.Chunk(typed.good, typed.rejects, batch.num_rows, typed.rows_rejected)
            else:  # integers with a null stay integers (pandas would make them floats: "9.0")
                yield ingest.frame_chunk(spec, batch.to_pandas(integer_object_nulls=True), lines)
            first += batch.num_rows
    finally:
        cur.close()
