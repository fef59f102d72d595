"""Derived tables: small daily aggregates of the fact tables, kept in step with every import.

Pages read these instead of scanning millions of raw rows for counts and sums (exact medians
and distinct counts still come from the raw rows, filtered by the page's window first).

Each derived table groups one fact table's rows by ``import_id``, the day (all but two), the
client's scope (``account_manager`` = clients.manager and ``segment``, so team / manager /
segment filters apply to it exactly as to the raw rows) and a few dimensions. Grouping by
``import_id`` makes upkeep exact and cheap:

- an import of a fact table adds the aggregates of the rows it inserted
  (:func:`add_import`, called inside the import's transaction);
- undoing it deletes that import's aggregates (:func:`remove_import`, inside the undo's);
- an import or undo of ``clients`` changes clients' scope, so every derived table is rebuilt
  from the raw rows in that same transaction (:func:`rebuild`);
- a database made before a definition changed is rebuilt once when it is opened for writing
  (:func:`ensure`, via ``derived_state``).

Two are kept by client and not by day. ``unlisted_contacts``: the first and last day of the
interactions of each client without a listed manager (unknown to ``clients`` or listed without
one) — usually a handful — so the "busiest manager" fallback of a client's book
(metrics.managers.client_manager) looks at those clients' raw rows only instead of probing
every interaction against the client list; not by day, because into a database without a
client list every client is unlisted: by day (and manager) it was as long as the file (10M
interactions: 4.4 s of the import). ``first_payments``: each client's first positive payment
per import, so the meeting's new clients of a week need not find every client's first payment
among all payments. ``open_complaints_daily`` keeps the unresolved complaints by day and client
(count, earliest time): the at-risk list's open-complaint flag reads them instead of filtering
every interaction by kind and resolution.

Identifiers come from this module only; the one value, the import id, is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

# Bumped whenever a definition below changes: opening an older database rebuilds them.
DEFINITIONS_VERSION = 5  # 2: unlisted_contacts_daily; 3: unlisted_contacts (by client, not by day);
# 4: open_complaints_daily; 5: first_payments
RETIRED = ("unlisted_contacts_daily",)  # tables of earlier definitions, dropped when rebuilt

SCOPE_COLUMNS = ("account_manager", "segment")


@dataclass(frozen=True)
class Derived:
    """One derived table: ``source`` fact table, its day column (None: not by day), extra group
    keys and measures (SQL over the source row ``s``; each measure's output column and type),
    and optionally which rows it keeps (``only``: SQL over ``s`` and its client's row ``c``)."""

    name: str
    source: str
    day_of: str | None
    keys: tuple[str, ...]
    measures: tuple[tuple[str, str, str], ...]  # (column, SQL type, aggregate over s)
    only: str = ""

    def create_sql(self) -> str:
        key_columns = ", ".join(f"{k} VARCHAR" for k in (*SCOPE_COLUMNS, *self.keys))
        measure_columns = ", ".join(f"{c} {t}" for c, t, _ in self.measures)
        day = "day DATE NOT NULL, " if self.day_of else ""
        return f"CREATE TABLE {self.name} (import_id BIGINT NOT NULL, {day}{key_columns}, {measure_columns})"

    def insert_sql(self, *, one_import: bool) -> str:
        """INSERT of the aggregates of the source's rows (of ``$import_id`` when ``one_import``)."""
        keys = ", ".join(f"s.{k}" for k in self.keys)
        measures = ", ".join(f"{agg} AS {c}" for c, _, agg in self.measures)
        conditions = [c for c in ("s.import_id = $import_id" if one_import else "", self.only) if c]
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        day = f"CAST(s.{self.day_of} AS DATE) AS day, " if self.day_of else ""
        return (
            f"INSERT INTO {self.name} "
            f"SELECT s.import_id, {day}c.manager AS account_manager, "
            f"c.segment AS segment, {keys}, {measures} "
            f"FROM {self.source} AS s LEFT JOIN clients AS c ON c.client_id = s.client_id "
            f"{where} GROUP BY ALL"
        )


DERIVED: tuple[Derived, ...] = (
    Derived(
        "interactions_daily", "interactions", "occurred_at",
        keys=("manager", "channel", "direction", "kind"),
        measures=(
            ("interactions_count", "BIGINT", "count(*)"),
            ("missed_count", "BIGINT", "count(*) FILTER (WHERE s.is_missed)"),
            ("answered_count", "BIGINT",
             "count(*) FILTER (WHERE s.first_response_min IS NOT NULL AND NOT coalesce(s.is_missed, false))"),
            ("resolved_count", "BIGINT", "count(*) FILTER (WHERE s.is_resolved)"),
            ("duration_sum", "DOUBLE", "sum(s.duration_min)"),
            ("duration_count", "BIGINT", "count(s.duration_min)"),
        ),
    ),
    Derived(
        "payments_daily", "payments", "paid_at",
        keys=("manager", "kind"),
        measures=(
            ("payments_count", "BIGINT", "count(*)"),
            ("amount_sum", "DOUBLE", "sum(s.amount)"),
            # margin = amount − cost where the cost is known; amount × default rate otherwise
            ("known_margin_sum", "DOUBLE", "sum(s.amount - s.cost_amount)"),
            ("known_margin_count", "BIGINT", "count(s.cost_amount)"),
            ("costless_amount_sum", "DOUBLE", "sum(s.amount) FILTER (WHERE s.cost_amount IS NULL)"),
        ),
    ),
    Derived(
        "nps_daily", "nps_responses", "answered_at",
        keys=("manager",),
        measures=(
            ("responses_count", "BIGINT", "count(*)"),
            ("promoters_count", "BIGINT", "count(*) FILTER (WHERE s.score >= 9)"),
            ("detractors_count", "BIGINT", "count(*) FILTER (WHERE s.score <= 6)"),
        ),
    ),
    Derived(  # the few unresolved complaints (10M interactions: 11k), for the at-risk list
        "open_complaints_daily", "interactions", "occurred_at",
        keys=("client_id",),
        measures=(("open_complaints_count", "BIGINT", "count(*)"),
                  ("first_open_at", "TIMESTAMP", "min(s.occurred_at)")),
        only="s.kind = 'complaint' AND NOT s.is_resolved",
    ),
    Derived(  # each client's first positive payment (per import): new clients in a window
        "first_payments", "payments", None,
        keys=("client_id",),
        measures=(("first_paid_at", "TIMESTAMP", "min(s.paid_at)"),),
        only="s.amount > 0",
    ),
    Derived(
        "unlisted_contacts", "interactions", None,
        keys=("client_id",),
        measures=(("first_day", "DATE", "min(CAST(s.occurred_at AS DATE))"),
                  ("last_day", "DATE", "max(CAST(s.occurred_at AS DATE))")),
        only="c.manager IS NULL",
    ),
)
BY_NAME = {d.name: d for d in DERIVED}
NAMES = tuple(BY_NAME)
# the derived tables of each source, and which imports force a full rebuild
OF_SOURCE = {source: tuple(d for d in DERIVED if d.source == source) for source in {d.source for d in DERIVED}}
REBUILT_BY = ("clients",)

STATE_SQL = "CREATE TABLE IF NOT EXISTS derived_state (definitions_version INTEGER NOT NULL)"


def rebuild(cur) -> None:
    """Every derived table recomputed from the raw rows (inside the caller's transaction)."""
    for d in DERIVED:
        cur.execute(f"DELETE FROM {d.name}")
        cur.execute(d.insert_sql(one_import=False))
    cur.execute("DELETE FROM derived_state")
    cur.execute("INSERT INTO derived_state VALUES ($v)", {"v": DEFINITIONS_VERSION})


def add_import(cur, table: str, import_id: int) -> None:
    """After an import into ``table`` has inserted its rows, inside its transaction."""
    if table in REBUILT_BY:
        rebuild(cur)
    else:
        for d in OF_SOURCE.get(table, ()):
            cur.execute(d.insert_sql(one_import=True), {"import_id": import_id})


def remove_import(cur, table: str, import_id: int) -> None:
    """After an undo has deleted the rows of ``import_id`` from ``table``, inside its transaction."""
    if table in REBUILT_BY:
        rebuild(cur)
    else:
        for d in OF_SOURCE.get(table, ()):
            cur.execute(f"DELETE FROM {d.name} WHERE import_id = $import_id", {"import_id": import_id})


def ensure(con) -> None:
    """Make sure the derived tables exist and follow this module's definitions: a database
    made before them, or by other definitions, gets them (re)made from the raw rows, in one
    transaction. Called when a database is opened for writing; cheap when nothing changed."""
    con.execute(STATE_SQL)
    if con.execute("SELECT definitions_version FROM derived_state").fetchall() == [(DEFINITIONS_VERSION,)]:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        for name in (*RETIRED, *NAMES):
            con.execute(f"DROP TABLE IF EXISTS {name}")
        for d in DERIVED:
            con.execute(d.create_sql())
        rebuild(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
