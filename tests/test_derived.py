"""Derived tables (warehouse/derived.py) equal a recomputation from the raw rows — by a naive
Python oracle — after any sequence of imports and undos, and after reopening an old database."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warehouse import connection, derived, ingest

DAYS = [dt.datetime(2026, 3, 2, 9), dt.datetime(2026, 3, 2, 17, 30), dt.datetime(2026, 3, 3, 11)]
CLIENTS = ["C1", "C2", "C3", "C4"]
PEOPLE = ["Anna", "Boris", None]
SEGMENTS = ["SMB", "Enterprise", None]


def _oracle(con) -> dict[str, dict]:
    """Each derived table recomputed in Python from the raw rows: {table: {key: measures}}."""
    scope = {c: (m, s) for c, m, s in con.execute("SELECT client_id, manager, segment FROM clients").fetchall()}
    out: dict[str, dict] = {}

    def grouped(sql: str, key_of, measures_of, width: int) -> dict:
        groups: dict = defaultdict(lambda: [0] * width)
        for row in con.execute(sql).fetchall():
            import_id, at, client = row[0], row[1], row[2]
            key = (import_id, at.date(), *scope.get(client, (None, None)), *key_of(row))
            for i, value in enumerate(measures_of(row)):
                if value is not None:
                    groups[key][i] = (groups[key][i] or 0) + value
        return {k: tuple(v) for k, v in groups.items()}

    out["interactions_daily"] = grouped(
        "SELECT import_id, occurred_at, client_id, manager, channel, direction, kind, is_missed, "
        "first_response_min, is_resolved, duration_min FROM interactions",
        lambda r: r[3:7],
        lambda r: (1, int(r[7] is True), int(r[8] is not None and r[7] is not True), int(r[9] is True),
                   r[10], int(r[10] is not None)),
        6,
    )
    out["payments_daily"] = grouped(
        "SELECT import_id, paid_at, client_id, manager, kind, amount, cost_amount FROM payments",
        lambda r: r[3:5],
        lambda r: (1, r[5], None if r[6] is None else r[5] - r[6], int(r[6] is not None),
                   r[5] if r[6] is None else None),
        5,
    )
    # unresolved complaints (is_resolved false, not unknown) per import, day, scope and client:
    # how many, the earliest
    complaints: dict = defaultdict(list)
    for import_id, at, client, kind, resolved in con.execute(
            "SELECT import_id, occurred_at, client_id, kind, is_resolved FROM interactions").fetchall():
        if kind == "complaint" and resolved is False:
            complaints[(import_id, at.date(), *scope.get(client, (None, None)), client)].append(at)
    out["open_complaints_daily"] = {k: (len(v), min(v)) for k, v in complaints.items()}
    # each client's first positive payment per import (not by day)
    firsts: dict = {}
    for import_id, at, client, amount in con.execute(
            "SELECT import_id, paid_at, client_id, amount FROM payments").fetchall():
        if amount > 0:
            key = (import_id, *scope.get(client, (None, None)), client)
            firsts[key] = min(firsts.get(key, at), at)
    out["first_payments"] = {k: (v,) for k, v in firsts.items()}
    # per import and client without a listed manager (unknown, or listed without one): the
    # first and last day of its interactions
    days: dict = defaultdict(list)
    for import_id, at, client in con.execute("SELECT import_id, occurred_at, client_id FROM interactions").fetchall():
        manager, segment = scope.get(client, (None, None))
        if manager is None:
            days[(import_id, manager, segment, client)].append(at.date())
    out["unlisted_contacts"] = {k: (min(v), max(v)) for k, v in days.items()}
    out["nps_daily"] = grouped(
        "SELECT import_id, answered_at, client_id, manager, score FROM nps_responses",
        lambda r: r[3:4],
        lambda r: (1, int(r[4] >= 9), int(r[4] <= 6)),
        3,
    )
    return out


def _stored(con) -> dict[str, dict]:
    out = {}
    for d in derived.DERIVED:
        n_keys = (4 if d.day_of else 3) + len(d.keys)  # import_id, [day,] the scope, the keys
        rows = con.execute(f"SELECT * FROM {d.name}").fetchall()
        assert len({r[:n_keys] for r in rows}) == len(rows), f"{d.name}: a key appears twice"
        # a sum over no known values is NULL in SQL and 0 in the oracle
        out[d.name] = {r[:n_keys]: tuple(0 if v is None else v for v in r[n_keys:]) for r in rows}
    return out


# --------------------------------------------------------------- hand-counted example

def test_daily_payments_by_hand():
    con = connection.connect(":memory:")
    ingest.import_frame(con, "clients", pd.DataFrame({
        "client_id": ["C1", "C2"], "manager": ["Anna", "Boris"], "segment": ["SMB", "SMB"]}),
        file_name="clients.csv")
    payments = pd.DataFrame({
        "payment_id": ["P1", "P2", "P3", "P4"],
        "paid_at": ["2026-03-02 09:00", "2026-03-02 18:00", "2026-03-02 10:00", "2026-03-03 10:00"],
        "client_id": ["C1", "C1", "C2", "C9"],
        "amount": [100.0, 50.0, 80.0, 10.0],
        "cost_amount": [60.0, None, 30.0, None],
        "kind": ["new", "new", "renewal", "new"],
    })
    result = ingest.import_frame(con, "payments", payments, file_name="p.csv")
    rows = con.execute(
        "SELECT day, account_manager, segment, kind, payments_count, amount_sum, known_margin_sum, "
        "known_margin_count, costless_amount_sum FROM payments_daily ORDER BY day, account_manager NULLS LAST"
    ).fetchall()
    assert rows == [
        (dt.date(2026, 3, 2), "Anna", "SMB", "new", 2, 150.0, 40.0, 1, 50.0),
        (dt.date(2026, 3, 2), "Boris", "SMB", "renewal", 1, 80.0, 50.0, 1, None),
        (dt.date(2026, 3, 3), None, None, "new", 1, 10.0, None, 0, 10.0),  # C9: not a known client
    ]
    ingest.undo_import(con, result.import_id)
    assert con.execute("SELECT count(*) FROM payments_daily").fetchone() == (0,)


def test_clients_import_moves_earlier_rows_into_scope():
    con = connection.connect(":memory:")
    ingest.import_frame(con, "nps_responses", pd.DataFrame({
        "response_id": ["R1", "R2"], "answered_at": ["2026-03-02", "2026-03-02"],
        "client_id": ["C1", "C1"], "score": [10, 3]}), file_name="nps.csv")
    assert con.execute("SELECT account_manager, responses_count FROM nps_daily").fetchall() == [(None, 2)]
    clients = ingest.import_frame(con, "clients", pd.DataFrame({"client_id": ["C1"], "manager": ["Anna"]}),
                                  file_name="c.csv")
    assert con.execute("SELECT account_manager, promoters_count, detractors_count FROM nps_daily").fetchall() \
        == [("Anna", 1, 1)]
    ingest.undo_import(con, clients.import_id)
    assert con.execute("SELECT account_manager FROM nps_daily").fetchall() == [(None,)]


def test_unlisted_contacts_keep_only_clients_without_a_listed_manager():
    con = connection.connect(":memory:")
    ingest.import_frame(con, "clients", pd.DataFrame({
        "client_id": ["C1", "C2"], "manager": ["Anna", None]}), file_name="clients.csv")
    ingest.import_frame(con, "interactions", pd.DataFrame({
        "interaction_id": ["I1", "I2", "I3", "I4"], "occurred_at": ["2026-03-02 09:00"] * 3 + ["2026-03-03 10:00"],
        "client_id": ["C1", "C2", "C9", "C2"], "manager": ["Boris", "Boris", "Vera", "Boris"]}),
        file_name="contacts.csv")
    stored = "SELECT client_id, first_day, last_day FROM unlisted_contacts ORDER BY ALL"
    # C1 is listed (Anna): left out; C2 listed without a manager, C9 unknown: kept, one row each
    assert con.execute(stored).fetchall() == [
        ("C2", dt.date(2026, 3, 2), dt.date(2026, 3, 3)), ("C9", dt.date(2026, 3, 2), dt.date(2026, 3, 2))]
    listing = ingest.import_frame(con, "clients", pd.DataFrame({"client_id": ["C9"], "manager": ["Vera"]}),
                                  file_name="more.csv")
    assert [r[0] for r in con.execute(stored).fetchall()] == ["C2"]
    ingest.undo_import(con, listing.import_id)
    assert [r[0] for r in con.execute(stored).fetchall()] == ["C2", "C9"]


def test_an_old_database_gets_its_derived_tables_when_opened(tmp_path):
    path = tmp_path / "old.duckdb"
    con = connection.connect(path)
    ingest.import_frame(con, "nps_responses", pd.DataFrame({
        "response_id": ["R1"], "answered_at": ["2026-03-02"], "client_id": ["C1"], "score": [9]}),
        file_name="nps.csv")
    for d in derived.DERIVED:  # as a database from before derived tables
        con.execute(f"DROP TABLE {d.name}")
    con.execute("DROP TABLE derived_state")
    con.close()
    con = connection.connect(path)
    assert con.execute("SELECT responses_count, promoters_count FROM nps_daily").fetchall() == [(1, 1)]
    assert _stored(con) == _oracle(con)


def test_a_database_of_earlier_definitions_loses_their_tables_and_gets_the_new_ones(tmp_path):
    """Definitions 2 kept the unlisted clients' contacts by day in unlisted_contacts_daily: opening
    such a database drops that table and builds unlisted_contacts from the raw rows."""
    path = tmp_path / "v2.duckdb"
    con = connection.connect(path)
    ingest.import_frame(con, "interactions", pd.DataFrame({
        "interaction_id": ["I1", "I2"], "occurred_at": ["2026-03-02 09:00", "2026-03-05 10:00"],
        "client_id": ["C7", "C7"], "manager": ["Vera", "Vera"]}), file_name="contacts.csv")
    con.execute("DROP TABLE unlisted_contacts")
    con.execute("CREATE TABLE unlisted_contacts_daily (import_id BIGINT, day DATE, client_id VARCHAR)")
    con.execute("UPDATE derived_state SET definitions_version = 2")
    con.close()
    con = connection.connect(path)
    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "unlisted_contacts_daily" not in tables
    assert con.execute("SELECT client_id, first_day, last_day FROM unlisted_contacts").fetchall() == [
        ("C7", dt.date(2026, 3, 2), dt.date(2026, 3, 5))]
    assert _stored(con) == _oracle(con)


# --------------------------------------------------------------- property: imports and undos

_when = st.sampled_from(DAYS)
_money = st.integers(-4, 40).map(lambda x: x * 2.5)  # exact in binary: sums do not round
_minutes = st.one_of(st.none(), st.integers(0, 8).map(lambda x: x * 0.5))
_flag = st.one_of(st.none(), st.booleans())

_ROWS = {
    "clients": st.fixed_dictionaries({
        "client_id": st.sampled_from(CLIENTS), "manager": st.sampled_from(PEOPLE),
        "segment": st.sampled_from(SEGMENTS)}),
    "interactions": st.fixed_dictionaries({
        "interaction_id": st.sampled_from([f"I{i}" for i in range(8)]), "occurred_at": _when,
        "client_id": st.sampled_from(CLIENTS + ["C9"]), "manager": st.sampled_from(PEOPLE),
        "channel": st.sampled_from(["call", "email"]), "direction": st.sampled_from(["inbound", "outbound"]),
        "kind": st.sampled_from(["request", "complaint"]), "duration_min": _minutes,
        "first_response_min": _minutes, "is_missed": _flag, "is_resolved": _flag}),
    "payments": st.fixed_dictionaries({
        "payment_id": st.sampled_from([f"P{i}" for i in range(8)]), "paid_at": _when,
        "client_id": st.sampled_from(CLIENTS + ["C9"]), "amount": _money,
        "cost_amount": st.one_of(st.none(), _money), "kind": st.sampled_from(["new", "upsell"]),
        "manager": st.sampled_from(PEOPLE)}),
    "nps_responses": st.fixed_dictionaries({
        "response_id": st.sampled_from([f"R{i}" for i in range(8)]), "answered_at": _when,
        "client_id": st.sampled_from(CLIENTS), "score": st.integers(0, 10), "manager": st.sampled_from(PEOPLE)}),
}
_import = st.sampled_from(sorted(_ROWS)).flatmap(
    lambda table: st.tuples(st.just("import"), st.just(table), st.lists(_ROWS[table], min_size=1, max_size=5)))
_undo = st.tuples(st.just("undo"), st.integers(0, 20))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_import, _import, _undo), min_size=1, max_size=8))
def test_derived_tables_equal_recomputation_after_imports_and_undos(steps):
    con = connection.connect(":memory:")
    committed: list[int] = []
    for n, step in enumerate(steps):
        if step[0] == "import":
            _, table, rows = step
            try:
                result = ingest.import_frame(con, table, pd.DataFrame(rows), file_name=f"step{n}.csv")
            except ingest.AlreadyImported:  # the same rows as an earlier import: nothing changes
                continue
            if result.status == "committed":
                committed.append(result.import_id)
        elif committed:
            ingest.undo_import(con, committed.pop(step[1] % len(committed)))
        assert _stored(con) == _oracle(con), f"after step {n}: {step}"


def test_a_failed_import_leaves_derived_tables_unchanged(monkeypatch):
    con = connection.connect(":memory:")
    ingest.import_frame(con, "nps_responses", pd.DataFrame({
        "response_id": ["R1"], "answered_at": ["2026-03-02"], "client_id": ["C1"], "score": [9]}),
        file_name="a.csv")
    before = _stored(con)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest, "_write_import_row", broken)
    with pytest.raises(RuntimeError):
        ingest.import_frame(con, "nps_responses", pd.DataFrame({
            "response_id": ["R2"], "answered_at": ["2026-03-03"], "client_id": ["C1"], "score": [2]}),
            file_name="b.csv")
    assert _stored(con) == before == _oracle(con)
