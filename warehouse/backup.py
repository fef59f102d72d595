"""Backup and restore of the whole database: a consistent copy taken through DuckDB.

``backup`` opens the file read-only and runs ``EXPORT DATABASE`` into a new, timestamped folder
(the schema, the sequences at their current values, and one Parquet file per table): one
read-only snapshot, so the copy is consistent even if the file is large. ``restore`` builds a new
database file from such a folder with ``IMPORT DATABASE`` and refuses to overwrite an existing
one unless asked to. Sequences come back at their saved values, so import ids are never reused.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import duckdb

from warehouse.connection import connect

log = logging.getLogger(__name__)
SCHEMA_FILE = "schema.sql"  # written by EXPORT DATABASE; marks a backup folder


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def table_counts(con) -> dict[str, int]:
    """Row count of every table of the main schema, by name."""
    names = [name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"
    ).fetchall()]
    # Identifiers from the catalogue itself, quoted; never from user input.
    return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def backup(db_path: str | Path, out_dir: str | Path, *, now: dt.datetime | None = None) -> tuple[Path, dict[str, int]]:
    """Write a consistent copy of ``db_path`` into a new folder under ``out_dir``.

    Returns the folder (``dashboard-YYYYmmdd-HHMMSS``) and the row count of each table copied.
    Raises :class:`warehouse.connection.DatabaseInUse` when another process holds the file.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise BackupError(f"{db_path} does not exist; nothing to back up")
    con = connect(db_path, read_only=True)
    try:
        return backup_from(con, db_path, out_dir, now=now)
    finally:
        con.close()


def backup_from(con, db_path: str | Path, out_dir: str | Path, *,
                now: dt.datetime | None = None) -> tuple[Path, dict[str, int]]:
    """:func:`backup` through an open connection or cursor (the running app's): one transaction,
    so the counts and the copy are the same snapshot even while others import."""
    db_path = Path(db_path)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = Path(out_dir) / f"{db_path.stem}-{stamp}"
    if target.exists():
        raise BackupError(f"{target} already exists; choose another --out folder or wait a second")
    target.parent.mkdir(parents=True, exist_ok=True)
    con.execute("BEGIN TRANSACTION")
    try:
        counts = table_counts(con)
        # EXPORT DATABASE takes no bound parameters; the path is ours, quotes doubled.
        con.execute(f"EXPORT DATABASE '{_quoted(target)}' (FORMAT parquet)")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    log.info("backup of %s written to %s: %s", db_path, target, counts)
    return target, counts


def restore(backup_dir: str | Path, db_path: str | Path, *, force: bool = False) -> dict[str, int]:
    """Build ``db_path`` from a folder written by :func:`backup`; returns the restored row counts.

    An existing ``db_path`` is replaced only with ``force`` (it is moved aside to ``*.before-restore``
    first, and put back if the restore fails).
    """
    backup_dir, db_path = Path(backup_dir), Path(db_path)
    if not (backup_dir / SCHEMA_FILE).is_file():
        raise BackupError(f"{backup_dir} is not a backup folder (no {SCHEMA_FILE} in it)")
    aside = db_path.with_name(db_path.name + ".before-restore")
    if db_path.exists():
        if not force:
            raise BackupError(f"{db_path} exists; pass --force to replace it (it is kept as {aside.name})")
        aside.unlink(missing_ok=True)
        db_path.rename(aside)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path))
        try:
            con.execute(f"IMPORT DATABASE '{_quoted(backup_dir)}'")
            counts = table_counts(con)
        finally:
            con.close()
    except Exception:
        db_path.unlink(missing_ok=True)
        Path(str(db_path) + ".wal").unlink(missing_ok=True)
        if aside.exists():
            aside.rename(db_path)
        raise
    log.info("restored %s from %s: %s", db_path, backup_dir, counts)
    return counts


def _quoted(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")
