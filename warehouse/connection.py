"""Opening the DuckDB file: path, schema, resource limits, lock errors, data version."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import duckdb

from warehouse import derived

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_SQL = Path(__file__).resolve().parent / "schema.sql"
DEFAULT_MEMORY_LIMIT = "1GB"
DEFAULT_THREADS = 2

_MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
_LOCK_PID = re.compile(r"Conflicting lock is held in .*\(PID (\d+)\)")


class DatabaseInUse(RuntimeError):
    """Another process holds the database file. ``pid`` is that process, when DuckDB names it."""

    def __init__(self, pid: int | None = None):
        self.pid = pid
        who = f" (PID {pid})" if pid is not None else ""
        super().__init__(f"database in use by another process{who}")


def default_db_path() -> Path:
    """``$DASHBOARD_DB`` if set, else ``<repo>/data/dashboard.duckdb``."""
    env = os.environ.get("DASHBOARD_DB")
    return Path(env) if env else REPO_ROOT / "data" / "dashboard.duckdb"


def _memory_limit() -> str:
    value = os.environ.get("DASHBOARD_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT).strip()
    if not _MEMORY_LIMIT.fullmatch(value):
        raise ValueError(f"DASHBOARD_MEMORY_LIMIT must look like '1GB' or '512MB', got {value!r}")
    return value


def _threads() -> int:
    value = os.environ.get("DASHBOARD_THREADS", str(DEFAULT_THREADS)).strip()
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"DASHBOARD_THREADS must be a positive integer, got {value!r}")
    return int(value)


def connect(path: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database (``":memory:"`` for a throwaway one) and make sure the schema exists.

    Read-write connections apply ``schema.sql`` (every statement is ``IF NOT EXISTS``) and
    create the parent folder; read-only ones expect an existing file. Raises
    :class:`DatabaseInUse` when another process holds the file.
    """
    target = str(path) if path is not None else str(default_db_path())
    if target != ":memory:" and not read_only:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as exc:
        match = _LOCK_PID.search(str(exc))
        if match is None and "lock" not in str(exc).lower():
            raise
        log.info("cannot open %s: %s", target, exc)
        raise DatabaseInUse(int(match.group(1)) if match else None) from None
    try:
        # Values validated above; SET takes no bound parameters.
        con.execute(f"SET memory_limit = '{_memory_limit()}'")
        con.execute(f"SET threads = {_threads()}")
        con.execute("SET enable_progress_bar = false")
        if not read_only:
            con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
            _row_keys_nullable(con)
            derived.ensure(con)
    except BaseException:
        con.close()
        raise
    return con


def _row_keys_nullable(con) -> None:
    """A database made when every row stored a ``row_key`` (its id, or the hash of its values)
    lets it be NULL, as schema.sql now declares it (a row with an id is keyed by its id alone:
    warehouse.ingest). Only the tables still refusing NULL are altered: the statement is
    written to the log each time it runs, even when it changes nothing."""
    for (table,) in con.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'main' "
            "AND column_name = 'row_key' AND is_nullable = 'NO'").fetchall():
        con.execute(f'ALTER TABLE "{table}" ALTER COLUMN row_key DROP NOT NULL')  # a name from the catalog


def data_version(con) -> int:
    """A number that grows on every committed import and every undo.

    ``max(import_id) + count of undone imports``: an import adds a row with a new, larger id
    (ids come from a sequence and are never reused), an undo adds one to the undone count, and
    nothing else touches ``imports``; so the value only ever increases and a cache keyed by it
    sees every change of the data.
    """
    row = con.execute(
        "SELECT coalesce(max(import_id), 0) + count(*) FILTER (WHERE status = 'undone') FROM imports"
    ).fetchall()[0]
    return int(row[0])
