"""Backup and restore: a consistent copy, every row back, ids never reused, no silent overwrite."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.backup import BackupError, backup, restore
from warehouse.connection import connect
from warehouse.ingest import import_csv

REPO = Path(__file__).resolve().parent.parent
PAYMENTS_CSV = REPO / "tests" / "fixtures" / "canonical" / "payments.csv"  # 6 rows
MANAGERS_CSV = "manager,team,weekly_hours\nAnna,Key,40\nBoris,SMB,36\n".encode()
TABLES = ("clients", "imports", "interactions", "managers", "nps_responses", "payments", "rejects")


def _rows(path: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    finally:
        con.close()


@pytest.fixture
def db(tmp_path) -> Path:
    """A database with two imports: 6 payments, 2 managers."""
    path = tmp_path / "live.duckdb"
    con = connect(path)
    try:
        import_csv(con, PAYMENTS_CSV.read_bytes(), file_name="payments.csv")
        import_csv(con, MANAGERS_CSV, file_name="managers.csv")
    finally:
        con.close()
    return path


def test_backup_then_restore_gives_back_every_row_of_every_table(db, tmp_path):
    folder, counts = backup(db, tmp_path / "backups", now=dt.datetime(2026, 11, 28, 14, 5, 9))
    restored = tmp_path / "restored.duckdb"

    back = restore(folder, restored)

    assert folder.name == "live-20261128-140509"
    assert (counts["payments"], counts["managers"], counts["imports"]) == (6, 2, 2)
    assert back == counts
    for table in TABLES:
        assert _rows(restored, table) == _rows(db, table), table


def test_restored_database_continues_import_ids(db, tmp_path):
    folder, _ = backup(db, tmp_path / "b")
    restored = tmp_path / "restored.duckdb"
    restore(folder, restored)
    con = connect(restored)
    try:
        result = import_csv(con, b"manager,team,weekly_hours\nVera,Key,20\n", file_name="week.csv")
    finally:
        con.close()
    assert result.import_id == 3  # imports 1 and 2 came back: the sequence did too


def test_restore_refuses_to_overwrite_unless_forced_and_keeps_the_old_file(db, tmp_path):
    folder, _ = backup(db, tmp_path / "b")
    other = tmp_path / "other.duckdb"
    connect(other).close()  # an empty database (schema only)

    with pytest.raises(BackupError, match="exists; pass --force"):
        restore(folder, other)
    assert _rows(other, "payments") == []

    restore(folder, other, force=True)
    assert len(_rows(other, "payments")) == 6
    assert (tmp_path / "other.duckdb.before-restore").is_file()


def test_restore_of_a_folder_that_is_not_a_backup_is_refused(tmp_path):
    with pytest.raises(BackupError, match="is not a backup folder"):
        restore(tmp_path, tmp_path / "x.duckdb")
    assert not (tmp_path / "x.duckdb").exists()


def test_cli_backup_and_restore_print_counts_and_exit_codes(db, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "warehouse", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=120)

    made = run("backup", "--db", str(db), "--out", str(tmp_path / "out"))
    assert made.returncode == 0, made.stderr
    folder = next((tmp_path / "out").iterdir())
    assert made.stdout.startswith(f"backup of {db} written to {folder}: ")
    assert "payments 6" in made.stdout and "imports 2" in made.stdout

    restored = tmp_path / "r.duckdb"
    first = run("restore", "--db", str(restored), str(folder))
    again = run("restore", "--db", str(restored), str(folder))
    assert first.returncode == 0 and "payments 6" in first.stdout
    assert again.returncode == 1 and "exists; pass --force" in again.stderr

    missing = run("backup", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "o2"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr
