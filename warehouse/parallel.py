"""Work spread over the machine's cores from Python threads.

numpy's comparisons and searches, Arrow's compute kernels, hashlib and DuckDB's queries leave
Python's lock free while they work, so a few threads keep both cores of a small server busy
where one thread used to leave the other idle (the scan of a 10M-row export, the trimming of
its cells, a page's independent loaders: ``app_state.concurrently`` / ``in_background``).
"""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Callable, Iterable, Iterator
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


def ahead(fn: Callable[[T], R], items: Iterable[T], *, depth: int | None = None,
          name: str = "import") -> Iterator[R]:
    """fn(item) for each item, yielded in order, with up to ``depth`` (default: one per core)
    computed ahead in threads while the caller works on what was yielded. Items are taken from
    ``items`` in this thread. An error of ``items`` comes after the results of the items before
    it, an error of fn when its result is due — where a plain loop would raise them. Closing the
    generator early drops the items not yet begun and waits for those running."""
    depth = workers() if depth is None else depth
    if depth < 2:
        yield from map(fn, items)
        return
    pending: collections.deque[Future[R]] = collections.deque()
    items = iter(items)
    with ThreadPoolExecutor(max_workers=depth, thread_name_prefix=name) as pool:
        try:
            while True:
                try:
                    item = next(items)
                except StopIteration:
                    break
                except Exception:
                    while pending:
                        yield pending.popleft().result()
                    raise
                pending.append(pool.submit(fn, item))
                if len(pending) > depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            pool.shutdown(cancel_futures=True)
