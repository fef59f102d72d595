"""warehouse.parallel: the import's work spread over threads gives what one thread gives."""

from __future__ import annotations

import threading

import pytest

from warehouse import parallel


def test_mapped_keeps_the_items_order_and_runs_on_other_threads(monkeypatch):
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    seen = set()

    def square(x):
        seen.add(threading.get_ident())
        return x * x

    assert parallel.mapped(square, [3, 1, 4, 1, 5]) == [9, 1, 16, 1, 25]
    assert threading.get_ident() not in seen


def test_mapped_on_one_core_or_one_item_stays_on_the_caller(monkeypatch):
    monkeypatch.setattr(parallel, "workers", lambda: 1)
    assert parallel.mapped(lambda _: threading.get_ident(), [1, 2]) == [threading.get_ident()] * 2
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    assert parallel.mapped(lambda _: threading.get_ident(), [1]) == [threading.get_ident()]
    assert parallel.mapped(lambda x: x, []) == []


def test_mapped_raises_an_items_error(monkeypatch):
    monkeypatch.setattr(parallel, "workers", lambda: 2)

    def invert(x):
        return 1 / x

    with pytest.raises(ZeroDivisionError):
        parallel.mapped(invert, [1, 0, 2])


def test_started_runs_beside_the_caller_and_hands_back_its_result_or_error():
    go = threading.Event()
    running = parallel.started(lambda a, b: go.wait(5) and a + b, 2, 3)
    assert not running.done()  # waits for the caller: it runs in another thread
    go.set()
    assert running.result(timeout=5) == 5
    with pytest.raises(ZeroDivisionError):
        parallel.started(lambda: 1 / 0).result(timeout=5)
