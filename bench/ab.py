"""Before / after, interleaved: the pages' loaders, uncached, of this checkout against another
revision's, run in turns on the same bench database — this machine's speed drifts by a third
between runs of one hour, so a change is judged by turns close together, not by two runs.

    python -m bench.ab --interactions 10000000 --against 1ed17ca --pages meeting,clients --pairs 3

The other revision is checked out as a temporary git worktree (removed afterwards). Each turn
is a fresh process in one tree running that tree's own ``bench.pages.measure`` on the chosen
pages (medians of ``--repeat`` after a warm-up); pairs alternate which side goes first (A B,
B A, …). "This checkout" is the working tree as it is, uncommitted edits included; the other
revision needs a bench/pages.py with ``PAGES`` and ``measure(db, repeat)`` (every revision since
the page bench). Prints JSON: every turn, and per page the range of each side's uncached medians
and the median of the pairs' changes (after − before; negative is faster).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# one turn, run in a tree: its own harness and app code on the given pages
_TURN = """
import json, logging, sys
from pathlib import Path
logging.disable(logging.CRITICAL)
tree, db, pages, repeat = sys.argv[1], Path(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4])
sys.path.insert(0, tree)
from bench import pages as bp
bp.PAGES = {page: bp.PAGES[page] for page in pages}
print(json.dumps(bp.measure(db, repeat)))
"""


def turn(tree: Path, db: Path, pages: list[str], repeat: int) -> dict:
    """One tree's ``bench.pages.measure`` of ``pages`` in a fresh process: its JSON."""
    done = subprocess.run([sys.executable, "-c", _TURN, str(tree), str(db), ",".join(pages), str(repeat)],
                          cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"the turn in {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarize(turns: list[dict], pages: list[str]) -> dict:
    """turns: {"pair", "side" ("before" / "after"), "pages": {page: {"uncached_s"}}} → per page
    the [lowest, highest] uncached median of each side and the median of the pairs' changes."""
    out = {}
    for page in pages:
        of = {(t["pair"], t["side"]): t["pages"][page]["uncached_s"] for t in turns}
        pairs = sorted({pair for pair, _ in of})
        before = [of[p, "before"] for p in pairs]
        after = [of[p, "after"] for p in pairs]
        out[page] = {"before_s": [min(before), max(before)], "after_s": [min(after), max(after)],
                     "median_change_s": round(statistics.median(a - b for a, b in zip(after, before)), 3)}
    return out


def interleaved(against: str, db: Path, pages: list[str], pairs: int, repeat: int) -> dict:
    """``pairs`` turns of each side, alternating which goes first."""
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
        base = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(base), against],
                       check=True)
        try:
            # the bench data (untracked) is this checkout's: both sides read the same database
            (base / "bench" / "out").symlink_to(ROOT / "bench" / "out", target_is_directory=True)
            turns = []
            for pair in range(pairs):
                order = [("before", base), ("after", ROOT)]
                for side, tree in order if pair % 2 == 0 else order[::-1]:
                    turns.append({"pair": pair, "side": side, "pages": turn(tree, db, pages, repeat)})
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
    return {"against": against, "pages": pages, "pairs": pairs, "repeat": repeat,
            "summary": summarize(turns, pages), "turns": turns}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab")
    parser.add_argument("--against", required=True, help="the revision before (a commit, tag or branch)")
    parser.add_argument("--pages", required=True, help="comma-separated pages of bench/pages.py PAGES")
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="a database to use instead of the bench's")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import pages as bench_pages
    from bench import run

    pages = args.pages.split(",")
    unknown = sorted(set(pages) - set(bench_pages.PAGES))
    if unknown:
        parser.error(f"unknown pages {unknown}; known: {', '.join(bench_pages.PAGES)}")
    db = args.db or run.bench_database(args.interactions, args.seed)
    print(json.dumps(interleaved(args.against, db.resolve(), pages, args.pairs, args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
