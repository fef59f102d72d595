"""Work spread over the machine's cores from Python threads.

numpy's comparisons and searches, Arrow's compute kernels, hashlib and DuckDB's queries leave
Python's lock free while they work, so a few threads keep both cores of a small server busy
where one thread used to leave the other idle (the scan of a 10M-row export, the trimming of
its cells, a page's independent loaders: ``app_state.concurrently`` / ``in_background``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """Threads to use: the cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def mapped(fn: Callable[[T], R], items: Iterable[T], *, threads: int | None = None,
           name: str = "import") -> list[R]:
    """[fn(item) for item in items], computed ``threads`` at a time (default: one per core; at
    most that many items in flight, their temporaries are what the memory holds), the items
    taken in order. Every item runs; then the first (in order) that raised makes this raise it."""
    items = list(items)
    threads = workers() if threads is None else threads
    if len(items) < 2 or threads < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(threads, len(items)), thread_name_prefix=name) as pool:
        futures = [pool.submit(fn, item) for item in items]
    return [future.result() for future in futures]


def started(fn: Callable[..., R], *args, name: str = "import") -> Future[R]:
    """fn(*args) begun now in a thread of its own (named ``name``; it ends with the call) → its
    Future, whose ``result()`` waits for it and raises what it raised."""
    future: Future[R] = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as error:  # handed to whoever waits for the result
            future.set_exception(error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
