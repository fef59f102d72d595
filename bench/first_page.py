"""Cold start: `make run` in a checkout → healthy server → first page (KPI cards + a chart) drawn.

Usage: ``python bench/first_page.py CHECKOUT [PORT] [DB] [WAIT]`` — run it on a fresh clone to
time the README's first command end to end (venv, install, demo build, server), then the first
and a warm page load in Debian's Chromium. With DB (an existing database, e.g. the 1M bench one:
bench/out/1000000/bench.duckdb) ``make run DB=…`` opens that instead of building the demo. WAIT
seconds (default 0) pass between the healthy server and the first visit: the server warms the
first pages in the background meanwhile (serve.py). Each visit prints when the page title, the
KPI cards and the chart were drawn (the title comes before the page reads any of its data).
Prints seconds; stops the server afterwards.
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


def main(checkout: str, port: str = "8611", db: str | None = None, wait: str = "0") -> None:
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    command = ["make", "run", f"PORT={port}", *([f"DB={os.path.abspath(db)}"] if db else [])]
    server = subprocess.Popen(command, cwd=checkout, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        print(f"make run → healthy: {_wait_healthy(url, started):.1f} s")
        time.sleep(float(wait))
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
                print(f"{label} page drawn {time.monotonic() - t0:.1f} s after opening it "
                      f"(title {title:.1f} s, KPI cards {cards:.1f} s)")
                page.close()
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)


if __name__ == "__main__":
    main(*sys.argv[1:])
