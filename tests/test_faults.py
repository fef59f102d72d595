"""Faults, with real processes and files: kill -9 in the middle of an import and right after its
commit, the same file imported by two processes at once, a second app on the same database."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import load
from warehouse import demo
from warehouse.connection import connect

REPO = Path(__file__).resolve().parent.parent
ROWS = 250_000  # three chunks of 100,000 records: the import is mid-transaction after the first


def _russian_export(path: Path, rows: int) -> Path:
    """A cp1251 ';' call log with DD.MM.YYYY dates and decimal commas (the chunked import path)."""
    lines = ["Дата обращения;Клиент;Ответственный;Канал;Длительность"]
    lines += [f"{(i % 28) + 1:02d}.10.2026 10:{i % 60:02d};C{i % 5000:05d};Анна;Звонок;{i % 17},5" for i in range(rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1251"))
    return path


def _state(db: Path) -> tuple:
    con = connect(db)
    try:
        return (con.execute("SELECT count(*) FROM interactions").fetchall()[0][0],
                con.execute("SELECT count(*), coalesce(max(import_id), 0) FROM imports "
                            "WHERE status = 'committed'").fetchall()[0])
    finally:
        con.close()


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "warehouse", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "faults.duckdb"
    demo.build_demo_db(path, interactions=3000, seed=7)
    return path


def test_kill_9_mid_import_leaves_the_data_as_before(db, tmp_path):
    export = _russian_export(tmp_path / "calls.csv", ROWS)
    before = _state(db)

    proc = _cli("import", "--db", str(db), str(export))
    first_progress = proc.stderr.readline()  # printed after the first chunk is inserted, uncommitted
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    assert first_progress.startswith("calls.csv: 100,000 of 250,000 records")
    assert proc.returncode == -signal.SIGKILL
    assert _state(db) == before
    again = _cli("import", "--db", str(db), str(export))
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    rows, (imports, _) = _state(db)
    assert (rows, imports) == (before[0] + ROWS, before[1][0] + 1)


def test_kill_9_right_after_commit_keeps_the_import(db, tmp_path):
    export = _russian_export(tmp_path / "calls.csv", 1_000)
    before = _state(db)
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from warehouse.connection import connect\n"
        "from warehouse.intake import import_file\n"
        f"con = connect({str(db)!r})\n"
        f"result = import_file(con, Path({str(export)!r}), file_name='calls.csv')\n"
        "print(result.status, result.rows_inserted, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"  # no close, no checkpoint: the WAL must carry it
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)

    assert proc.returncode == -signal.SIGKILL
    assert proc.stdout == "committed 1000\n"
    rows, (imports, _) = _state(db)
    assert (rows, imports) == (before[0] + 1_000, before[1][0] + 1)


def test_same_file_from_two_processes_at_once_is_imported_exactly_once(db, tmp_path):
    export = _russian_export(tmp_path / "calls.csv", 50_000)
    before = _state(db)

    first, second = _cli("import", "--db", str(db), str(export)), _cli("import", "--db", str(db), str(export))
    outcomes = sorted([(first.wait(timeout=300), first.communicate()[1]), (second.wait(timeout=300),
                                                                        second.communicate()[1])])

    # one imports; the other finds the file held (exit 3, "database in use by process N") or,
    # if it opened the file after the first finished, the file already imported (exit 2)
    assert outcomes[0][0] == 0
    assert outcomes[1][0] in (2, 3)
    if outcomes[1][0] == 3:
        assert outcomes[1][1].startswith("database in use by process ")
    rows, (imports, _) = _state(db)
    assert (rows, imports) == (before[0] + 50_000, before[1][0] + 1)


def test_a_second_app_on_the_same_database_says_in_use_and_the_first_keeps_serving(db, tmp_path):
    async def page(url: str, name: str = "") -> list[str]:
        async with load.Session(url) as session:
            await session.run(name)
            return session.errors

    with load.streamlit_server(db, log_path=tmp_path / "first.log") as first:
        assert asyncio.run(page(first)) == []  # the first app now holds the file
        with load.streamlit_server(db, log_path=tmp_path / "second.log") as second:
            errors = asyncio.run(page(second))
            assert len(errors) == 1 and errors[0].startswith("error: The database is in use by another process (PID ")
            assert asyncio.run(page(first, "managers")) == []
        started = time.monotonic()
        assert asyncio.run(page(first, "clients")) == [] and time.monotonic() - started < 60
