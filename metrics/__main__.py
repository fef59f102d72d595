"""Headless CLI: ``python -m metrics report --db PATH --start D --end D --grain month`` (one JSON
object) and ``python -m metrics meeting --db PATH [--week 2026-W47] --out DIR`` (the meeting pack:
PDF, HTML, XLSX and CSVs of the Weekly meeting page, for a scheduled job)."""

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
    meet = commands.add_parser("meeting", help="write the weekly meeting pack (PDF, HTML, XLSX, CSV)")
    meet.add_argument("--db", required=True, type=pathlib.Path, help="DuckDB file (not held by a running app)")
    meet.add_argument("--week", default=None, help="ISO week, e.g. 2026-W47 (default: the last complete week)")
    meet.add_argument("--out", required=True, type=pathlib.Path, help="folder for the pack")
    meet.add_argument("--lang", choices=("en", "ru"), default="en")
    return parser


def _meeting(args) -> int:
    """The Weekly meeting page's snapshot and slides, written as files (no browser, no server)."""
    import logging
    import os
    import time

    os.environ["DASHBOARD_DB"] = str(args.db)
    # The page's loaders run here outside a Streamlit server; their cache says so once per loader.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(
        lambda record: "No runtime found" not in record.getMessage())
    import app_state
    from app_state import meeting, pack
    from warehouse.connection import DatabaseInUse
    from warehouse.decisions import week_start

    started = time.perf_counter()
    try:
        settings = app_state.get_settings()
        version = app_state.data_version()
        options = app_state.load_options(version)
    except DatabaseInUse as exc:
        print(f"error: {exc}; stop the dashboard or use its Weekly meeting page", file=sys.stderr)
        return 3
    week = args.week or meeting.default_week(options)
    if week not in meeting.weeks(options):
        print(f"error: no data for week {week!r} (weeks with data: {', '.join(meeting.weeks(options)[:3])}, …)",
              file=sys.stderr)
        return 2
    monday = week_start(week)
    filters = app_state.Filters(monday, monday + dt.timedelta(days=7), "week", lang=args.lang,
                                currency=settings.currency)
    snapshot = meeting.build_snapshot(filters, version, settings, week)
    written = pack.write_pack(snapshot, args.lang, settings.currency, args.out)
    slides = len(meeting.slides(snapshot, args.lang))
    print(f"meeting pack for {week}: {slides} slides in {time.perf_counter() - started:.1f} s")
    for kind, path in written.items():
        print(f"  {kind}: {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.db.is_file():
        print(f"error: no database file at {args.db}", file=sys.stderr)
        return 2
    if args.command == "meeting":
        return _meeting(args)
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
