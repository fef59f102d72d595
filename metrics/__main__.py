"""Headless report CLI: ``python -m metrics report --db PATH --start D --end D --grain month``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import sys

from metrics._time import GRAINS


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="print the report of a window as one JSON object")
    report.add_argument("--db", required=True, type=pathlib.Path, help="DuckDB file (opened read-only)")
    report.add_argument("--start", required=True, type=_date, help="first day, YYYY-MM-DD")
    report.add_argument("--end", required=True, type=_date, help="last day (inclusive), YYYY-MM-DD")
    report.add_argument("--grain", choices=GRAINS, default="month")
    report.add_argument("--format", choices=("json",), default="json")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.db.is_file():
        print(f"error: no database file at {args.db}", file=sys.stderr)
        return 2
    if args.end < args.start:
        print("error: --end is before --start", file=sys.stderr)
        return 2

    import ibis

    from metrics.report import build_report

    con = ibis.duckdb.connect(str(args.db), read_only=True)
    try:
        report = build_report(con, start=args.start, end=args.end, grain=args.grain)
    finally:
        con.disconnect()
    json.dump(report, sys.stdout, ensure_ascii=False, allow_nan=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
