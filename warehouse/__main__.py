"""Command line: ``python -m warehouse import|undo|demo|backup|restore --db PATH ...``.

Exit codes of ``import``: 0 every file imported; 1 a file was rejected (or unreadable);
2 a file was already imported; 3 the database is held by another process. With several
files the highest code wins.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from warehouse.connection import DatabaseInUse, connect, default_db_path
from warehouse.ingest import TABLES, AlreadyImported, ImportResult, undo_import
from warehouse.intake import CHUNK_ROWS, import_file

EXIT_OK, EXIT_REJECTED, EXIT_ALREADY_IMPORTED, EXIT_IN_USE = 0, 1, 2, 3
SHOWN_REJECTS = 5


def _in_use(exc: DatabaseInUse) -> int:
    who = f"process {exc.pid}" if exc.pid is not None else "another process"
    print(f"database in use by {who}; close the dashboard or use its Upload page", file=sys.stderr)
    return EXIT_IN_USE


def _print_result(result: ImportResult) -> None:
    target = f" → {result.table_name}" if result.table_name else ""
    import_id = f" (import {result.import_id})" if result.import_id is not None else ""
    preset = f" [preset: {result.preset}]" if result.preset else ""
    skipped = f", skipped {result.rows_skipped}" if result.rows_skipped else ""
    print(f"{result.file_name}{target}{import_id}{preset}: {result.status}; read {result.rows_read}, "
          f"inserted {result.rows_inserted}, duplicate {result.rows_duplicate}, "
          f"rejected {result.rows_rejected}{skipped}")
    problems = [r for r in result.rejects if not r.reason.startswith("skipped:")]
    for reject in problems[:SHOWN_REJECTS]:
        where = ", ".join(part for part in (
            f"line {reject.line}" if reject.line is not None else "",
            reject.column or "",
        ) if part)
        raw = f" (value: {reject.raw!r})" if reject.raw else ""
        print(f"  {where + ': ' if where else ''}{reject.reason}{raw}")
    if len(problems) > SHOWN_REJECTS:
        print(f"  … and {len(problems) - SHOWN_REJECTS} more")


def _progress(name: str):
    """Progress on stderr for files of several chunks (a terminal sees it; scripts can ignore it)."""
    def report(done: int, total: int) -> None:
        if total > CHUNK_ROWS:
            print(f"{name}: {done:,} of {total:,} records", file=sys.stderr, flush=True)
    return report


def _import_one(con, path: Path, args) -> int:
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return EXIT_REJECTED
    try:
        result = import_file(con, path, file_name=path.name, table=args.table, preset=args.preset,
                             accept_partial=args.accept_partial, imported_by=args.user,
                             progress=_progress(path.name))
    except OSError as exc:
        print(f"{path}: cannot read the file ({exc.strerror})", file=sys.stderr)
        return EXIT_REJECTED
    except AlreadyImported as exc:
        print(exc.result.message)
        return EXIT_ALREADY_IMPORTED
    _print_result(result)
    return EXIT_OK if result.status == "committed" else EXIT_REJECTED


def cmd_import(args) -> int:
    try:
        con = connect(args.db)
    except DatabaseInUse as exc:
        return _in_use(exc)
    try:
        return max(_import_one(con, Path(name), args) for name in args.files)
    finally:
        con.close()


def cmd_undo(args) -> int:
    try:
        con = connect(args.db)
    except DatabaseInUse as exc:
        return _in_use(exc)
    try:
        removed = undo_import(con, args.import_id)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
    finally:
        con.close()
    print(f"import {args.import_id} undone: {removed} rows removed")
    return EXIT_OK


def cmd_demo(args) -> int:
    from warehouse.demo import build_demo_db  # written separately; loaded only when asked for

    try:
        options = {name: value for name in ("interactions", "seed")
                   if (value := getattr(args, name)) is not None}
        inserted = build_demo_db(args.db, replace=args.replace, **options)
    except DatabaseInUse as exc:
        return _in_use(exc)
    except FileExistsError:
        print(f"{args.db} exists; pass --replace to rebuild it", file=sys.stderr)
        return EXIT_REJECTED
    rows = _counts_text(inserted or {})
    print(f"demo database written to {args.db}" + (f": {rows}" if rows else ""))
    return EXIT_OK


def cmd_backup(args) -> int:
    from warehouse.backup import BackupError, backup

    try:
        folder, counts = backup(args.db, args.out)
    except DatabaseInUse as exc:
        return _in_use(exc)
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
    print(f"backup of {args.db} written to {folder}: " + _counts_text(counts))
    return EXIT_OK


def cmd_restore(args) -> int:
    from warehouse.backup import BackupError, restore

    try:
        counts = restore(args.backup, args.db, force=args.force)
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
    print(f"{args.db} restored from {args.backup}: " + _counts_text(counts))
    return EXIT_OK


def _password(args) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(f"Password for {args.name}: ")
    if first != getpass.getpass("Again: "):
        print("the two passwords differ; nothing changed", file=sys.stderr)
        return None
    return first


def cmd_user(args) -> int:
    from access import secrets_file
    from access.users import UsersError, users_from_secrets

    path = args.secrets
    try:
        if args.action == "list":
            for user in users_from_secrets(secrets_file.read(path)).values():
                teams = "all teams" if user.teams is None else ", ".join(user.teams)
                print(f"{user.name}\t{user.role}\t{teams}\t{user.email or ''}")
            return EXIT_OK
        if args.action == "remove":
            if not secrets_file.remove_user(path, args.name):
                print(f"there is no user {args.name!r} in {path}", file=sys.stderr)
                return EXIT_REJECTED
            print(f"user {args.name} removed from {path}")
            return EXIT_OK
        if args.role is None:
            print("give the role: --role viewer|editor|admin", file=sys.stderr)
            return EXIT_REJECTED
        password = _password(args)
        if not password:
            print("the password is empty; nothing changed", file=sys.stderr)
            return EXIT_REJECTED
        teams = args.teams if args.teams is not None else ("*" if args.role == "admin" else "")
        existed = secrets_file.add_user(path, args.name, password, role=args.role, teams=teams, email=args.email)
    except UsersError as exc:
        print(f"{exc}; nothing changed", file=sys.stderr)
        return EXIT_REJECTED
    print(f"user {args.name} ({args.role}) {'updated' if existed else 'added'} in {path}")
    if args.role != "viewer" and teams != "*":
        print(f"note: {args.name} sees only some teams, so cannot upload or undo imports "
              '(they change every team\'s data); --teams "*" allows it', file=sys.stderr)
    return EXIT_OK


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{table} {count}" for table, count in counts.items())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def with_db(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--db", type=Path, default=None,
                         help="DuckDB file (default: $DASHBOARD_DB or data/dashboard.duckdb)")
        return sub

    imp = with_db(commands.add_parser("import", help="import CSV/Excel exports (canonical or mapped)"))
    imp.add_argument("--table", choices=sorted(TABLES), help="target table (default: from the header)")
    imp.add_argument("--preset", default=None, metavar="NAME",
                     help="column mapping: a built-in preset (amocrm_leads, bitrix24_deals, sipuni_calls, "
                          "zendesk_tickets, freshdesk_tickets, nps_survey) or one saved on the Upload page; "
                          "default: found by the file's headers")
    imp.add_argument("--accept-partial", action="store_true",
                     help="import the good rows of a file with rejected rows")
    imp.add_argument("--user", default=None, help="recorded as imported_by")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.set_defaults(run=cmd_import)

    undo = with_db(commands.add_parser("undo", help="remove the rows of one import"))
    undo.add_argument("import_id", type=int, metavar="ID")
    undo.set_defaults(run=cmd_undo)

    demo = with_db(commands.add_parser("demo", help="build the seeded demo database"))
    demo.add_argument("--interactions", type=int, default=None, help="number of interactions (demo default)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (demo default)")
    demo.add_argument("--replace", action="store_true", help="rebuild an existing file")
    demo.set_defaults(run=cmd_demo)

    back = with_db(commands.add_parser("backup", help="write a consistent copy of the database"))
    back.add_argument("--out", type=Path, default=Path("backups"), help="folder for the backup (default: backups)")
    back.set_defaults(run=cmd_backup)

    rest = with_db(commands.add_parser("restore", help="build the database from a backup folder"))
    rest.add_argument("backup", type=Path, metavar="BACKUP", help="a folder written by backup")
    rest.add_argument("--force", action="store_true", help="replace an existing database file")
    rest.set_defaults(run=cmd_restore)

    from access.secrets_file import DEFAULT_PATH
    from access.users import ROLES

    user = commands.add_parser("user", help="add, remove or list the users of .streamlit/secrets.toml")
    user.add_argument("action", choices=["add", "remove", "list"])
    user.add_argument("name", nargs="?", default="", metavar="NAME")
    user.add_argument("--role", choices=ROLES, default=None)
    user.add_argument("--teams", default=None, help='teams the user sees: "Team A,Team B" or "*" for all '
                                                    "(default: all for an admin)")
    user.add_argument("--email", default=None, help="e-mail that maps an OIDC sign-in to this user")
    user.add_argument("--secrets", type=Path, default=DEFAULT_PATH, help=f"secrets file (default: {DEFAULT_PATH})")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user.set_defaults(run=cmd_user, db=Path("unused"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.db is None:
        args.db = default_db_path()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
