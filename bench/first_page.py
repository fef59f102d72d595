"""Cold start: `make run` in a checkout → healthy server → first page (KPI cards + a chart) drawn.

Usage: ``python bench/first_page.py CHECKOUT [PORT] [DB] [WAIT]`` — run it on a fresh clone to
time the README's first command end to end (venv, install, demo build, server), then the first
and a warm page load in Debian's Chromium. With DB (an existing database, e.g. the 1M bench one:
bench/out/1000000/bench.duckdb) ``make run DB=…`` opens that instead of building the demo. WAIT
seconds (default 0) pass between the healthy server and the first visit: the server warms the
first pages in the background meanwhile (serve.py). Each visit prints when the page title, the
KPI cards and the chart were drawn (the title comes before the page reads any of its data).

Then, the server stopped, the baseline of the same run: ``bench/bare_page.py`` — the same
kinds of elements drawn from constants, no database — served by the checkout's Streamlit with
the same settings and opened the same way: the time Streamlit and the browser alone take on
this machine, and our first page as a ratio of it. Prints seconds; stops each server afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _wait_healthy(url: str, started: float, timeout: float = 900) -> float:
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("the server did not become healthy")


def _visits(url: str) -> list[tuple[str, float, float, float]]:
    """Open ``url`` twice in one fresh browser (first, then warm: scripts in the browser's
    cache) → (label, title, KPI cards, chart drawn) seconds after opening, each printed."""
    from playwright.sync_api import sync_playwright

    drawn = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for label in ("first", "warm"):
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            t0 = time.monotonic()
            page.goto(url)
            page.wait_for_selector("h1", timeout=120_000)
            title = time.monotonic() - t0
            page.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
            cards = time.monotonic() - t0
            page.wait_for_selector(".js-plotly-plot", timeout=120_000)
            drawn.append((label, title, cards, time.monotonic() - t0))
            print(f"  {label} page drawn {drawn[-1][3]:.1f} s after opening it "
                  f"(title {title:.1f} s, KPI cards {cards:.1f} s)")
            page.close()
        browser.close()
    return drawn


def _served(command: list[str], checkout: str, url: str, started: float, wait: float):
    """Run a server, wait until healthy (+ ``wait`` s), open its first page twice, stop it."""
    server = subprocess.Popen(command, cwd=checkout, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        print(f"  → healthy: {_wait_healthy(url, started):.1f} s")
        time.sleep(wait)
        return _visits(url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def main(checkout: str, port: str = "8611", db: str | None = None, wait: str = "0") -> None:
    url = f"http://127.0.0.1:{port}"
    print("the app (make run):")
    ours = _served(["make", "run", f"PORT={port}", *([f"DB={os.path.abspath(db)}"] if db else [])],
                   checkout, url, time.monotonic(), float(wait))
    print("baseline, bench/bare_page.py (the same kinds of elements from constants, no database):")
    python = os.path.join(os.path.abspath(checkout), ".venv", "bin", "python")
    bare = _served([python, "-m", "streamlit", "run", "bench/bare_page.py", "--server.port", port],
                   checkout, url, time.monotonic(), float(wait))
    for (label, *_, ours_s), (_, *_, bare_s) in zip(ours, bare):
        print(f"{label} visit: ours {ours_s:.1f} s, bare Streamlit page {bare_s:.1f} s: "
              f"{ours_s / bare_s:.2f}× the baseline")


if __name__ == "__main__":
    main(*sys.argv[1:])
