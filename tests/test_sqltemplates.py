"""SQL templates (warehouse/sqltemplates.py): an expression's dates are bound as parameters of
SQL compiled once per shape. Results equal Ibis compiling each expression itself: by hand on
a few literal rows, and for every page loader on the demo database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pytest

from warehouse import sqltemplates

PAYMENTS = pd.DataFrame({
    "client_id": ["a", "a", "b", "c", "c", "d"],
    "paid_at": pd.to_datetime(["2026-01-05 00:00:00", "2026-02-10", "2026-02-11", "2026-02-28 23:59:00",
                               "2026-03-01", "2026-03-15"], format="ISO8601"),
    "amount": [100.0, 200.0, 50.0, 25.0, 400.0, 10.0],
})


@pytest.fixture
def templated():
    con = duckdb.connect()
    con.execute("CREATE TABLE payments AS SELECT * FROM PAYMENTS")
    sqltemplates.clear()
    backend = sqltemplates.Backend.from_connection(con)
    yield backend, ibis.table(backend.table("payments").schema(), name="payments")
    con.close()


def _revenue(payments, start: dt.date, end: dt.date):
    window = payments.filter((payments.paid_at >= ibis.literal(dt.datetime.combine(start, dt.time())))
                             & (payments.paid_at < ibis.literal(dt.datetime.combine(end, dt.time()))))
    return window.aggregate(revenue=window.amount.sum(), clients=window.client_id.nunique())


def test_two_windows_share_one_compiled_template_and_give_their_own_sums(templated):
    backend, payments = templated
    february = backend.execute(_revenue(payments, dt.date(2026, 2, 1), dt.date(2026, 3, 1)))
    march = backend.execute(_revenue(payments, dt.date(2026, 3, 1), dt.date(2026, 4, 1)))
    assert february.to_dict("records") == [{"revenue": 275.0, "clients": 3}]  # 200 + 50 + 25
    assert march.to_dict("records") == [{"revenue": 410.0, "clients": 2}]  # 400 + 10
    assert dict(sqltemplates.stats) == {"compiled": 1, "reused": 1}


def test_expressions_that_differ_in_anything_but_dates_never_share_sql(templated):
    """The store is keyed by an expression's shape read off its graph: another number, another
    text or another column is another shape (amounts 100, 200, 50, 25, 400, 10)."""
    backend, payments = templated
    assert backend.execute(payments.filter(payments.amount > 30).count()) == 4
    assert backend.execute(payments.filter(payments.amount > 300).count()) == 1
    assert backend.execute(payments.filter(payments.client_id == "a").count()) == 2
    assert backend.execute(payments.filter(payments.client_id == "c").amount.sum()) == 425.0
    assert backend.execute(payments.filter(payments.client_id == "c").amount.max()) == 400.0
    assert dict(sqltemplates.stats) == {"compiled": 5}


def test_an_expressions_shape_is_its_templates_shape(templated):
    from ibis.common.graph import Graph

    _, payments = templated
    expr = _revenue(payments, dt.date(2026, 2, 1), dt.date(2026, 3, 1)).op()
    node, _ = sqltemplates.template(expr)
    graph = Graph.from_bfs(expr)
    shape = sqltemplates._shape(graph, sqltemplates._literal_slots(graph))
    assert shape == sqltemplates._shape(Graph.from_bfs(node), {})
    assert shape != sqltemplates._shape(graph, {})  # the dates themselves are not the template's


def test_the_template_binds_dates_and_keeps_other_values(templated):
    _, payments = templated
    start = dt.datetime(2026, 2, 1)
    expr = payments.filter((payments.paid_at >= ibis.literal(start)) & (payments.client_id != "b")
                           & (payments.paid_at.date() != ibis.literal(start.date()))
                           & (payments.paid_at < ibis.literal(start)))  # the same start twice: one slot
    node, values = sqltemplates.template(expr.op())
    assert values == {"p0": dt.date(2026, 2, 1), "p1": dt.datetime(2026, 2, 1)}
    sql = sqltemplates.sql_of(node)
    assert "$p0" in sql and "$p1" in sql and "$p2" not in sql
    assert "2026" not in sql and "'b'" in sql  # dates are parameters; the client literal stays


def test_an_expression_without_dates_compiles_as_it_is(templated):
    backend, payments = templated
    node, values = sqltemplates.template(payments.filter(payments.amount > 30).op())
    assert values == {} and node == payments.filter(payments.amount > 30).op()
    assert backend.execute(payments.filter(payments.amount > 30).amount.sum()) == 750.0


def test_the_template_store_is_bounded(templated, monkeypatch):
    backend, payments = templated
    monkeypatch.setattr(sqltemplates, "MAX_TEMPLATES", 2)
    shapes = [payments.amount.sum(), payments.amount.max(), payments.count()]
    assert [backend.execute(e) for e in shapes] == [785.0, 400.0, 6]
    assert len(sqltemplates._templates) == 2 and sqltemplates.stats["compiled"] == 3
    assert backend.execute(shapes[0]) == 785.0  # evicted first, compiled again
    assert sqltemplates.stats["compiled"] == 4


def test_params_and_limits_go_through_ibis_unchanged(templated):
    backend, payments = templated
    low = ibis.param("float64")
    assert backend.execute(payments.filter(payments.amount > low).count(), params={low: 60.0}) == 3
    assert len(backend.execute(payments.order_by("paid_at"), limit=2)) == 2
    assert sqltemplates.stats["compiled"] == 0


def test_an_in_memory_table_is_registered_before_its_query_runs(templated):
    """Ibis's pre-execute hooks run where the expression needs them (they are skipped where it
    holds no in-memory table, Python UDF or consumed reader): a memtable joined to a stored
    table is found by DuckDB."""
    backend, payments = templated
    names = ibis.memtable({"client_id": ["a", "c"], "client_name": ["Alfa", "Charlie"]})
    joined = payments.join(names, "client_id")
    out = backend.execute(joined.group_by("client_name").aggregate(revenue=joined.amount.sum())
                          .order_by("client_name"))
    assert out.to_dict("records") == [{"client_name": "Alfa", "revenue": 300.0},
                                      {"client_name": "Charlie", "revenue": 425.0}]


def test_columns_with_nulls_come_out_as_ibis_converts_them():
    """Flat columns with a null (numbers, text, booleans) are read from Arrow, the rest as Ibis
    reads them: the same frame as Ibis's execute, dtypes included, and the values by hand."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE t AS SELECT * FROM (VALUES
        (1, 'a', 1.5, TRUE, TIMESTAMP '2026-01-02 03:04:05', DATE '2026-01-02', NULL::BIGINT, [1, 2]),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, 'c', -2.0, FALSE, TIMESTAMP '2026-03-04 00:00:00', DATE '2026-03-04', NULL, [3])
    ) AS v(n, s, x, b, ts, d, none, l)""")
    backend = sqltemplates.Backend.from_connection(con)
    expr = backend.table("t")
    ours = backend.execute(expr)
    pd.testing.assert_frame_equal(ours, sqltemplates._DuckDBBackend.execute(backend, expr))
    assert ours["n"].tolist()[::2] == [1.0, 3.0] and pd.isna(ours["n"][1]) and ours["n"].dtype == "float64"
    assert ours["s"].tolist()[::2] == ["a", "c"] and pd.isna(ours["s"][1])
    assert ours["b"].tolist() == [True, None, False]
    assert ours["ts"].tolist()[::2] == [pd.Timestamp("2026-01-02 03:04:05"), pd.Timestamp("2026-03-04")]
    assert ours["none"].isna().all() and ours["l"][0] == [1, 2]
    assert backend.execute(expr.filter(expr.n > 5)).empty
    con.close()


def test_sums_of_integers_come_out_as_integers_as_ibis_converts_them():
    """DuckDB's SUM of integers is a HUGEINT (a decimal(38, 0) in Arrow): read as int64 in
    Arrow when no sum is null, the frame equals Ibis's execute either way — values by hand, one
    beyond 2^53 (exact)."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE t AS SELECT * FROM (VALUES
        ('a', 2), ('a', 3), ('b', 4611686018427387904), ('b', 1), ('c', NULL)) AS v(k, n)""")
    backend = sqltemplates.Backend.from_connection(con)
    t = backend.table("t")
    sums = t.group_by("k").aggregate(total=t.n.sum(), rows=t.count()).order_by("k")
    arrow = con.sql(sqltemplates.sql_of(sums.op())).to_arrow_table()["total"]
    assert pa.types.is_decimal(arrow.type)
    assert sqltemplates._integral(arrow.slice(0, 2), sums.schema()["total"]).type == pa.int64()
    assert sqltemplates._integral(arrow, sums.schema()["total"]) is arrow  # a null: left to Ibis
    ours = backend.execute(sums)
    pd.testing.assert_frame_equal(ours, sqltemplates._DuckDBBackend.execute(backend, sums))
    assert ours["total"].tolist() == [5, 4611686018427387905, None]  # with a null: as Ibis, unchanged
    whole = backend.execute(sums.filter(sums.k != "c"))
    pd.testing.assert_frame_equal(whole, sqltemplates._DuckDBBackend.execute(backend, sums.filter(sums.k != "c")))
    assert whole["total"].dtype == "int64" and whole["total"].tolist() == [5, 4611686018427387905]
    con.close()


def _compare(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _compare(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _compare(x, y)
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-9, nan_ok=True)
    else:
        assert a == b


def test_every_page_loader_gives_what_ibis_compiling_each_expression_gives(monkeypatch, demo_copy):
    """The bench's page loaders (bench/pages.py), for a fresh visit's window and a window five
    weeks earlier, templated and compiled one by one by Ibis: the same frames."""
    import streamlit as st

    from bench import pages

    filters, version, values = pages._context(demo_copy)
    moved = dataclasses.replace(filters, start=filters.start - dt.timedelta(days=35),
                                end=filters.end - dt.timedelta(days=35))

    def every_page(chosen):
        st.cache_data.clear()
        return {page: pages.run_page(page, chosen, version, values) for page in pages.PAGES}

    sqltemplates.clear()
    templated = [every_page(filters)]
    first = dict(sqltemplates.stats)
    sqltemplates.stats.clear()
    templated.append(every_page(moved))
    # most shapes come back with other dates; period numbers and histogram edges make a few new
    assert first["compiled"] > 3 * sqltemplates.stats["compiled"] and sqltemplates.stats["reused"] > 0
    monkeypatch.setattr(sqltemplates.Backend, "_to_duckdb_relation",
                        sqltemplates._DuckDBBackend._to_duckdb_relation)
    monkeypatch.setattr(sqltemplates.Backend, "execute", sqltemplates._DuckDBBackend.execute)
    sqltemplates.clear()
    by_ibis = [every_page(filters), every_page(moved)]
    assert dict(sqltemplates.stats) == {}  # the mutation check: Ibis compiled every query itself
    _compare(templated, by_ibis)
    st.cache_data.clear()
