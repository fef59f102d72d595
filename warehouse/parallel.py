"""Work an import spreads over the machine's cores from Python threads.

numpy's comparisons and searches, Arrow's compute kernels and hashlib leave Python's lock free
while they work, so a few threads keep both cores of a small server busy where one thread
used to leave the other idle (the scan of a 10M-row export, the trimming of its cells).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """Threads to use: the cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def mapped(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """[fn(item) for item in items], computed in threads, one per core (at most that many items
    in flight: their temporaries are what the memory holds); the first error is raised."""
    items = list(items)
    if len(items) < 2 or workers() == 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers(), len(items)), thread_name_prefix="import") as pool:
        return list(pool.map(fn, items))


def started(fn: Callable[..., R], *args) -> Future[R]:
    """fn(*args) begun in a thread of its own; its Future (the thread ends with the call)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")
    try:
        return pool.submit(fn, *args)
    finally:
        pool.shutdown(wait=False)
