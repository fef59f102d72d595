"""``python -m warehouse``: printed counts and exit codes, run as a real process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from pathlib import Path

from warehouse import __main__ as cli

REPO = Path(__file__).resolve().parent.parent
PAYMENTS_CSV = REPO / "tests" / "fixtures" / "canonical" / "payments.csv"  # 6 rows


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warehouse", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_main_import_prints_counts_then_exit_2_for_the_same_file(tmp_path):
    db = str(tmp_path / "db.duckdb")

    first = run("import", "--db", db, str(PAYMENTS_CSV))
    again = run("import", "--db", db, str(PAYMENTS_CSV))

    assert (first.returncode, first.stdout) == (
        0, "payments.csv → payments (import 1): committed; read 6, inserted 6, duplicate 0, rejected 0\n")
    assert again.returncode == 2
    assert again.stdout.startswith("payments.csv: this exact file was already imported as import 1 ('payments.csv', ")


def test_main_import_rejected_file_exit_1_unless_accept_partial(tmp_path):
    db = str(tmp_path / "db.duckdb")
    bad = tmp_path / "week.csv"
    bad.write_text("manager,team,weekly_hours\nAnna,Key,40\nBoris,SMB,forty\n", encoding="utf-8")

    rejected = run("import", "--db", db, str(bad))
    partial = run("import", "--db", db, "--accept-partial", "--table", "managers", str(bad))

    assert rejected.returncode == 1
    assert rejected.stdout == (
        "week.csv → managers: rejected; read 2, inserted 0, duplicate 0, rejected 1\n"
        "  line 3, weekly_hours: not a number (expected digits with a dot decimal, e.g. 1234.50) (value: 'forty')\n"
    )
    assert partial.returncode == 0
    assert partial.stdout.startswith("week.csv → managers (import 1): committed; read 2, inserted 1, duplicate 0, rejected 1\n")


def test_main_undo_removes_the_import_rows(tmp_path):
    db = str(tmp_path / "db.duckdb")
    run("import", "--db", db, str(PAYMENTS_CSV))

    undone = run("undo", "--db", db, "1")
    twice = run("undo", "--db", db, "1")

    assert (undone.returncode, undone.stdout) == (0, "import 1 undone: 6 rows removed\n")
    assert (twice.returncode, twice.stderr) == (1, "import 1 is already undone\n")


HOLD_FILE = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(60)
""")


def test_main_import_database_in_use_exit_3(tmp_path):
    db = str(tmp_path / "db.duckdb")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FILE, db], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        blocked = run("import", "--db", db, str(PAYMENTS_CSV))
    finally:
        holder.kill()
        holder.wait()

    assert blocked.returncode == 3
    assert blocked.stderr == (f"database in use by process {holder.pid}; "
                              "close the dashboard or use its Upload page\n")
    assert blocked.stdout == ""


def test_main_demo_passes_options_to_build_demo_db(tmp_path, monkeypatch, capsys):
    calls = []
    fake = types.ModuleType("warehouse.demo")
    fake.build_demo_db = lambda path, **options: calls.append((path, options)) or {"managers": 3}
    monkeypatch.setitem(sys.modules, "warehouse.demo", fake)
    db = tmp_path / "demo.duckdb"

    code = cli.main(["demo", "--db", str(db), "--interactions", "500", "--seed", "3"])

    assert code == 0
    assert calls == [(db, {"replace": False, "interactions": 500, "seed": 3})]
    assert capsys.readouterr().out == f"demo database written to {db}: managers 3\n"


EXPORTS = REPO / "tests" / "fixtures" / "exports"


def test_main_import_real_exports_with_and_without_preset(tmp_path):
    db = str(tmp_path / "db.duckdb")

    calls = run("import", "--db", db, "--preset", "sipuni_calls", str(EXPORTS / "sipuni_calls.csv"))
    deals = run("import", "--db", db, str(EXPORTS / "bitrix24_deals.csv"))

    assert (calls.returncode, calls.stdout) == (0, (
        "sipuni_calls.csv → interactions (import 1) [preset: Sipuni call log → interactions]: committed; "
        "read 5, inserted 5, duplicate 0, rejected 0\n"))
    assert (deals.returncode, deals.stdout) == (0, (
        "bitrix24_deals.csv → payments (import 2) [preset: Bitrix24 deal list (won deals → payments)]: "
        "committed; read 3, inserted 2, duplicate 0, rejected 0, skipped 1\n"))


def test_main_import_real_export_rejects_print_line_column_value(tmp_path):
    db = str(tmp_path / "db.duckdb")

    result = run("import", "--db", db, str(EXPORTS / "impossible_date.csv"))

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "impossible_date.csv → payments: rejected; read 3, inserted 0, duplicate 0, rejected 1",
        "  line 3, Дата оплаты: not a date (expected DD.MM.YYYY[ HH:MM[:SS]], YYYY-MM-DD[ HH:MM[:SS]] or "
        "DD/MM/YYYY), or no such day (value: '31.02.2024')",
    ]


def test_main_user_add_list_remove_writes_a_verifiable_hash(tmp_path):
    import tomllib

    from access.passwords import verify_password

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[settings]\ncurrency = "EUR"\n', encoding="utf-8")

    def user(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "warehouse", "user", *args, "--secrets", str(secrets)],
                              cwd=REPO, capture_output=True, text=True, timeout=60, input=stdin)

    added = user("add", "anna", "--role", "editor", "--teams", "Key accounts,Growth", "--password-stdin",
                 stdin="pa55 word\n")
    admin = user("add", "boss", "--role", "admin", "--email", "Boss@Example.com", "--password-stdin", stdin="b\n")
    listed = user("list")
    no_teams = user("add", "vera", "--role", "viewer", "--password-stdin", stdin="v\n")

    assert (added.returncode, added.stdout) == (0, f"user anna (editor) added in {secrets}\n")
    assert admin.returncode == 0
    assert listed.stdout == "anna\teditor\tKey accounts, Growth\t\nboss\tadmin\tall teams\tboss@example.com\n"
    assert no_teams.returncode == 1 and "has no teams" in no_teams.stderr
    data = tomllib.loads(secrets.read_text(encoding="utf-8"))
    assert data["settings"] == {"currency": "EUR"}  # the rest of the file is kept
    assert data["users"]["anna"]["teams"] == ["Key accounts", "Growth"]
    assert verify_password("pa55 word", data["users"]["anna"]["password_hash"])
    assert oct(secrets.stat().st_mode & 0o777) == "0o600"

    removed = user("remove", "anna")
    assert removed.returncode == 0 and "anna" not in tomllib.loads(secrets.read_text(encoding="utf-8"))["users"]
    assert user("remove", "anna").returncode == 1
