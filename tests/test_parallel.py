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


def test_ahead_yields_in_order_and_takes_at_most_depth_items_ahead():
    taken, release = [], threading.Event()

    def items():
        for x in range(6):
            taken.append(x)
            yield x

    def slow_first(x):
        if x == 0:
            release.wait(5)  # the first result is late: the others must still come after it
        return x * 10

    results = parallel.ahead(slow_first, items(), depth=2)
    release.set()
    assert next(results) == 0
    assert taken == [0, 1, 2]  # two in flight and the one whose result was due
    assert list(results) == [10, 20, 30, 40, 50]


def test_ahead_gives_the_results_before_an_error_of_the_items_then_raises_it():
    def items():
        yield 1
        yield 2
        raise ValueError("line 7: broken quote")

    out = []
    with pytest.raises(ValueError, match="line 7"):
        for result in parallel.ahead(lambda x: x + 100, items(), depth=2):
            out.append(result)
    assert out == [101, 102]


def test_ahead_raises_a_functions_error_when_its_result_is_due():
    out = []
    with pytest.raises(ZeroDivisionError):
        for result in parallel.ahead(lambda x: 10 // x, [5, 2, 0, 1], depth=2):
            out.append(result)
    assert out == [2, 5]


def test_ahead_closed_early_does_not_begin_the_rest(monkeypatch):
    begun = []
    results = parallel.ahead(lambda x: begun.append(x) or x, iter(range(100)), depth=2)
    assert next(results) == 0
    results.close()
    assert len(begun) <= 3 and set(begun) <= {0, 1, 2}
    monkeypatch.setattr(parallel, "workers", lambda: 1)  # one core: a plain map on the caller
    assert list(parallel.ahead(lambda _: threading.get_ident(), [1, 2])) == [threading.get_ident()] * 2
