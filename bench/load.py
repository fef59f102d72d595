"""Load harness: N browser-like sessions speaking Streamlit's websocket protocol to a real
``streamlit run`` on 127.0.0.1 while M sessions import files through the Upload page.

    python -m bench.load --sessions 10 --importers 1 --seconds 30 [--no-cache] [--interactions 60000]

A viewer session connects to ``/_stcore/stream`` (subprotocol ``streamlit``), sends
``BackMsg.rerun_script`` for a page (``page_name`` = its URL path) and waits for
``script_finished``; it cycles through the pages until the time is up. An importer session
opens the Upload page, uploads a small canonical CSV the way the browser does (file URLs
request, HTTP PUT with the XSRF token, the uploader's widget state), presses Import and waits
for the run to finish. Errors: an exception element, an error alert, a run that does not
finish in time, a dropped connection. ``--no-cache`` starts the server with
``DASHBOARD_NO_CACHE=1`` (every loader recomputes). Bounded: at most 60 sessions, 300 s.

Prints JSON: p50/p95 per page (seconds from sending the rerun to script_finished), counts,
errors, imports committed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEW_PAGES = ("overview", "retention", "ltv", "nps", "managers", "service", "clients")
MAX_SESSIONS, MAX_SECONDS, RUN_TIMEOUT = 60, 300, 120


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db: Path, *, env: dict | None = None, log_path: Path | None = None,
                     secrets: Path | None = None):
    """``streamlit run dashboard.py`` (through serve.py, as ``make run``) on 127.0.0.1 on a
    free port → its base URL; stopped after.
    ``secrets``: a secrets.toml to use instead of the checkout's (users, settings)."""
    port = free_port()
    log = open(log_path or os.devnull, "w")
    extra = ["--secrets.files", str(secrets)] if secrets is not None else []
    proc = subprocess.Popen(
        [sys.executable, "serve.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *extra],
        cwd=ROOT, env={**os.environ, "DASHBOARD_DB": str(db), **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


# ---------------------------------------------------------------- one session

class Session:
    """One websocket session: rerun a page, collect what it drew, until script_finished."""

    def __init__(self, url: str):
        self.url = url
        self.ws = None
        self.session_id = None
        self.widgets: dict[str, str] = {}  # element kind/label → widget id, from the last run
        self.errors: list[str] = []

    async def __aenter__(self):
        import websockets

        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=30)
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def run(self, page: str, widget_states=None, query: str = "lang=en") -> float:
        """Rerun ``page`` (its URL path; '' = the default page) → seconds to script_finished."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        if widget_states:
            msg.rerun_script.widget_states.widgets.extend(widget_states)
        started = time.monotonic()
        await self.ws.send(msg.SerializeToString())
        await self._until_finished()
        return time.monotonic() - started

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.widgets = {}
        while True:
            data = await asyncio.wait_for(self.ws.recv(), RUN_TIMEOUT)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id or self.session_id
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._look_at(msg.delta.new_element)
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the app reran itself (st.rerun): wait for that run
                return

    def _look_at(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.errors.append(f"exception: {element.exception.type}")
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            self.errors.append(f"error: {element.alert.body[:120]}")
        elif kind == "file_uploader":
            self.widgets["file_uploader"] = element.file_uploader.id
        elif kind == "button" and element.button.type == "primary":
            self.widgets["primary_button"] = element.button.id
        elif kind == "alert" and element.alert.format == element.alert.SUCCESS:
            self.widgets["success"] = element.alert.body


async def _file_urls(session: Session, name: str):
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    request = BackMsg()
    request.file_urls_request.request_id = name
    request.file_urls_request.file_names.append(name)
    request.file_urls_request.session_id = session.session_id
    await session.ws.send(request.SerializeToString())
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(session.ws.recv(), RUN_TIMEOUT))
        if msg.WhichOneof("type") == "file_urls_response" and msg.file_urls_response.response_id == name:
            return msg.file_urls_response.file_urls[0]


def _put(url: str, upload_url: str, name: str, data: bytes) -> None:
    """The browser's upload: multipart PUT with the XSRF cookie and the same token in a header."""
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as response:  # sets _streamlit_xsrf
        cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
    token = next((c.split("=", 1)[1] for c in cookies if c.startswith("_streamlit_xsrf=")), "")
    boundary = "loadharnessboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    target = upload_url if upload_url.startswith("http") else url + upload_url
    request = urllib.request.Request(target, data=body, method="PUT", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": token,
        "Cookie": "; ".join(cookies)})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


async def import_once(session: Session, url: str, name: str, data: bytes) -> float:
    """Upload page → upload ``data`` as ``name`` → Import → seconds for the import's run."""
    from streamlit.proto.Common_pb2 import FileUploaderState, UploadedFileInfo
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    await session.run("upload")
    uploader = session.widgets["file_uploader"]
    urls = await _file_urls(session, name)
    await asyncio.to_thread(_put, url, urls.upload_url, name, data)
    state = WidgetState(id=uploader, file_uploader_state_value=FileUploaderState(uploaded_file_info=[
        UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id, file_urls=urls)]))
    await session.run("upload", [state])
    button = session.widgets.get("primary_button")
    if button is None:
        session.errors.append(f"{name}: no Import button after the upload")
        return 0.0
    seconds = await session.run("upload", [state, WidgetState(id=button, trigger_value=True)])
    if "success" not in session.widgets:
        session.errors.append(f"{name}: no success message after Import")
    return seconds


# ---------------------------------------------------------------- the load

async def viewer(url: str, deadline: float, offset: int, timings: dict, errors: list,
                 runs: int | None = None) -> None:
    try:
        async with Session(url) as session:
            i = offset
            while time.monotonic() < deadline and (runs is None or i - offset < runs):
                page = VIEW_PAGES[i % len(VIEW_PAGES)]
                i += 1
                seconds = await session.run("" if page == "overview" else page)
                timings.setdefault(page, []).append(seconds)
            errors.extend(session.errors)
    except Exception as exc:  # a dropped connection or a run that never finished
        errors.append(f"viewer: {type(exc).__name__}: {exc}")


async def importer(url: str, deadline: float, number: int, timings: dict, errors: list, imported: list,
                   runs: int | None = None) -> None:
    try:
        async with Session(url) as session:
            batch = 0
            while time.monotonic() < deadline and (runs is None or batch < runs):
                batch += 1
                name = f"load-{number}-{batch}.csv"
                rows = "".join(f"2026-11-{(batch % 20) + 1:02d},load-{number}-{batch}-{k},{k + 1}\n" for k in range(20))
                seconds = await import_once(session, url, name, f"paid_at,client_id,amount\n{rows}".encode())
                timings.setdefault("upload (import)", []).append(seconds)
                imported.append(name)
            errors.extend(session.errors)
    except Exception as exc:
        errors.append(f"importer: {type(exc).__name__}: {exc}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def load(url: str, sessions: int, importers: int, seconds: float, rounds: int | None = None) -> dict:
    """Viewers cycle through the pages and importers upload until ``seconds`` are up — or, with
    ``rounds``, until each viewer has seen every page ``rounds`` times and each importer has
    uploaded ``rounds`` files (``seconds`` still bounds it)."""
    timings: dict[str, list[float]] = {}
    errors: list[str] = []
    imported: list[str] = []
    deadline = time.monotonic() + seconds
    views = None if rounds is None else rounds * len(VIEW_PAGES)
    tasks = [viewer(url, deadline, i, timings, errors, views) for i in range(sessions)]
    tasks += [importer(url, deadline, i, timings, errors, imported, rounds) for i in range(importers)]
    await asyncio.gather(*tasks)
    return {
        "pages": {page: {"runs": len(v), "p50_s": round(statistics.median(v), 2),
                         "p95_s": round(_percentile(v, 0.95), 2)} for page, v in sorted(timings.items())},
        "runs": sum(len(v) for v in timings.values()),
        "imports": len(imported),
        "errors": len(errors),
        "error_samples": errors[:5],
    }


def run(db: Path, sessions: int, importers: int, seconds: float, *, cache: bool = True) -> dict:
    sessions, seconds = min(sessions, MAX_SESSIONS), min(seconds, MAX_SECONDS)
    env = {} if cache else {"DASHBOARD_NO_CACHE": "1"}
    with streamlit_server(db, env=env) as url:
        result = asyncio.run(load(url, sessions, importers, seconds))
    return {"sessions": sessions, "importers": importers, "seconds": seconds, "cache": cache, **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--importers", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--interactions", type=int, default=60_000, help="demo size of the database")
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from warehouse import demo

    db = Path(tempfile.mkdtemp(prefix="load-")) / "load.duckdb"
    demo.build_demo_db(db, interactions=args.interactions, seed=7)
    print(json.dumps(run(db, args.sessions, args.importers, args.seconds, cache=not args.no_cache), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
