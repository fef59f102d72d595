"""``make run``'s server: ``streamlit run dashboard.py`` with the first pages warmed as it starts.

    python serve.py --server.address 127.0.0.1 --server.port 8501   # any `streamlit run` options

A background thread waits for Streamlit's runtime, then fills the shared cache with what a
first visit reads (:mod:`app_state.warmup`: the Overview, then the weekly meeting) while the
server comes up. If that fails it is logged and nothing else changes: the pages then compute
on their first visit.
It lives outside ``app_state`` so that nothing of the app is imported (its caches declared)
before Streamlit's runtime exists.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

log = logging.getLogger("dashboard.serve")
WAIT_FOR_RUNTIME_S = 120


def _warm() -> None:
    from streamlit import runtime

    deadline = time.monotonic() + WAIT_FOR_RUNTIME_S
    while not runtime.exists():
        if time.monotonic() > deadline:
            log.warning("the server did not start within %s s; the first page is not warmed", WAIT_FOR_RUNTIME_S)
            return
        time.sleep(0.05)
    from app_state import warmup

    warmup.enable_rewarm()  # and again after each import or undo
    warmup.warm_pages("as the server starts")


def main(argv: list[str]) -> None:
    threading.Thread(target=_warm, name="warm-first-page", daemon=True).start()
    from streamlit.web import cli

    cli.main(["run", "dashboard.py", *argv], prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
