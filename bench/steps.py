"""Where a canonical CSV import's time goes: wall and CPU seconds of each step of the app's path
(``warehouse.intake.import_file``) on the bench's interactions file, against raw DuckDB
``read_csv`` of the same file.

    python -m bench.steps --interactions 10000000 --repeat 3

Each import runs in a fresh process on an empty database (as ``python -m bench import``), one
warm-up first; the figures are medians of ``--repeat``. CPU seconds are the process's, every
thread's (DuckDB's, Arrow's, the file's hash beside the plan and the scan): a step's CPU over
its wall is the cores it kept busy. On two cores an import that keeps both busy can only get
faster by doing less, so ``cpu_s`` against raw ``read_csv``'s is the gap to close. The steps are
the functions the path calls (STEPS); the time outside them (the transaction, the import's row,
the commit and the close) is ``other``.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import statistics
import sys
from pathlib import Path

from bench import run

# (module, function, step): what the canonical CSV path calls, in its order
STEPS = (
    ("warehouse.intake", "plan_file", "plan"),
    ("warehouse.ingest", "_csv_file", "scan"),
    ("warehouse.ingest", "_cells", "read"),
    ("warehouse.sqltyping", "type_cells", "typing"),
    ("warehouse.ingest", "_store", "store"),
    ("warehouse.derived", "add_import", "derived"),
)


def _import_by_step(db: str, path: str) -> dict:
    """One import through the app's path, each step's function wrapped to add up its calls, wall
    and CPU seconds → {"rows": rows inserted, "steps": {step: [calls, wall, cpu]}}."""
    spent = collections.defaultdict(lambda: [0, 0.0, 0.0])

    def wrapped(fn, step):
        def timed(*args, **kwargs):
            result, seconds, cpu_seconds = run.clocked(fn, *args, **kwargs)
            total = spent[step]
            total[0], total[1], total[2] = total[0] + 1, total[1] + seconds, total[2] + cpu_seconds
            return result
        return timed

    for module_name, name, step in STEPS:
        module = importlib.import_module(module_name)
        setattr(module, name, wrapped(getattr(module, name), step))
    rows = run._import_through_app(db, path)
    return {"rows": rows, "steps": {step: spent[step] for _, _, step in STEPS}}


_import_by_step.modules = run._import_through_app.modules


def _median(values) -> float:
    return round(statistics.median(values), 2)


def measure(path: Path, repeat: int) -> dict:
    """The per-step figures of ``repeat`` imports of the CSV at ``path`` (after a warm-up) and
    raw read_csv's of it, medians (see the module docstring)."""
    ours = run._runs(repeat, _import_by_step, str(path))
    raw = run._runs(repeat, run._read_csv_raw, str(path))
    wall, cpu = _median(r[0] for r in ours), _median(r[3] for r in ours)
    steps = {step: {"calls": ours[0][2]["steps"][step][0],
                    "wall_s": _median(r[2]["steps"][step][1] for r in ours),
                    "cpu_s": _median(r[2]["steps"][step][2] for r in ours)} for _, _, step in STEPS}
    steps["other"] = {"wall_s": round(wall - sum(s["wall_s"] for s in steps.values()), 2),
                      "cpu_s": round(cpu - sum(s["cpu_s"] for s in steps.values()), 2)}
    raw_wall, raw_cpu = _median(r[0] for r in raw), _median(r[3] for r in raw)
    return {
        "rows": ours[0][2]["rows"],
        "import": {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": round(max(r[1] for r in ours))},
        "steps": steps,
        "raw_read_csv": {"wall_s": raw_wall, "cpu_s": raw_cpu},
        "ratio_to_raw": {"wall": round(wall / raw_wall, 2), "cpu": round(cpu / raw_cpu, 2)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.steps")
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv", type=Path, help="a canonical CSV to import instead of the bench's interactions")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    path = args.csv or run.generate(args.interactions, args.seed)["interactions"]
    print(json.dumps({"file": str(path), "repeat": args.repeat, **measure(path, args.repeat)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
