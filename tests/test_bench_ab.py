"""The interleaved before / after harness (bench/ab.py)."""

from __future__ import annotations

import json
import subprocess

from bench import ab


def test_summary_gives_each_sides_range_and_the_median_change():
    turns = [
        {"pair": 0, "side": "before", "pages": {"nps": {"uncached_s": 1.0}, "ltv": {"uncached_s": 0.5}}},
        {"pair": 0, "side": "after", "pages": {"nps": {"uncached_s": 0.8}, "ltv": {"uncached_s": 0.6}}},
        {"pair": 1, "side": "after", "pages": {"nps": {"uncached_s": 0.9}, "ltv": {"uncached_s": 0.4}}},
        {"pair": 1, "side": "before", "pages": {"nps": {"uncached_s": 1.2}, "ltv": {"uncached_s": 0.4}}},
        {"pair": 2, "side": "before", "pages": {"nps": {"uncached_s": 1.1}, "ltv": {"uncached_s": 0.7}}},
        {"pair": 2, "side": "after", "pages": {"nps": {"uncached_s": 1.0}, "ltv": {"uncached_s": 0.5}}},
    ]
    # nps: changes −0.2, −0.3, −0.1 → median −0.2; ltv: +0.1, 0.0, −0.2 → median 0.0
    assert ab.summarize(turns, ["nps", "ltv"]) == {
        "nps": {"before_s": [1.0, 1.2], "after_s": [0.8, 1.0], "median_change_s": -0.2},
        "ltv": {"before_s": [0.4, 0.7], "after_s": [0.4, 0.6], "median_change_s": 0.0},
    }


def test_interleaved_runs_both_trees_in_turns_and_removes_the_worktree(demo_copy, capsys):
    """Against HEAD: two pairs, the first before-then-after and the second the other way round,
    each turn a page timing of its own tree; the temporary worktree is gone afterwards."""
    assert ab.main(["--against", "HEAD", "--pages", "nps", "--pairs", "2", "--repeat", "1",
                    "--db", str(demo_copy)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [(t["pair"], t["side"]) for t in result["turns"]] == [
        (0, "before"), (0, "after"), (1, "after"), (1, "before")]
    for t in result["turns"]:
        assert t["pages"]["nps"]["uncached_s"] > 0 and t["pages"]["nps"]["cached_s"] >= 0
    summary = result["summary"]["nps"]
    assert summary["before_s"][0] <= summary["before_s"][1] and summary["after_s"][0] <= summary["after_s"][1]
    worktrees = subprocess.run(["git", "-C", str(ab.ROOT), "worktree", "list"], capture_output=True, text=True,
                               check=True).stdout
    assert "bench-ab-" not in worktrees
