"""Benchmark harness (run as ``python -m bench``; the workers live here so child processes
can import them).

    python -m bench generate --interactions 1000000        # canonical CSVs under bench/out/<N>/
    python -m bench import   --interactions 1000000        # import timing vs raw DuckDB read_csv
    python -m bench report   --interactions 1000000        # headless report (all metric families)
    python -m bench export   --interactions 1000000        # a Russian cp1251 export through the Upload path
    python -m bench pages    --interactions 1000000        # every page's compute + Overview baselines (bench/pages.py)
    python -m bench all      --interactions 1000000

Every timing is the median of --repeat runs after one warm-up; the baseline is measured in the
same run and printed next to it as a ratio. Peak RSS is read from the kernel (ru_maxrss) of a
child process per measurement, so runs do not inherit each other's peaks. The modules a
measured function needs (its ``modules``) are loaded before its clock starts, on both sides:
the app imports in a running server, where they are loaded already.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import json
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
def _quiet(path: str = ":memory:"):
    """A DuckDB connection without its progress bar (it would mix into the JSON on stdout)."""
    import duckdb

    con = duckdb.connect(path)
    con.execute("SET enable_progress_bar = false")
    return con


def _csv_dir(n: int) -> Path:
    return OUT / f"{n}"


def generate(n: int, seed: int) -> dict[str, Path]:
    from warehouse import demo

    target = _csv_dir(n)
    marker = target / "DONE"
    if marker.exists():
        return {p.stem: p for p in target.glob("*.csv")}
    target.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    files = demo.write_csvs(target, interactions=n, seed=seed, ratios=demo.BENCH_RATIOS)
    marker.write_text(json.dumps({"seconds": time.perf_counter() - t0}))
    return files


def _in_child(fn, *args):
    """Run fn(*args) in a fresh process; return (seconds, peak_rss_mb, result, cpu_seconds) —
    the CPU of every thread of that process (DuckDB's, Arrow's) while fn ran."""
    # an executor, not a multiprocessing Pool: a Pool replaces a worker that dies (out of memory,
    # or unable to start) with another, for ever; the executor raises BrokenProcessPool
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_timed, fn, *args).result()


def _timed(fn, *args):
    # the modules fn needs are loaded before the clock starts, as in a running server (the
    # Upload page); ``python -m warehouse import`` also pays loading them, ~0.5 s
    for module in getattr(fn, "modules", ()):
        importlib.import_module(module)
    result, seconds, cpu_seconds = clocked(fn, *args)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, peak_mb, result, cpu_seconds


def clocked(fn, *args, **kwargs):
    """fn(*args, **kwargs) → (its result, wall seconds, CPU seconds of every thread of this
    process while it ran)."""
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t0, time.process_time() - c0


def _import_ours(db: str, files: dict[str, str]) -> int:
    from warehouse import connection, ingest

    con = connection.connect(db)
    total = 0
    try:
        for table in (t for t in ("managers", "clients", "payments", "interactions", "nps_responses") if t in files):
            res = ingest.import_csv(con, files[table], file_name=Path(files[table]).name, table=table)
            total += res.rows_inserted
    finally:
        con.close()
    return total


def _report(db: str, start: str, end: str, grain: str) -> int:
    import ibis

    from metrics.report import build_report

    con = ibis.duckdb.connect(db, read_only=True)
    try:
        rep = build_report(con, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end), grain=grain)
    finally:
        con.disconnect()
    return len(json.dumps(rep, default=str))


def _median_runs(repeat: int, fn, *args) -> tuple[float, float]:
    _in_child(fn, *args)  # warm-up
    runs = [_in_child(fn, *args) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def parquet_copy(n: int, seed: int) -> Path:
    """bench/out/<N>/interactions.parquet: the same rows as interactions.csv, as Parquet."""
    csv = generate(n, seed)["interactions"]
    target = _csv_dir(n) / "interactions.parquet"
    if not target.exists():
        con = _quiet()
        try:
            con.execute(f"COPY (SELECT * FROM read_csv(?)) TO '{target}' (FORMAT parquet)", [str(csv)])
        finally:
            con.close()
    return target


def _import_through_app(db: str, path: str) -> int:
    """The Upload page's and ``python -m warehouse import``'s path: intake.import_file."""
    from warehouse import connection, intake

    con = connection.connect(db)
    try:
        result = intake.import_file(con, Path(path), file_name=Path(path).name)
    finally:
        con.close()
    if result.status != "committed":
        raise RuntimeError(result.message)
    return result.rows_inserted


_import_through_app.modules = ("warehouse.connection", "warehouse.intake")


def _fresh_db() -> str:
    return str(Path(tempfile.mkdtemp(prefix="bench-")) / "b.duckdb")


def _runs(repeat: int, fn, path: str, prepare=None) -> list:
    """A warm-up, then ``repeat`` runs of fn(fresh database, path), each in its own process
    (each database is deleted after its run); ``prepare(database)``, untimed, in a process of
    its own before each."""
    import shutil

    results = []
    for _ in range(repeat + 1):
        db = _fresh_db()
        try:
            if prepare is not None:
                _in_child(prepare, db)
            results.append(_in_child(fn, db, path))
        finally:
            shutil.rmtree(Path(db).parent, ignore_errors=True)
    return results[1:]


def bench_import(n: int, seed: int, repeat: int, formats: tuple[str, ...] = ("csv", "parquet")) -> dict:
    """The interactions file (N rows) through the app's import path, as canonical CSV and as
    Parquet (validated, deduplicated, derived tables kept), against raw DuckDB read_csv of the
    same CSV into a table — medians of ``repeat`` runs after a warm-up (wall and CPU seconds:
    with both cores busy, the CPU ratio is what a faster import must cut), peak RSS per run."""
    files = generate(n, seed)
    csv = files["interactions"]
    paths = {"csv": csv, **({"parquet": parquet_copy(n, seed)} if "parquet" in formats else {})}
    raw = _runs(repeat, _read_csv_raw, str(csv))
    raw_s, raw_cpu = statistics.median(x[0] for x in raw), statistics.median(x[3] for x in raw)
    out = {"rows": n, "csv_mb": round(csv.stat().st_size / 2**20), "raw_read_csv_s": round(raw_s, 2),
           "raw_cpu_s": round(raw_cpu, 2), "raw_peak_rss_mb": round(max(x[1] for x in raw))}
    # "csv": into an empty database, as the figures have always been taken: no client is
    # listed, so every client is in the derived unlisted_contacts. "csv_into_book": into a
    # database that holds the team and client lists already, as a department's weekly import.
    book = functools.partial(_import_ours, files={t: str(files[t]) for t in ("managers", "clients")})
    runs = [(f, paths[f], None) for f in formats] + ([("csv_into_book", csv, book)] if "csv" in formats else [])
    for label, path, prepare in runs:
        ours = _runs(repeat, _import_through_app, str(path), prepare)
        seconds, cpu = statistics.median(x[0] for x in ours), statistics.median(x[3] for x in ours)
        out[label] = {"seconds": round(seconds, 2), "rows_per_s": round(ours[0][2] / seconds),
                      "peak_rss_mb": round(max(x[1] for x in ours)), "ratio_to_raw": round(seconds / raw_s, 2),
                      "cpu_s": round(cpu, 2), "cpu_ratio_to_raw": round(cpu / raw_cpu, 2)}
    return out


# A call-centre export as Russian tools write it: cp1251, ';', Russian headers, DD.MM.YYYY HH:MM:SS,
# decimal comma, "Отвечен"/"Пропущен" statuses, Russian channel and direction words.
_RU_EXPORT_SQL = """
COPY (
  SELECT interaction_id AS "ID обращения",
         strftime(occurred_at, '%d.%m.%Y %H:%M:%S') AS "Дата обращения",
         client_id AS "Клиент", manager AS "Ответственный",
         CASE channel WHEN 'call' THEN 'Звонок' WHEN 'email' THEN 'Почта' WHEN 'chat' THEN 'Чат'
              WHEN 'meeting' THEN 'Встреча' WHEN 'messenger' THEN 'Мессенджер' ELSE 'Другое' END AS "Канал",
         CASE direction WHEN 'inbound' THEN 'Входящий' ELSE 'Исходящий' END AS "Направление",
         kind AS "Тип обращения",
         replace(CAST(duration_min AS VARCHAR), '.', ',') AS "Длительность",
         replace(CAST(first_response_min AS VARCHAR), '.', ',') AS "Время ответа",
         replace(CAST(resolution_min AS VARCHAR), '.', ',') AS "Время решения",
         CASE WHEN is_missed THEN 'Пропущен' WHEN channel = 'call' THEN 'Отвечен' END AS "Статус звонка",
         CASE WHEN is_resolved THEN 'да' WHEN NOT is_resolved THEN 'нет' END AS "Решено"
  FROM read_csv(?, header = true, all_varchar = false)
) TO '{target}' (FORMAT csv, DELIMITER ';', HEADER true)
"""


def ru_export(n: int, seed: int) -> Path:
    """bench/out/<N>/interactions_ru_cp1251.csv: the demo's interactions as a Russian export."""

    files = generate(n, seed)
    target = _csv_dir(n) / "interactions_ru_cp1251.csv"
    if target.exists():
        return target
    utf8 = target.with_suffix(".utf8.tmp")
    con = _quiet()
    try:
        con.execute(_RU_EXPORT_SQL.replace("{target}", str(utf8)), [str(files["interactions"])])
    finally:
        con.close()
    with open(utf8, encoding="utf-8", newline="") as source, open(target, "w", encoding="cp1251", newline="") as out:
        for line in source:
            out.write(line)
    utf8.unlink()
    return target


def _read_csv_raw(db: str, path: str) -> int:
    con = _quiet(db)
    try:
        con.execute("CREATE TABLE interactions AS SELECT * FROM read_csv(?)", [path])
        return con.execute("SELECT count(*) FROM interactions").fetchone()[0]
    finally:
        con.close()


_read_csv_raw.modules = ("duckdb",)


def bench_export(n: int, seed: int, repeat: int) -> dict:
    """The Upload page's path (warehouse.intake.import_file, chunked) on a Russian export of N
    interactions vs raw DuckDB read_csv of the same rows as a canonical UTF-8 CSV."""
    path = ru_export(n, seed)
    canonical = generate(n, seed)["interactions"]

    ours = _runs(repeat, _import_through_app, str(path))
    raw = _runs(repeat, _read_csv_raw, str(canonical))
    o, r = statistics.median(x[0] for x in ours), statistics.median(x[0] for x in raw)
    rows = ours[0][2]
    return {
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "rows": rows,
        "export_import_s": round(o, 2),
        "rows_per_s": round(rows / o),
        "peak_rss_mb": round(max(x[1] for x in ours)),
        "raw_read_csv_s": round(r, 2),
        "ratio": round(o / r, 2),
    }


def bench_database(n: int, seed: int) -> Path:
    """bench/out/<N>/bench.duckdb: the demo at N interactions imported through the app's path."""
    files = {k: str(v) for k, v in generate(n, seed).items()}
    db = _csv_dir(n) / "bench.duckdb"
    if not db.exists():
        _in_child(_import_ours, str(db), files)
    return db


def bench_report(n: int, seed: int, repeat: int) -> dict:
    db = bench_database(n, seed)
    seconds, peak = _median_runs(repeat, _report, str(db), "2025-11-24", "2026-11-22", "month")
    return {"report_s": round(seconds, 2), "report_peak_rss_mb": round(peak)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("what", choices=["generate", "import", "report", "export", "pages", "all"])
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default="csv,parquet", help="import: which files to time (csv, parquet)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    out: dict = {"interactions": args.interactions, "repeat": args.repeat}
    if args.what in ("generate", "all"):
        t0 = time.perf_counter()
        generate(args.interactions, args.seed)
        out["generate_s"] = round(time.perf_counter() - t0, 1)
    if args.what in ("import", "all"):
        formats = tuple(f for f in args.formats.split(",") if f in ("csv", "parquet"))
        out["import"] = bench_import(args.interactions, args.seed, args.repeat, formats)
    if args.what in ("report", "all"):
        out["report"] = bench_report(args.interactions, args.seed, args.repeat)
    if args.what in ("export", "all"):
        out["export"] = bench_export(args.interactions, args.seed, args.repeat)
    if args.what in ("pages", "all"):
        from bench import pages

        db = bench_database(args.interactions, args.seed)
        out["pages"] = pages.measure(db, args.repeat)
        overview = out["pages"]["overview"]
        out["overview_baselines"] = pages.measure_baselines(db, args.repeat, overview["uncached_s"],
                                                            overview["cold_s"])
    print(json.dumps(out, indent=2))
    return 0


