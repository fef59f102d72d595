"""The import's step accounting (bench/steps.py) and the harness's CPU seconds (bench/run.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench import run

ROOT = Path(__file__).resolve().parent.parent

ROWS = """interaction_id,occurred_at,client_id,manager,channel,direction,kind,duration_min,first_response_min,resolution_min,is_missed,is_resolved
i1,2026-11-02 09:00:00,c1,Anna,call,inbound,request,5.5,1.0,10,false,true
i2,2026-11-02 10:30:00,c2,Anna,email,outbound,report,,,,false,true
i3,2026-11-03 11:00:00,c1,Boris,call,inbound,complaint,3,2.5,,true,false
i4,2026-11-04 12:15:00,c3,Boris,chat,inbound,request,2,0.5,4,false,true
i5,2026-11-05 08:45:00,c2,Anna,meeting,outbound,upsell,60,,,false,true
i5,2026-11-05 08:45:00,c2,Anna,meeting,outbound,upsell,60,,,false,true
"""


def test_each_step_of_the_canonical_path_is_counted_once_for_a_small_file(tmp_path):
    """A 6-record file (one record repeated): one part, so every step runs once; 5 rows stored;
    the steps and the rest add up to the import's own wall and CPU seconds."""
    path = tmp_path / "interactions.csv"
    path.write_text(ROWS)
    # its own process, as it is run: the harness spawns a process per import, and a spawned
    # process starts from the parent's __main__ (in this one, an AppTest's page script)
    done = subprocess.run([sys.executable, "-m", "bench.steps", "--csv", str(path), "--repeat", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(done.stdout)
    assert result["file"] == str(path) and result["repeat"] == 1
    assert result["rows"] == 5
    assert {step: figures.get("calls") for step, figures in result["steps"].items()} == {
        "plan": 1, "scan": 1, "read": 1, "typing": 1, "store": 1, "derived": 1, "other": None}
    for measure in ("wall_s", "cpu_s"):
        parts = sum(figures[measure] for figures in result["steps"].values())
        assert abs(parts - result["import"][measure]) <= 0.01 * len(result["steps"])  # rounding of each
        assert all(figures[measure] >= 0 for name, figures in result["steps"].items() if name != "other")
    assert result["raw_read_csv"]["wall_s"] > 0
    assert result["ratio_to_raw"]["wall"] == round(result["import"]["wall_s"] / result["raw_read_csv"]["wall_s"], 2)


def test_the_harness_tells_wall_seconds_from_cpu_seconds():
    """A call that sleeps 0.3 s takes 0.3 s of wall and next to no CPU (a timing that counted
    wall as CPU, or left the CPU out, fails). The timing a spawned process runs, run here."""
    seconds, peak_mb, result, cpu_seconds = run._timed(time.sleep, 0.3)
    assert result is None and peak_mb > 0
    assert 0.3 <= seconds < 1.5
    assert 0 <= cpu_seconds < 0.1


def test_a_measured_process_that_dies_fails_the_run_instead_of_hanging_it():
    """A child that exits at once (as one killed for memory would) makes the harness raise; a
    multiprocessing Pool started another child, and another, and never returned."""
    code = "import os\nfrom bench import run\nrun._in_child(os._exit, 3)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "BrokenProcessPool" in done.stderr
