"""Ibis expressions run as SQL templates: compiled once per shape, dates bound as parameters.

Turning an Ibis expression into SQL costs far more than running it on a small or mid-sized
database (the Managers scorecard: ~0.5 s of Ibis rewriting for ~0.15 s of DuckDB at 1M
interactions), and the pages ask the same shapes again and again with other windows: every
import moves the default window, the previous window is the same query a period earlier, the
meeting asks five weeks of one shape. So every date and timestamp literal of an expression is
replaced by a numbered slot, the SQL of that template is compiled once per process and kept
(a bounded LRU keyed by the template, which names the tables and their schemas), and the
expression's own dates are bound as DuckDB parameters (``$p0``, ``$p1``… cast to their type).

DuckDB folds bound parameters like literals (filters still reach the table scans). Results are
those of ``ibis`` compiling the expression itself: ``tests/test_sqltemplates.py`` runs every page
loader both ways. Anything else (``params``, ``limit``) goes through Ibis unchanged.

``execute`` runs the statement once: Ibis's path asks DuckDB for a relation, which parses and
binds the SQL to learn its columns, and then runs it (parsing and binding it again) — for the
long SQL of a scorecard, as long as running it on 1M interactions (the pages' queries at 1M,
medians of 5: Overview 0.29 → 0.23 s, the Meeting 0.47 → 0.38 s). And it reads flat columns
with nulls (numbers, text, booleans) straight from Arrow, where Ibis makes a Python list of them
first: the same frame, and at 10M interactions the 189k rows of the clients at risk convert in
~0.02 s instead of ~0.16 s.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading

import ibis.expr.datashape as ds
import ibis.expr.datatypes as idt
import ibis.expr.operations as ops
import pandas as pd
import pyarrow as pa
import pyarrow.types as pat
import sqlglot.expressions as sge
from duckdb import _seam
from ibis.backends.duckdb import Backend as _DuckDBBackend
from ibis.backends.duckdb.converter import DuckDBPandasData
from ibis.backends.sql.compilers.duckdb import DuckDBCompiler
from ibis.common.graph import Graph, Node

MAX_TEMPLATES = 256


class TemplateSlot(ops.Scalar):
    """A date or timestamp value left open in a template; bound at execution as ``$p<index>``."""

    index: int
    dtype: idt.DataType

    shape = ds.scalar


class _TemplateCompiler(DuckDBCompiler):
    def visit_TemplateSlot(self, op, *, index, dtype):
        placeholder = sge.Parameter(this=sge.Var(this=f"p{index}"))
        return sge.Cast(this=placeholder, to=self.type_mapper.from_ibis(dtype))


_COMPILER = _TemplateCompiler()
_lock = threading.Lock()
_templates: collections.OrderedDict[tuple, str] = collections.OrderedDict()  # shape → SQL
stats = collections.Counter()  # "compiled" / "reused": read by tests and bench


def clear() -> None:
    """Forget every compiled template (bench: a cold process)."""
    with _lock:
        _templates.clear()
        stats.clear()


def _slotted(literal: ops.Literal) -> bool:
    dtype = literal.dtype
    if literal.value is None:
        return False
    return dtype.is_date() or (dtype.is_timestamp() and dtype.timezone is None)


def _bound_value(literal: ops.Literal):
    value = literal.value
    if literal.dtype.is_date():
        return value if not isinstance(value, dt.datetime) else value.date()
    return pd.Timestamp(value).to_pydatetime()


def _literal_slots(graph) -> dict[ops.Literal, int]:
    """Each distinct date/timestamp literal of a graph → its slot: by type, then value."""
    literals = sorted((n for n in graph if isinstance(n, ops.Literal) and _slotted(n)),
                      key=lambda lit: (str(lit.dtype), _bound_value(lit)))
    return {lit: i for i, lit in enumerate(literals)}


def template(node: ops.Node) -> tuple[ops.Node, dict[str, object]]:
    """(the node with each distinct date/timestamp literal replaced by a slot, {slot name: value})."""
    slots = _literal_slots(Graph.from_bfs(node))
    return _templated(node, slots), _values(slots)


def _templated(node: ops.Node, slots: dict[ops.Literal, int]) -> ops.Node:
    """The node with each slotted literal replaced by its :class:`TemplateSlot`."""
    if not slots:
        return node
    return node.replace({lit: TemplateSlot(index=i, dtype=lit.dtype) for lit, i in slots.items()})


def _values(slots: dict[ops.Literal, int]) -> dict[str, object]:
    return {f"p{i}": _bound_value(lit) for lit, i in slots.items()}


def _masked(arg, places: dict):
    """A node's argument with its nodes given by their place (see :func:`_shape`)."""
    if isinstance(arg, Node):
        return places[arg]
    if isinstance(arg, (tuple, list)):
        return tuple(_masked(a, places) for a in arg)
    if isinstance(arg, dict):
        return tuple((k, _masked(v, places)) for k, v in arg.items())
    return arg


def _shape(graph, slots: dict[ops.Literal, int]) -> tuple:
    """What identifies a template: per node of the graph in topological order, its type and
    arguments (a node given by its place in that order), each slotted literal as the
    :class:`TemplateSlot` that replaces it — so the shape of an expression equals the shape of
    its template, and two expressions with equal shapes have equal templates. Read off the
    graph, not built: ``template``'s replace makes every node again (the Managers scorecard,
    742 nodes: 23 → 4 ms)."""
    order, _ = graph.toposort()
    places, entries = {}, []
    for node in order:
        places[node] = len(entries)
        entries.append((TemplateSlot, (slots[node], node.dtype)) if node in slots
                       else (type(node), _masked(node.__args__, places)))
    return tuple(entries)


def prepared(node: ops.Node, graph: Graph | None = None) -> tuple[str, dict[str, object]]:
    """(the DuckDB SQL of the node's template, the values of its slots): the SQL compiled once
    per shape, then taken from the LRU. ``graph``: the node's, when the caller has it."""
    graph = Graph.from_bfs(node) if graph is None else graph
    slots = _literal_slots(graph)
    key = _shape(graph, slots)
    sql = _stored(key)
    if sql is None:  # a new shape: only now is its template built
        sql = _compiled(key, _templated(node, slots))
    return sql, _values(slots)


def sql_of(node: ops.Node) -> str:
    """The DuckDB SQL of a template node (compiled once, then taken from the LRU): a template
    holds no date literal, so it is its own template, under the same shape as its expression."""
    return prepared(node)[0]


def _stored(key: tuple) -> str | None:
    with _lock:
        sql = _templates.get(key)
        if sql is not None:
            _templates.move_to_end(key)
            stats["reused"] += 1
        return sql


def _compiled(key: tuple, node: ops.Node) -> str:
    query = _COMPILER.to_sqlglot(node.to_expr())
    sql = query.sql(dialect="duckdb", copy=False)
    with _lock:
        _templates[key] = sql
        while len(_templates) > MAX_TEMPLATES:
            _templates.popitem(last=False)
        stats["compiled"] += 1
    return sql


class Backend(_DuckDBBackend):
    """Ibis's DuckDB backend whose ``execute`` (and the other ``to_*`` readers built on the same
    relation) run the cached template of the expression with its dates bound."""

    def _to_duckdb_relation(self, expr, *, params=None, limit=None, **kwargs):
        if params or limit is not None or kwargs:
            return super()._to_duckdb_relation(expr, params=params, limit=limit, **kwargs)
        sql, values = self._prepared(expr)
        return self.con.sql(sql, params=values or None)

    def execute(self, expr, /, *, params=None, limit=None, **kwargs):
        """Ibis's ``execute`` of the cached template, the statement run once, and a flat column
        with nulls converted by Arrow, not through a Python list (Ibis's conversion of every
        other column is kept)."""
        if params or limit is not None or kwargs:
            return super().execute(expr, params=params, limit=limit, **kwargs)
        sql, values = self._prepared(expr)
        table = _run(self.con, sql, values)
        schema = expr.as_table().schema()
        df = pd.DataFrame({name: _column(_integral(column, schema[name]))
                           for name, column in zip(table.column_names, table.columns)})
        return expr.__pandas_result__(DuckDBPandasData.convert_table(df, schema))

    def _prepared(self, expr) -> tuple[str, dict[str, object]]:
        """Ibis's pre-execute hooks where they have work, then :func:`prepared` — one walk of
        the expression for both: the hooks register in-memory tables and Python UDFs and warn
        about a table read from a consumed RecordBatchReader, each found by a walk of its own
        (three walks of the Managers scorecard: ~10 ms a query)."""
        node = expr.as_table().op()
        graph = Graph.from_bfs(node)
        consumed = self._record_batch_readers_consumed
        if any(isinstance(n, (ops.InMemoryTable, ops.ScalarUDF))
               or (isinstance(n, ops.PhysicalTable) and consumed.get(n.name)) for n in graph):
            self._run_pre_execute_hooks(expr)
        return prepared(node, graph)


def _run(con, sql: str, values: dict) -> pa.Table:
    """The statement's rows as Arrow, the statement run once. This is the call a DuckDB relation's
    ``to_arrow_table`` makes after ``con.sql`` has bound the SQL a first time (duckdb 2.0.1, as
    pinned: a new version's layout shows at once in tests/test_sqltemplates.py); the public
    ``con.execute`` + ``con.to_arrow_table`` copies the rows once more and warns about it."""
    return _seam.submit(con, sql, values or None, "arrow").arrow_table()


def _integral(column, dtype):
    """An integer column that DuckDB hands over as a decimal (a SUM of integers is a HUGEINT,
    a decimal(38, 0) in Arrow) as Arrow int64: its pandas conversion made a Python Decimal of
    every cell before Ibis made them integers again (the meeting's bridge of 120k clients:
    0.04 s of 0.05 for the whole frame). Only without nulls (with one, Ibis's frame holds Python
    integers and None, kept as they are); a value beyond int64 raises, as Ibis's int64 would."""
    if dtype.is_integer() and pat.is_decimal(column.type) and column.type.scale == 0 and not column.null_count:
        return column.cast(pa.int64())
    return column


def _flat(arrow_type) -> bool:
    return any(test(arrow_type) for test in (pat.is_integer, pat.is_floating, pat.is_string,
                                             pat.is_large_string, pat.is_boolean))


def _column(column):
    """One Arrow column as Ibis's ``execute`` hands it to its pandas conversion: nested,
    dictionary-encoded and null-holding columns as Python lists, except flat ones (numbers,
    text, booleans) with a value, whose Arrow conversion is the frame the list would make
    (a list of nulls alone makes an object column)."""
    listed = pat.is_nested(column.type) or pat.is_dictionary(column.type) or column.null_count
    if not listed or (_flat(column.type) and column.null_count < len(column)):
        return column.to_pandas()
    return column.to_pylist()
