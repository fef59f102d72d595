"""Opening the database: path, schema, settings, data_version, a file held by another process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from warehouse import connection
from warehouse.connection import DatabaseInUse, connect, data_version, default_db_path
from warehouse.ingest import import_csv, undo_import

REPO = Path(__file__).resolve().parent.parent
PAYMENTS_CSV = REPO / "tests" / "fixtures" / "canonical" / "payments.csv"
TABLES = sorted(["clients", "imports", "interactions", "managers", "nps_responses", "audit_log", "payments",
                 "presets", "rejects", "user_prefs", "decisions",
                 # derived tables (warehouse/derived.py) and their definitions' version
                 "derived_state", "first_payments", "interactions_daily", "nps_daily", "open_complaints_daily", "payments_daily",
                 "unlisted_contacts"])


def test_default_db_path_env_overrides_repo_data(monkeypatch, tmp_path):
    monkeypatch.delenv("DASHBOARD_DB", raising=False)
    assert default_db_path() == REPO / "data" / "dashboard.duckdb"

    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "x.duckdb"))
    assert default_db_path() == tmp_path / "x.duckdb"


def test_connect_applies_schema_idempotently(tmp_path):
    path = tmp_path / "sub" / "db.duckdb"  # parent folder created on demand
    first = connect(path)
    import_csv(first, PAYMENTS_CSV, file_name="payments.csv")
    first.close()

    second = connect(path)  # schema applied again: no error, data kept
    tables = second.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()
    rows = second.execute("SELECT count(*) FROM payments").fetchall()
    second.close()

    assert [t for (t,) in tables] == TABLES
    assert rows == [(6,)]


def test_connect_default_and_configured_limits(monkeypatch):
    monkeypatch.delenv("DASHBOARD_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("DASHBOARD_THREADS", raising=False)
    con = connect(":memory:")
    assert con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchall() == [
        ("953.6 MiB", 2)  # 1GB = 10^9 bytes = 953.6 MiB
    ]
    con.close()

    monkeypatch.setenv("DASHBOARD_MEMORY_LIMIT", "512MB")
    monkeypatch.setenv("DASHBOARD_THREADS", "1")
    con = connect(":memory:")
    assert con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchall() == [
        ("488.2 MiB", 1)  # 512 * 10^6 / 2^20 = 488.28
    ]
    con.close()


@pytest.mark.parametrize(("name", "value"), [("DASHBOARD_MEMORY_LIMIT", "1GB'; DROP TABLE x; --"),
                                             ("DASHBOARD_THREADS", "two")])
def test_connect_rejects_malformed_settings(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        connect(":memory:")


def test_connect_read_only_sees_data_and_cannot_write(tmp_path):
    path = tmp_path / "db.duckdb"
    writer = connect(path)
    import_csv(writer, PAYMENTS_CSV, file_name="payments.csv")
    writer.close()

    reader = connect(path, read_only=True)
    try:
        assert reader.execute("SELECT count(*) FROM payments").fetchall() == [(6,)]
        with pytest.raises(Exception, match="read-only"):
            reader.execute("DELETE FROM payments")
    finally:
        reader.close()


def test_data_version_changes_on_every_import_and_undo():
    con = connect(":memory:")
    versions = [data_version(con)]  # 0: nothing imported
    import_csv(con, PAYMENTS_CSV, file_name="payments.csv")
    versions.append(data_version(con))  # max id 1 + 0 undone
    import_csv(con, b"manager\nAnna\n", file_name="team.csv")
    versions.append(data_version(con))  # max id 2 + 0 undone
    undo_import(con, 1)
    versions.append(data_version(con))  # max id 2 + 1 undone
    import_csv(con, PAYMENTS_CSV, file_name="payments.csv")
    versions.append(data_version(con))  # max id 3 + 1 undone
    con.close()

    assert versions == [0, 1, 2, 3, 4]


HOLD_FILE = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(60)
""")


def test_connect_file_held_by_another_process_raises_database_in_use(tmp_path, caplog):
    path = tmp_path / "db.duckdb"
    connect(path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FILE, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with caplog.at_level("INFO", logger=connection.__name__):
            with pytest.raises(DatabaseInUse) as caught:
                connect(path, read_only=True)
    finally:
        holder.kill()
        holder.wait()

    assert caught.value.pid == holder.pid
    assert str(caught.value) == f"database in use by another process (PID {holder.pid})"
    assert "Conflicting lock" not in str(caught.value)  # DuckDB's own text only goes to the log
    assert "Conflicting lock" in caplog.text


def test_warehouse_import_loads_no_streamlit_and_opens_nothing(tmp_path):
    probe = ("import sys, warehouse.connection, warehouse.ingest, warehouse.__main__; "
             "print('streamlit' in sys.modules)")
    env = {"PATH": "/usr/bin:/bin", "DASHBOARD_DB": str(tmp_path / "never.duckdb")}
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)

    assert (done.returncode, done.stdout) == (0, "False\n")
    assert list(tmp_path.iterdir()) == []  # importing did not create the database file
