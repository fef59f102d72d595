"""Glue of the Upload page: what a file is, the column-mapping editor, preview, import, log, undo.

The page stays a description of the UI; reading and importing are warehouse.intake's, and
every write goes through :func:`app_state.cursor` (one transaction per import or undo).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

import i18n
from app_state import cursor, data_version
from app_state.auth import audit
from app_state.safe_text import plain

log = logging.getLogger(__name__)

NONE, HEADER, CONSTANT, DERIVED = "none", "h:", "c:", "derived"
PREVIEW_COLUMNS = 3  # mapping selectboxes per row
UPLOAD_TYPES = ("csv", "tsv", "txt", "xlsx", "xls", "htm", "html", "parquet")  # the uploader's file types

# Streamlit writes the uploader's button and limit in English whatever the page's language; the
# page's own words are drawn in their place (the originals at size 0, ours after them).
_UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0;}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after
  {{content: "{button}"; font-size: 0.875rem;}}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{content: "{limit}"; font-size: 0.875rem;}}
</style>"""

# Reject reasons of warehouse.ingest / mapping / readers (English) → catalogue keys; groups
# become parameters. The first pattern that matches the whole reason wins.
_REASONS = (
    (r"missing required value", "missing_required"),
    (r"not a timestamp.*", "bad_timestamp"),
    (r"not a date \(expected DD\.MM.*", "bad_date"),
    (r"not a number \(e\.g\..*", "bad_number_any"),
    (r"not a number.*", "bad_number"),
    (r"not a whole number from (?P<low>-?\d+) to (?P<high>-?\d+)", "whole_between"),
    (r"not a whole number", "bad_integer"),
    (r"not a boolean.*", "bad_boolean"),
    (r"not yes/no.*", "bad_yes_no"),
    (r"not a duration.*", "bad_duration"),
    (r"not a call status.*", "bad_call_status"),
    (r"ends before it starts", "ends_before_start"),
    (r"unknown value \(expected one of:? (?P<allowed>.*)\)", "unknown_value"),
    (r"\w+ outside (?P<low>-?\d+)\.\.(?P<high>-?\d+)", "outside"),
    (r"expected (?P<expected>\d+) fields, found (?P<found>\d+)", "wrong_fields"),
    (r"skipped: (?P<column>.*) is not (?P<values>.*)", "skipped"),
    (r"column appears more than once", "duplicate_column"),
    (r"unknown column for table (?P<table>\w+)", "unknown_column"),
    (r"required column missing", "missing_column"),
    (r"no column is mapped to the required (?P<columns>.*)", "unmapped"),
    (r"the file has no column '(?P<column>.*)'", "no_such_column"),
    (r"the file has column names but no rows", "no_rows"),
    (r"the rows read do not add up.*", "counts_differ"),
    (r"compressed or Excel file.*", "compressed"),
    (r"not UTF-8 text", "not_utf8"),
    (r"binary data.*", "binary"),
    (r"not a readable CSV file", "unreadable"),
    (r"empty file|The file is empty\.|The file has no rows\.", "empty"),
    (r"cannot tell which table.*", "unknown_table"),
    (r"This is a gzip-compressed file.*", "gzip"),
    (r"This is a zip archive.*", "zip"),
    (r"This is (?P<what>.*), not a CSV or Excel table\.", "binary_kind"),
    (r"The file is not valid (?P<encoding>\S+) text \(byte (?P<byte>\d+)\)\.", "bad_encoding"),
    (r"The column names look garbled.*", "mojibake"),
    (r"a quoted value is never closed or is malformed.*", "quote"),
    (r"Near line (?P<line>\d+): bytes that are not valid text.*", "bad_bytes"),
    (r".*the Excel file cannot be read.*", "xlsx"),
    (r"there is no preset '(?P<name>.*)'", "no_preset"),
    (r"A Parquet file must have the dashboard's own column names.*this one has: (?P<columns>.*)\.", "parquet_columns"),
    (r"The Parquet file cannot be read.*", "parquet"),
)


def uploader_css(lang: str, max_upload_mb: int) -> str:
    """The style that writes the file uploader's button and limit ("1GB per file • CSV, …") in
    ``lang``; the types are UPLOAD_TYPES as Streamlit shows them (upper case, HTM as HTML)."""
    size = (i18n.t("upload.size.gb", lang, n=max_upload_mb // 1024) if max_upload_mb % 1024 == 0
            else i18n.t("upload.size.mb", lang, n=max_upload_mb))
    types = ", ".join(dict.fromkeys("HTML" if kind == "htm" else kind.upper() for kind in UPLOAD_TYPES))
    return _UPLOADER_CSS.format(button=_css_text(i18n.t("upload.button", lang)),
                                limit=_css_text(i18n.t("upload.limit", lang, size=size, types=types)))


def _css_text(text: str) -> str:
    """Text for a CSS string in double quotes: backslashes, quotes and angle brackets escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace(">", "\\3e ")


def uploader_in_words(lang: str) -> None:
    """The file uploader's button and limit in ``lang`` (call before ``st.file_uploader``)."""
    st.html(uploader_css(lang, st.get_option("server.maxUploadSize")))


def reject_reason_text(reason: str, lang: str) -> str:
    """A reject reason from the warehouse in words of ``lang`` (unknown ones as they are)."""
    for pattern, key in _REASONS:
        match = re.fullmatch(pattern, reason or "", flags=re.S)
        if match:
            return i18n.t(f"upload.reason.{key}", lang, **match.groupdict())
    return reason


# ---------------------------------------------------------------- what the file is

@dataclass
class Planned:
    """One uploaded file: its plan, or the reason (English, from the warehouse) it cannot be read."""

    plan: object | None
    problem: str | None


UPLOAD_DIR = Path(tempfile.gettempdir()) / "dashboard-uploads"
STALE_AFTER_S = 24 * 3600


def staged(upload) -> Path:
    """The uploaded file's bytes in a temporary file, copied in blocks once per upload: the
    import streams it from disk instead of holding a second copy in memory."""
    store = st.session_state.setdefault("upload_files", {})
    path = store.get(upload.file_id)
    if path is None or not Path(path).exists():
        UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
        _remove_stale()
        fd, name = tempfile.mkstemp(prefix="upload-", suffix=Path(upload.name).suffix[:10], dir=UPLOAD_DIR)
        upload.seek(0)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(upload, out, 4 * 2**20)
        store[upload.file_id] = path = name
    return Path(path)


def release_staged() -> None:
    """Delete this session's staged files (after its uploads are imported or cleared)."""
    for path in st.session_state.pop("upload_files", {}).values():
        Path(path).unlink(missing_ok=True)
    st.session_state.pop("upload_plans", None)


def _remove_stale() -> None:
    """Staged files of sessions that ended without importing (older than a day)."""
    now = time.time()
    for path in UPLOAD_DIR.glob("upload-*"):
        try:
            if now - path.stat().st_mtime > STALE_AFTER_S:
                path.unlink()
        except OSError:
            continue


def plan_upload(data: bytes | Path, name: str, file_id: str, table: str | None = None) -> Planned:
    """An uploaded file (its staged path, or bytes) → its plan, kept in the session for reruns
    (never recomputed for the same upload and table)."""
    memo = st.session_state.setdefault("upload_plans", {})
    key = (file_id, table)
    if key not in memo:
        memo[key] = _plan(data, name, table)
    return memo[key]


def _plan(data: bytes | Path, name: str, table: str | None) -> Planned:
    from warehouse import intake, readers

    try:
        with cursor() as cur:
            return Planned(intake.plan_file(cur, data, file_name=name, table=table), None)
    except readers.UnreadableFile as problem:
        return Planned(None, problem.message.removeprefix(f"Line {problem.line}: "))
    except ValueError as problem:
        log.info("cannot plan %s: %s", name, problem)
        return Planned(None, str(problem))


def plan_upload_unmemoised(data: bytes, name: str, table: str | None = None):
    """The plan of a file (no session memo): for scripts and tests outside a page run."""
    planned = _plan(data, name, table)
    if planned.plan is None:
        raise ValueError(planned.problem)
    return planned.plan


def read_as_text(plan, lang: str) -> str:
    """'Read as CSV · cp1251 · semicolon-separated · 1,234 rows · 12 columns'."""
    delimiter = plan.delimiter if plan.delimiter in (",", ";", "\t") else plan.kind if plan.kind == "parquet" else "none"
    encoding = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp1251": "Windows-1251",
                "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}.get(plan.encoding or "", "—")
    return i18n.t("upload.read_as", lang, kind=i18n.t(f"upload.kind.{plan.kind}", lang), encoding=encoding,
                  delimiter=i18n.t(f"upload.delimiter.{delimiter}", lang),
                  records=i18n.tn("upload.records", plan.records, lang), columns=i18n.fmt_count(len(plan.headers), lang))


def found_text(plan, chosen, lang: str) -> tuple[str, str]:
    """('warning' | 'info', what the page understood of the file)."""
    from warehouse import intake

    missing = intake.missing_required(chosen)
    if missing:
        labels = ", ".join(field_label(c, lang) for c in missing)
        return "warning", i18n.t("upload.found.incomplete", lang, columns=labels)
    if plan.canonical and chosen.table == plan.canonical:
        return "info", i18n.t("upload.found.canonical", lang, table=i18n.t(f"table.{plan.canonical}", lang))
    if plan.preset and getattr(chosen, "name", None) == plan.preset:
        return "info", i18n.t("upload.found.preset", lang, preset=plan.preset)
    return "info", i18n.t("upload.found.proposed", lang)


def field_label(column: str, lang: str) -> str:
    return i18n.t(f"field.{column}", lang)


# ---------------------------------------------------------------- the mapping editor

def _base_mapping(plan, table: str):
    """The mapping to start the editor from for ``table``."""
    from warehouse import intake, mapping

    if plan.mapping is not None and plan.mapping.table == table:
        return plan.mapping
    if plan.canonical == table:
        return intake.identity_mapping(plan)
    return mapping.propose_mapping(plan.headers, plan.sample, table)


def _header_in_file(plan, source) -> str | None:
    """A mapping's source (a header or a list of alternatives) → the first header the file has."""
    from warehouse.mapping import normalise_header

    names = [source] if isinstance(source, str) else list(source)
    present = {normalise_header(h): h for h in plan.headers}
    return next((present[normalise_header(n)] for n in names if normalise_header(n) in present), None)


def _choice_of(plan, base, column: str) -> str:
    if column in base.mapping:
        header = _header_in_file(plan, base.mapping[column])
        if header is not None:
            return HEADER + header
    if column in base.constants:
        return CONSTANT + str(base.constants[column])
    if column in base.derived:
        return DERIVED
    return NONE


def _options_for(plan, base, column: str, table: str, default: str) -> list[str]:
    from warehouse.ingest import TABLES

    constants = [CONSTANT + value for value in TABLES[table].enums.get(column, ())]
    options = [NONE, *(HEADER + h for h in plan.headers), *constants]
    if column in base.derived:
        options.append(DERIVED)
    if default not in options:
        options.append(default)
    return options


def _choice_text(choice: str, lang: str) -> str:
    if choice == NONE:
        return i18n.t("upload.field.none", lang)
    if choice == DERIVED:
        return i18n.t("upload.field.derived", lang)
    if choice.startswith(CONSTANT):
        return i18n.t("upload.field.constant", lang, value=choice[len(CONSTANT):])
    return choice[len(HEADER):]


def mapping_editor(plan, key: str, lang: str):
    """Table choice + one selectbox per canonical column (header, constant, derived or none) +
    the date order when the file leaves it open → the mapping to import with (the plan's own
    when nothing was changed, so a preset keeps its name)."""
    from warehouse.ingest import TABLES
    from warehouse.mapping import Proposal

    tables = list(TABLES)
    table = st.selectbox(i18n.t("upload.table", lang), tables, index=tables.index(plan.table or "payments"),
                         format_func=lambda name: i18n.t(f"table.{name}", lang), key=f"{key}:table")
    base = _base_mapping(plan, table)
    spec = TABLES[table]
    chosen_by_column, changed = {}, False
    with st.expander(i18n.t("upload.mapping", lang), expanded=not complete(base)):
        grid = st.columns(PREVIEW_COLUMNS)
        for position, column in enumerate(spec.columns):
            default = _choice_of(plan, base, column)
            options = _options_for(plan, base, column, table, default)
            label = field_label(column, lang)
            if column in spec.required:
                label = i18n.t("upload.mapping.required", lang, label=label)
            choice = grid[position % PREVIEW_COLUMNS].selectbox(
                label, options, index=options.index(default), key=f"{key}:{table}:{column}",
                format_func=lambda value: _choice_text(value, lang))
            chosen_by_column[column] = choice
            changed |= choice != default
        order = base.options.get("date_order", "dmy")
        if base.options.get("ambiguous_dates"):
            picked = st.radio(i18n.t("upload.date_order", lang), ["dmy", "mdy"], horizontal=True,
                              format_func=lambda value: i18n.t(f"upload.date_order.{value}", lang),
                              key=f"{key}:{table}:date_order")
            changed |= picked != order
            order = picked
    if not changed:
        return base
    mapped = {c: (base.mapping[c] if _choice_of(plan, base, c) == v and c in base.mapping else v[len(HEADER):])
              for c, v in chosen_by_column.items() if v.startswith(HEADER)}
    constants = {c: v[len(CONSTANT):] for c, v in chosen_by_column.items() if v.startswith(CONSTANT)}
    derived = {c: rule for c, rule in base.derived.items() if chosen_by_column.get(c) == DERIVED}
    options = {k: v for k, v in base.options.items() if k != "ambiguous_dates"} | {"date_order": order}
    return Proposal(table, mapped, constants, 1.0, [], options, derived)


def complete(chosen) -> bool:
    """Every required column of the mapping's table has a header, constant or derivation."""
    from warehouse import intake

    return not intake.missing_required(chosen)


def can_save_preset(plan, chosen) -> bool:
    """A mapping worth remembering: proposed or edited (not a canonical file, not a preset as is)."""
    from warehouse.mapping import Proposal

    return isinstance(chosen, Proposal) and not (plan.canonical and chosen.table == plan.canonical
                                                 and chosen.mapping == _base_mapping(plan, plan.canonical).mapping)


# ---------------------------------------------------------------- preview

def preview_tables(plan, chosen, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first rows as they will be stored (labelled, as text: dates with their time) and the
    problems in them (line, column, reason in words, raw)."""
    from warehouse import intake
    from warehouse.ingest import TABLES

    mapped = intake.preview(plan, chosen)
    shown = pd.DataFrame(index=mapped.frame.index)
    for column, sql_type in TABLES[chosen.table].columns.items():
        values = mapped.frame[column]
        if sql_type == "TIMESTAMP":
            text = pd.to_datetime(values).map(lambda v: _stamp_text(v, lang))
        elif sql_type in ("DOUBLE", "INTEGER"):
            text = values.map(lambda v: i18n.MISSING if pd.isna(v) else i18n.fmt_number(v, lang, digits=2))
        elif sql_type == "BOOLEAN":
            text = values.map(lambda v: i18n.MISSING if pd.isna(v) else i18n.t("value.yes" if v else "value.no", lang))
        else:
            text = values
        shown[field_label(column, lang)] = text.astype("object").where(values.notna(), i18n.MISSING)
    shown.insert(0, i18n.t("col.line", lang), shown.index)
    return shown.reset_index(drop=True), rejects_frame(mapped.rejects, lang)


def _stamp_text(value, lang: str) -> str:
    """A parsed timestamp as the user reads dates, with the time when the file had one."""
    if pd.isna(value):
        return i18n.MISSING
    day = i18n.fmt_date(value, lang)
    return day if value == value.normalize() else f"{day} {value:%H:%M:%S}".removesuffix(":00")


def rejects_frame(rejects, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        "line": pd.array([r.line for r in rejects], dtype="Int64"),
        "column": [r.column for r in rejects],
        "reason": [reject_reason_text(r.reason, lang) for r in rejects],
        "raw": [r.raw for r in rejects],
    })


# ---------------------------------------------------------------- import, presets, log, undo

@st.cache_resource(show_spinner=False)
def writer_lock() -> threading.Lock:
    """One writer at a time in this process: imports and undos of all sessions queue here
    (readers are never blocked; DuckDB would make a second concurrent writer fail at COMMIT)."""
    return threading.Lock()


def run_import(data: bytes | Path, name: str, plan, chosen, *, accept_partial: bool, imported_by: str | None,
               progress=None):
    """One uploaded file → (ImportResult, None), or (None, EarlierImport) for bytes already in.

    warehouse.intake.import_file in its own cursor: one transaction, all or nothing.
    """
    from warehouse import ingest, intake

    untouched = chosen is plan.mapping or (plan.mapping is None and not can_save_preset(plan, chosen))
    with writer_lock(), cursor() as cur:
        try:
            return intake.import_file(cur, data, file_name=name, plan=plan,
                                      mapping_used=None if untouched else chosen,
                                      accept_partial=accept_partial, imported_by=imported_by,
                                      progress=progress), None
        except ingest.AlreadyImported as exc:
            return None, exc.earlier


def _done() -> set:
    return st.session_state.setdefault("upload_done", set())


def is_done(nonce: int, name: str) -> bool:
    """This round's file was imported, or refused as a repeat: nothing more to do with it."""
    return (nonce, name) in _done()


def all_done(files, nonce: int) -> bool:
    return all(is_done(nonce, upload.name) for upload in files or [])


def is_file_problem(result) -> bool:
    """The whole file was refused (unreadable, no table fits): one reject with no column or value."""
    return (result.status == "rejected" and len(result.rejects) == 1 and result.rejects[0].column is None
            and result.rejects[0].raw is None and result.rows_inserted == 0)


def import_with_progress(upload, plan, chosen, preset_name: str | None, *, accept_partial: bool, lang: str,
                         imported_by: str | None = None) -> dict:
    """Import one uploaded file under a progress bar; save its mapping as a preset when asked and
    the import committed → outcome {file, result, earlier, preset_saved} for the page to show."""
    nonce = st.session_state.get("upload_nonce", 0)
    name = plain(upload.name)
    bar = st.progress(0.0, text=i18n.t("upload.progress", lang, file=name, done=0,
                                       total=i18n.fmt_count(plan.records, lang)))

    def progress(done_rows: int, total: int) -> None:
        bar.progress(min(done_rows / max(total, 1), 1.0),
                     text=i18n.t("upload.progress", lang, file=name, done=i18n.fmt_count(done_rows, lang),
                                 total=i18n.fmt_count(total, lang)))

    result, earlier = run_import(staged(upload), upload.name, plan, chosen, accept_partial=accept_partial,
                                 imported_by=imported_by, progress=progress)
    bar.empty()
    committed = result is not None and result.status == "committed"
    if committed:
        audit("upload", imported_by, result.message)
        data_version()  # noticed now: older cached results dropped, the first pages warmed again
    if committed and preset_name:
        save_preset(plan, chosen, preset_name, saved_by=imported_by)
    if committed or earlier is not None:
        _done().add((nonce, upload.name))
    return {"file": upload.name, "result": result, "earlier": earlier,
            "preset_saved": preset_name if committed else None}


def save_preset(plan, chosen, name: str, saved_by: str | None = None) -> None:
    from warehouse import intake

    with cursor() as cur:
        intake.save_preset(cur, chosen.to_preset(name, plan.headers), saved_by=saved_by)


def undo_upload(import_id: int, user: str | None) -> int:
    """Undo one import (audited); returns the rows removed."""
    from warehouse import ingest

    with writer_lock(), cursor() as cur:
        removed = ingest.undo_import(cur, import_id)
    audit("undo", user, f"import {import_id}: {removed} rows removed")
    data_version()  # as after an import
    return removed


def load_import_log() -> pd.DataFrame:
    """The imports table, newest first (never cached: it is the page that changes it)."""
    from warehouse import ingest

    with cursor() as cur:
        return ingest.import_log(cur)


def imports_with_rejects(log_frame: pd.DataFrame) -> list[int]:
    """Imports in force whose rejected or skipped rows are stored, newest first."""
    kept = log_frame[(log_frame["status"] == "committed")
                     & ((log_frame["rows_rejected"] > 0) | (log_frame["rows_skipped"] > 0))]
    return [int(i) for i in kept["import_id"]]


def load_import_rejects(import_id: int, lang: str) -> pd.DataFrame:
    """The stored problems of one import, reasons in words of ``lang``."""
    from warehouse import ingest

    with cursor() as cur:
        frame = ingest.import_rejects(cur, import_id)
    frame["reason"] = [reject_reason_text(reason, lang) for reason in frame["reason"]]
    return frame


def undoable_imports(log_frame: pd.DataFrame, limit: int = 20) -> pd.DataFrame:
    """The newest ``limit`` imports of the log that are still in force."""
    return log_frame[log_frame["status"] == "committed"].head(limit)
