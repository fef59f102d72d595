"""CSV / DataFrame import: counts, dedupe, rejects, all-or-nothing, undo, rollback."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import threading
from concurrent.futures import Future
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from warehouse import ingest
from warehouse.connection import connect
from warehouse.ingest import AlreadyImported, Reject, import_csv, import_frame, import_log, undo_import

PAYMENTS_CSV = Path(__file__).parent / "fixtures" / "canonical" / "payments.csv"  # 6 rows, p1..p6
HEADER = "payment_id,paid_at,client_id,amount,cost_amount,product,kind,manager"


@pytest.fixture
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def table_rows(con, table: str, columns: str) -> list[tuple]:
    return con.execute(f"SELECT {columns} FROM {table} ORDER BY ALL").fetchall()


def counts(result) -> tuple:
    return (result.status, result.rows_read, result.rows_inserted, result.rows_duplicate, result.rows_rejected)


# ---------------------------------------------------------------- happy path and dedupe

def test_import_csv_six_payments_inserts_six(con):
    result = import_csv(con, PAYMENTS_CSV, file_name="payments.csv", imported_by="anna")

    assert counts(result) == ("committed", 6, 6, 0, 0)
    assert result.import_id == 1 and result.table_name == "payments" and result.rejects == []
    assert table_rows(con, "payments", "payment_id, paid_at, amount, cost_amount, kind, manager, import_id") == [
        ("p1", dt.datetime(2024, 1, 5), 1000.0, 600.0, "new", "Anna", 1),
        ("p2", dt.datetime(2024, 1, 20, 14, 30), 250.5, None, "renewal", "Boris", 1),
        ("p3", dt.datetime(2024, 2, 5), 1000.0, 600.0, "renewal", "Anna", 1),
        ("p4", dt.datetime(2024, 2, 11, 9, 15), 400.0, 100.0, "new", "Anna", 1),
        ("p5", dt.datetime(2024, 3, 1), 300.0, None, "upsell", "Boris", 1),
        ("p6", dt.datetime(2024, 3, 15), 750.25, 500.0, "cross_sell", None, 1),
    ]
    log = import_log(con)
    assert log[["import_id", "file_name", "table_name", "rows_read", "rows_inserted", "imported_by", "status"]
               ].values.tolist() == [[1, "payments.csv", "payments", 6, 6, "anna", "committed"]]


def test_import_csv_same_bytes_raises_already_imported(con):
    import_csv(con, PAYMENTS_CSV, file_name="payments.csv", imported_by="anna")

    with pytest.raises(AlreadyImported) as caught:
        import_csv(con, PAYMENTS_CSV.read_bytes(), file_name="payments (1).csv", imported_by="boris")

    earlier = caught.value.earlier
    assert (earlier.import_id, earlier.file_name, earlier.imported_by) == (1, "payments.csv", "anna")
    assert isinstance(earlier.imported_at, dt.datetime)
    assert caught.value.result.status == "duplicate_file"
    assert "import 1" in caught.value.result.message and "'payments.csv'" in caught.value.result.message
    assert con.execute("SELECT count(*) FROM payments").fetchall() == [(6,)]
    assert len(import_log(con)) == 1


def test_import_csv_awaits_a_hash_still_being_computed(con):
    """intake hashes a file in a thread while import_csv scans it: the import waits for the
    hash before it writes, stores that hash, and refuses the same bytes given the same way."""
    data = PAYMENTS_CSV.read_bytes()

    def digest_later() -> Future:
        digest = Future()
        threading.Timer(0.2, digest.set_result, [hashlib.sha256(data).hexdigest()]).start()
        return digest

    first = import_csv(con, PAYMENTS_CSV, file_name="payments.csv", sha256=digest_later())
    with pytest.raises(AlreadyImported) as caught:
        import_csv(con, PAYMENTS_CSV, file_name="payments (1).csv", sha256=digest_later())

    assert counts(first) == ("committed", 6, 6, 0, 0)
    assert caught.value.earlier.import_id == first.import_id
    assert con.execute("SELECT sha256 FROM imports").fetchall() == [(hashlib.sha256(data).hexdigest(),)]
    assert con.execute("SELECT count(*) FROM payments").fetchall() == [(6,)]


def test_import_csv_a_failed_hash_writes_nothing(con):
    digest = Future()
    digest.set_exception(OSError("the file went away"))

    with pytest.raises(OSError, match="went away"):
        import_csv(con, PAYMENTS_CSV, file_name="payments.csv", sha256=digest)

    assert con.execute("SELECT count(*) FROM payments").fetchall() == [(0,)]
    assert len(import_log(con)) == 0


def test_import_csv_overlapping_export_inserts_only_new_rows(con):
    import_csv(con, PAYMENTS_CSV, file_name="week1.csv")
    week2 = csv_bytes(
        HEADER,
        "p3,2024-02-05,c1,1000.00,600.00,audit,renewal,Anna",  # old
        "p4,2024-02-11 09:15:00,c3,400,100,training,new,Anna",  # old
        "p5,2024-03-01,c2,300,,support,upsell,Boris",  # old
        "p6,2024-03-15,c4,750.25,500,audit,cross_sell,",  # old
        "p7,2024-03-20,c1,1000.00,600.00,audit,renewal,Anna",  # new
        "p8,2024-03-22,c5,90,,support,new,Vera",  # new
    )

    result = import_csv(con, week2, file_name="week2.csv")

    assert counts(result) == ("committed", 6, 2, 4, 0)
    assert table_rows(con, "payments", "payment_id, import_id") == [
        ("p1", 1), ("p2", 1), ("p3", 1), ("p4", 1), ("p5", 1), ("p6", 1), ("p7", 2), ("p8", 2),
    ]


def test_import_csv_rows_without_id_dedupe_by_content(con):
    no_id = "paid_at,client_id,amount"
    first = csv_bytes(no_id, "2024-01-05,c1,100", "2024-01-06,c1,100", "2024-01-05,c1,100")  # line 4 repeats line 2
    # same values written differently (seconds, trailing zeros) are the same row
    second = csv_bytes(no_id, "2024-01-05 00:00:00,c1,100.00", "2024-01-06,c2,100")

    one = import_csv(con, first, file_name="a.csv")
    two = import_csv(con, second, file_name="b.csv")

    assert counts(one) == ("committed", 3, 2, 1, 0)
    assert counts(two) == ("committed", 2, 1, 1, 0)
    assert table_rows(con, "payments", "paid_at, client_id, amount, payment_id, length(row_key)") == [
        (dt.datetime(2024, 1, 5), "c1", 100.0, None, 64),
        (dt.datetime(2024, 1, 6), "c1", 100.0, None, 64),
        (dt.datetime(2024, 1, 6), "c2", 100.0, None, 64),
    ]



def test_a_database_that_stored_every_row_key_still_dedupes_after_the_change(tmp_path):
    """Rows stored when row_key held the id too (NOT NULL): the database opens with row_key
    allowed NULL, and a file overlapping them finds them by id and by hash alike."""
    import duckdb

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    schema = ingest_schema_before_nullable_row_keys()
    old.execute(schema)
    row_key_nullable = ("SELECT is_nullable FROM information_schema.columns "
                        "WHERE table_name = 'payments' AND column_name = 'row_key'")
    assert old.execute(row_key_nullable).fetchall() == [("NO",)]
    old.execute("INSERT INTO payments (payment_id, paid_at, client_id, amount, import_id, row_key) VALUES "
                "('p1', '2024-01-05', 'c1', 100, 1, 'p1'), (NULL, '2024-01-06', 'c1', 50, 1, ?)",
                [hashlib.sha256("\x1f".join(["", "2024-01-06 00:00:00.000000", "c1", "50", "", "", "", ""])
                                .encode()).hexdigest()])
    old.close()
    con = connect(path)
    try:
        nullable = con.execute(row_key_nullable).fetchall()
        result = import_csv(con, csv_bytes("payment_id,paid_at,client_id,amount", "p1,2024-01-05,c1,100",
                                           ",2024-01-06,c1,50", "p2,2024-01-07,c2,70"), file_name="w.csv")
        stored = table_rows(con, "payments", "payment_id, amount, row_key")
    finally:
        con.close()
    assert nullable == [("YES",)]
    assert counts(result) == ("committed", 3, 1, 2, 0)
    assert [(p, a, k if k is None or len(k) < 64 else "hash") for p, a, k in stored] == [
        ("p1", 100.0, "p1"), ("p2", 70.0, None), (None, 50.0, "hash")]


def ingest_schema_before_nullable_row_keys() -> str:
    """schema.sql as it was when every row_key was NOT NULL."""
    from warehouse.connection import SCHEMA_SQL

    schema = SCHEMA_SQL.read_text(encoding="utf-8")
    return re.sub(r"row_key(\s+)VARCHAR[^\n]*", r"row_key\1VARCHAR NOT NULL", schema)


def test_import_csv_bom_booleans_enums_and_timestamps_are_typed(con):
    interactions = "\ufeff" + "\n".join([
        "interaction_id,occurred_at,client_id,channel,direction,kind,duration_min,is_missed,is_resolved",
        "i1,2024-05-01T09:00,c1,Call,inbound,request,5.5,no,yes",
        "i2,2024-05-01 09:30:15,c1,email,outbound,complaint,,0,1",
        "i3,2024-05-02,c2,chat,inbound,upsell,12,FALSE,",
    ]) + "\n"

    result = import_csv(con, interactions.encode("utf-8"), file_name="calls.csv")

    assert counts(result) == ("committed", 3, 3, 0, 0) and result.table_name == "interactions"
    assert table_rows(con, "interactions",
                      "interaction_id, occurred_at, channel, kind, duration_min, is_missed, is_resolved") == [
        ("i1", dt.datetime(2024, 5, 1, 9, 0), "call", "request", 5.5, False, True),
        ("i2", dt.datetime(2024, 5, 1, 9, 30, 15), "email", "complaint", None, False, True),
        ("i3", dt.datetime(2024, 5, 2), "chat", "upsell", 12.0, False, None),
    ]


# ---------------------------------------------------------------- rejects

BAD_WEEK = csv_bytes(
    HEADER,
    "p1,2024-01-05,c1,1000.00,600.00,audit,new,Anna",
    "p2,2024-01-20,c2,250,50,,support,renewal,Boris",  # line 3: decimal comma split the field
    "p3,2024-02-05,c1,1 000,600.00,audit,renewal,Anna",  # line 4: space in number
    "p4,2024-13-01,,400,100,training,gift,Anna",  # line 5: month 13, no client, unknown kind
    "p5,2024-03-01,c2,300,,support,upsell,Boris",
)


def test_import_csv_bad_rows_reject_the_whole_file(con):
    result = import_csv(con, BAD_WEEK, file_name="bad.csv")

    assert counts(result) == ("rejected", 5, 0, 0, 3)  # lines 3, 4, 5 are bad; lines 2, 6 not imported either
    assert result.import_id is None
    assert result.rejects == [
        Reject(3, None, "expected 8 fields, found 9", "p2,2024-01-20,c2,250,50,,support,renewal,Boris"),
        Reject(4, "amount", ingest.BAD_NUMBER, "1 000"),
        Reject(5, "paid_at", ingest.BAD_TIMESTAMP, "2024-13-01"),
        Reject(5, "client_id", ingest.MISSING_REQUIRED, ""),
        Reject(5, "kind", "unknown value (expected one of: new, renewal, upsell, cross_sell)", "gift"),
    ]
    assert con.execute("SELECT (SELECT count(*) FROM payments), (SELECT count(*) FROM imports), "
                       "(SELECT count(*) FROM rejects)").fetchall() == [(0, 0, 0)]


def test_import_csv_accept_partial_imports_good_rows_and_stores_rejects(con):
    result = import_csv(con, BAD_WEEK, file_name="bad.csv", accept_partial=True)

    assert counts(result) == ("committed", 5, 2, 0, 3)  # 2 + 0 + 3 = 5 records
    assert table_rows(con, "payments", "payment_id") == [("p1",), ("p5",)]
    assert table_rows(con, "rejects", 'import_id, line, "column", raw') == [
        (1, 3, None, "p2,2024-01-20,c2,250,50,,support,renewal,Boris"),
        (1, 4, "amount", "1 000"),
        (1, 5, "client_id", ""),
        (1, 5, "kind", "gift"),
        (1, 5, "paid_at", "2024-13-01"),
    ]
    assert import_log(con)["rows_rejected"].tolist() == [3]


def test_import_csv_nps_score_outside_zero_to_ten_is_rejected(con):
    nps = csv_bytes(
        "response_id,answered_at,client_id,score,comment",
        "r1,2024-04-01,c1,10,great",
        "r2,2024-04-02,c2,11,too good",  # line 3
        "r3,2024-04-03,c3,0,",
        "r4,2024-04-04,c4,-1,",  # line 5
        "r5,2024-04-05,c5,7.5,",  # line 6
    )

    result = import_csv(con, nps, file_name="nps.csv")

    assert counts(result) == ("rejected", 5, 0, 0, 3) and result.table_name == "nps_responses"
    assert [(r.line, r.column, r.reason, r.raw) for r in result.rejects] == [
        (3, "score", "score outside 0..10", "11"),
        (5, "score", "score outside 0..10", "-1"),
        (6, "score", ingest.BAD_INTEGER, "7.5"),
    ]


def test_import_csv_reject_lines_count_blank_lines_and_quoted_newlines(con):
    managers = csv_bytes(
        "manager,team,weekly_hours",
        'Anna,"Key\naccounts",40',  # lines 2-3
        "",  # line 4: blank, not a record
        "Boris,SMB,forty",  # line 5
    )

    result = import_csv(con, managers, file_name="team.csv")

    assert counts(result) == ("rejected", 2, 0, 0, 1)
    assert result.rejects == [Reject(5, "weekly_hours", ingest.BAD_NUMBER, "forty")]


def test_import_csv_long_raw_value_is_truncated_to_200_chars(con):
    long_value = "x" * 250
    result = import_csv(con, csv_bytes("manager,hired_at", f"Anna,{long_value}"), file_name="m.csv")

    assert [len(r.raw) for r in result.rejects] == [200]


@pytest.mark.parametrize(
    ("content", "reject"),
    [
        (csv_bytes("manager,salary", "Anna,100"), Reject(1, "salary", "unknown column for table managers", None)),
        (csv_bytes("amount,product", "1,x"), Reject(1, None, "cannot tell which table the columns belong to", None)),
        ("manager\nАнна\n".encode("cp1251"), Reject(2, None, "not UTF-8 text", None)),
        (b"", Reject(1, None, "empty file", None)),
        (b"\nmanager\nAnna\n", Reject(1, None, "the first line is empty (expected the column names)", None)),
    ],
)
@pytest.mark.parametrize("as_path", [False, True])  # bytes, or a file read through a memory map
def test_import_csv_file_level_problem_rejects_file(con, content, reject, as_path, tmp_path):
    if as_path:
        (tmp_path / "f.csv").write_bytes(content)
    result = import_csv(con, tmp_path / "f.csv" if as_path else content, file_name="f.csv")

    assert result.status == "rejected" and result.rejects == [reject]
    assert result.rows_inserted == 0 and result.rows_rejected == result.rows_read
    assert con.execute("SELECT count(*) FROM imports").fetchall() == [(0,)]


# ---------------------------------------------------------------- detect_table

@pytest.mark.parametrize(
    ("columns", "table"),
    [
        (["client_id", "client_name", "manager"], "clients"),
        (["manager", "team", "lead"], "managers"),
        (["occurred_at", "client_id", "channel"], "interactions"),
        (["paid_at", "client_id", "amount"], "payments"),
        ([" Paid_At", "CLIENT_ID ", "amount", "kind", "manager"], "payments"),
        (["answered_at", "client_id", "score"], "nps_responses"),
        (["client_id", "manager"], "clients"),  # clients 2 shared columns, managers 1
        (["amount", "product"], None),  # no table has all its required columns here
    ],
)
def test_detect_table_by_required_and_shared_columns(columns, table):
    assert ingest.detect_table(columns) == table


def test_tables_spec_matches_schema(con):
    in_db = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_name IN ('clients', 'managers', 'interactions', 'payments', 'nps_responses') "
        "AND column_name NOT IN ('import_id', 'row_key') ORDER BY table_name, ordinal_position"
    ).fetchall()
    in_spec = [(t, c, ty) for t in sorted(ingest.TABLES) for c, ty in ingest.TABLES[t].columns.items()]
    assert in_db == in_spec


# ---------------------------------------------------------------- undo, rollback, concurrency

def test_undo_import_removes_exactly_that_import_and_allows_reimport(con):
    import_csv(con, PAYMENTS_CSV, file_name="week1.csv")  # import 1: p1..p6
    import_csv(con, csv_bytes(HEADER, "p7,2024-03-20,c1,10,,audit,new,Anna"), file_name="week2.csv")  # import 2

    removed = undo_import(con, 1)

    assert removed == 6
    assert table_rows(con, "payments", "payment_id, import_id") == [("p7", 2)]
    assert import_log(con)[["import_id", "status"]].values.tolist() == [[2, "committed"], [1, "undone"]]
    with pytest.raises(ValueError, match="already undone"):
        undo_import(con, 1)
    with pytest.raises(ValueError, match="no import 9"):
        undo_import(con, 9)

    again = import_csv(con, PAYMENTS_CSV, file_name="week1.csv")  # undone bytes may come back

    assert counts(again) == ("committed", 6, 6, 0, 0) and again.import_id == 3
    assert con.execute("SELECT count(*) FROM payments WHERE import_id = 3").fetchall() == [(6,)]


def test_import_csv_failure_mid_transaction_leaves_tables_unchanged(con, monkeypatch):
    import_csv(con, PAYMENTS_CSV, file_name="week1.csv")
    real_store = ingest._store

    def insert_then_fail(cur, spec, frame, import_id):
        assert real_store(cur, spec, frame, import_id)[3] == 1  # the row is in the transaction...
        raise OSError("disk full")  # ...and then the import fails

    monkeypatch.setattr(ingest, "_store", insert_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_csv(con, csv_bytes(HEADER, "p7,2024-03-20,c1,10,,audit,new,Anna"), file_name="week2.csv")

    assert con.execute("SELECT count(*), max(import_id) FROM payments").fetchall() == [(6, 1)]
    assert import_log(con)["import_id"].tolist() == [1]


def test_import_csv_reconciliation_mismatch_rolls_back(con, monkeypatch):
    real_store = ingest._store
    monkeypatch.setattr(ingest, "_store", lambda cur, spec, frame, import_id: (lambda r: (r[0], r[1] + 1, *r[2:]))(
        real_store(cur, spec, frame, import_id)))  # claims one duplicate too many

    with pytest.raises(ingest.ReconciliationError, match="6 records"):
        import_csv(con, PAYMENTS_CSV, file_name="week1.csv")

    assert con.execute("SELECT (SELECT count(*) FROM payments), (SELECT count(*) FROM imports)").fetchall() == [(0, 0)]


def test_import_csv_same_bytes_committed_concurrently_raises_already_imported(con, monkeypatch):
    data = PAYMENTS_CSV.read_bytes()
    other = con.cursor()  # another session importing the same bytes at the same time
    other.execute("BEGIN TRANSACTION")
    other.execute(
        "INSERT INTO imports VALUES (100, $sha, 'other.csv', 'payments', NULL, 6, 6, 0, 0, 0, 'boris', "
        "TIMESTAMP '2024-06-01 10:00', 'committed', $sha)", {"sha": ingest.hashlib.sha256(data).hexdigest()})
    real_write = ingest._write_import_row

    def write_then_other_commits(*args, **kwargs):
        real_write(*args, **kwargs)
        other.execute("COMMIT")  # the other session wins the race

    monkeypatch.setattr(ingest, "_write_import_row", write_then_other_commits)
    with pytest.raises(AlreadyImported) as caught:
        import_csv(con, data, file_name="payments.csv")

    assert caught.value.earlier.import_id == 100 and caught.value.earlier.imported_by == "boris"
    assert con.execute("SELECT count(*) FROM payments").fetchall() == [(0,)]


# ---------------------------------------------------------------- import_frame

def test_import_frame_typed_frame_imports_and_remembers_its_hash(con):
    frame = pd.DataFrame({
        "client_id": ["c1", "c2", "c3"],
        "client_name": ["Alfa", "Beta", None],
        "signed_at": pd.to_datetime(["2023-01-01", "2023-06-15", None]),
        "budget_amount": [1000.0, float("nan"), 250.0],
    })

    result = import_frame(con, "clients", frame, file_name="demo:clients", sha256="demo-clients-v1")

    assert counts(result) == ("committed", 3, 3, 0, 0)
    assert table_rows(con, "clients", "client_id, client_name, signed_at, budget_amount, row_key") == [
        ("c1", "Alfa", dt.datetime(2023, 1, 1), 1000.0, None),  # keyed by the id: no row_key stored
        ("c2", "Beta", dt.datetime(2023, 6, 15), None, None),
        ("c3", None, None, 250.0, None),
    ]
    with pytest.raises(AlreadyImported):
        import_frame(con, "clients", frame, file_name="demo:clients", sha256="demo-clients-v1")


def test_import_frame_text_values_follow_csv_rules(con):
    frame = pd.DataFrame({"answered_at": ["2024-04-01", "01.04.2024"], "client_id": ["c1", "c2"], "score": [9, 10]})

    result = import_frame(con, "nps_responses", frame, file_name="nps")

    assert counts(result) == ("rejected", 2, 0, 0, 1)
    assert result.rejects == [Reject(3, "answered_at", ingest.BAD_TIMESTAMP, "01.04.2024")]


# ---------------------------------------------------------------- property

PAYMENT_ROWS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from(["p1", "p2", "p3", "p4", "p5", "p6"])),
        st.dates(dt.date(2024, 1, 1), dt.date(2024, 1, 10)),
        st.sampled_from(["c1", "c2"]),
        st.integers(1, 3),
    ),
    min_size=1, max_size=12,
    unique_by=(lambda r: r[0] if r[0] is not None else r),  # an id names one row
)


@settings(max_examples=25, deadline=None)
@given(rows=PAYMENT_ROWS, data=st.data())
def test_import_csv_overlapping_files_in_any_order_give_the_distinct_rows(rows, data):
    files = data.draw(st.lists(st.lists(st.sampled_from(rows), min_size=1, max_size=12), min_size=1, max_size=4))
    leftover = [row for row in rows if not any(row in f for f in files)]
    files.append(leftover or rows[:1])
    con = connect(":memory:")
    try:
        records = 0
        for file_rows in data.draw(st.permutations(files)):
            content = csv_bytes("payment_id,paid_at,client_id,amount",
                                *(f"{pid or ''},{day},{client},{amount}" for pid, day, client, amount in file_rows))
            try:
                result = import_csv(con, content, file_name="f.csv")
            except AlreadyImported:
                continue
            assert result.rows_inserted + result.rows_duplicate == result.rows_read == len(file_rows)
            records += result.rows_inserted
        stored = con.execute("SELECT payment_id, CAST(paid_at AS DATE), client_id, amount FROM payments").fetchall()
    finally:
        con.close()
    assert sorted(stored, key=repr) == sorted({(p, d, c, float(a)) for p, d, c, a in rows}, key=repr)
    assert records == len(rows)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(["a", "é", " ", ",", "\n", "\r\n", '"', '""', '"a,\nb"']), max_size=40),
       block=st.sampled_from([1, 2, 3, 7, 1 << 26]))
def test_scan_records_fast_path_counts_like_the_csv_module(pieces, block):
    text = "".join(pieces)  # no lone CR: what the fast path accepts
    with pytest.MonkeyPatch.context() as patch:  # quotes are scanned block by block
        patch.setattr(ingest, "SCAN_BLOCK", block)
        fast = ingest._scan_fast(text.encode("utf-8"))
        without_fields = ingest._scan_fast(text.encode("utf-8"), fields=False)
    whole = ingest._scan_fast(text.encode("utf-8"))
    assert (fast is None) == (whole is None) == (without_fields is None)
    assume(fast is not None)  # irregular quotes: the csv module decides
    slow = ingest._scan_csv(text)

    assert fast.header == slow.header
    assert fast.lines.tolist() == slow.lines.tolist()
    assert fast.well_formed.tolist() == slow.well_formed.tolist()
    # a misfit record's raw text: as written in the file (quotes kept) on the fast path
    assert [(r.line, r.reason) for r in fast.structural] == [(r.line, r.reason) for r in slow.structural]
    if '"' not in text:
        assert fast.structural == slow.structural
    assert fast.widest == slow.widest
    assert without_fields.lines.tolist() == slow.lines.tolist() and without_fields.header == slow.header
    # each record starts at the first byte of its first line (the parts are cut there)
    data = text.encode("utf-8")
    line_starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 0x0A]
    offsets = [] if without_fields.offsets is None else without_fields.offsets.tolist()  # None: no header
    assert offsets == [line_starts[line - 1] for line in slow.lines]
    if without_fields.offsets is not None:  # Arrow may cut at every newline only when no field holds one
        fields = [field for row in csv.reader(io.StringIO(text, newline="")) for field in row]
        assert without_fields.quoted_newlines == any("\n" in field for field in fields)


def test_scan_records_takes_the_fast_path_for_a_quoted_export():
    body = b'id,note\n"1","a, b"\n"2","say ""hi""\nthere"\n3,plain\n'
    fast = ingest._scan_fast(body)
    assert fast is not None and fast.header == ["id", "note"]
    assert fast.lines.tolist() == [2, 3, 5] and fast.well_formed.all()
    assert ingest._scan_fast(b'id,note\n1,5" screen\n') is None  # a stray quote: csv module


# ---------------------------------------------------------------- memory of big files

MESSY = ("\ufeffpayment_id,paid_at,client_id,amount,cost_amount,product,kind,manager\r\n"
         "p1,2024-01-05,c1,1000,600,\"Plan, annual\",new,Anna\r\n"
         "p2,2024-01-20 14:30,c2,250.5,,\"two\r\nlines\",renewal,Boris\r\n"
         "p3,2024-02-05,c1,1000,600,Plan,renewal,Anna\r\n"
         "p4,2024-02-11 09:15,c3,400,100,Plan,new,Anna\r\n"
         "p5,2024-03-01,c2,300,,Plan,upsell,Boris\r\n").encode("utf-8")


def test_a_file_read_through_a_memory_map_imports_like_its_bytes(tmp_path):
    """BOM, CRLF and a quoted line break, parts of 2 records whose pages are handed back
    (MADV_DONTNEED) as they go: the same rows as importing the bytes."""
    (tmp_path / "p.csv").write_bytes(MESSY)
    stored = []
    for source in (MESSY, tmp_path / "p.csv"):
        connection = connect(":memory:")
        try:
            result = import_csv(connection, source, file_name="p.csv", chunk_rows=2)
            assert counts(result) == ("committed", 5, 5, 0, 0)
            stored.append(table_rows(connection, "payments", "payment_id, paid_at, client_id, amount, product"))
        finally:
            connection.close()
    assert stored[0] == stored[1]
    assert stored[1][1] == ("p2", dt.datetime(2024, 1, 20, 14, 30), "c2", 250.5, "two\r\nlines")


def test_released_pages_of_a_mapped_file_read_back_the_same(tmp_path):
    (tmp_path / "p.csv").write_bytes(MESSY * 2000)  # ~700 kB: many pages
    data = ingest._read_bytes(tmp_path / "p.csv")
    before = bytes(data)
    ingest._release(data, 5000, 300_000)
    ingest._release(data)
    assert bytes(data) == before == MESSY * 2000
    assert ingest._release(b"abc", 0, 2) is None  # bytes in memory: nothing to hand back


def test_each_chunk_is_freed_while_the_import_transaction_is_open(con, monkeypatch):
    """A chunk's rows are let go once stored, not kept to the commit (a registered Arrow table
    stays alive until the transaction ends: 1.5 GB more at the end of a 10M-row import)."""
    import gc
    import weakref

    stored, alive_when_storing = [], []
    real_store = ingest._store

    def store(cur, spec, frame, import_id):
        gc.collect()
        alive_when_storing.append(sum(ref() is not None for ref in stored))
        stored.append(weakref.ref(frame))
        return real_store(cur, spec, frame, import_id)

    monkeypatch.setattr(ingest, "_store", store)
    result = import_csv(con, PAYMENTS_CSV, file_name="payments.csv", chunk_rows=2)
    assert counts(result) == ("committed", 6, 6, 0, 0)
    # at the 3rd chunk the 1st is gone (the 2nd may still be the loop's last chunk)
    assert len(stored) == 3 and alive_when_storing[2] <= 1


def test_stored_clients_hold_one_row_per_client_id(con):
    """What app_state.book_hints tells the metrics (clients_unique): a client repeated in a file,
    or listed again by a later CSV or frame with other values, stays one row — the first."""
    header = "client_id,client_name,manager,segment"
    first = import_csv(con, csv_bytes(header, "k1,Kappa,Anna,big", "k2,Lambda,Boris,small", "k1,Kappa 2,Vera,small"),
                       file_name="clients1.csv")
    again = import_csv(con, csv_bytes(header, "k2,Lambda,Vera,big", "k3,Mu,,small"), file_name="clients2.csv")
    frame = import_frame(con, "clients", pd.DataFrame({"client_id": ["k3", "k1"], "manager": ["Boris", "Boris"]}),
                         file_name="clients3")
    assert [counts(r)[2:4] for r in (first, again, frame)] == [(2, 1), (1, 1), (0, 2)]  # (inserted, duplicate)
    assert table_rows(con, "clients", "client_id, client_name, manager") == [
        ("k1", "Kappa", "Anna"), ("k2", "Lambda", "Boris"), ("k3", "Mu", None)]
