"""warehouse.intake: real export files end to end — plan, preview, chunked import, presets.

Every fixture of tests/fixtures/exports goes through import_file into a database, and the
expected counts, rows and messages below are read off the fixture rows by hand
(tests/fixtures/exports/make_fixtures.py writes them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest

from warehouse import ingest, intake
from warehouse.connection import connect
from warehouse.ingest import AlreadyImported, Reject
from warehouse.intake import import_file, plan_file
from warehouse.mapping import header_signature

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
D = dt.datetime


@pytest.fixture
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


def counts(result) -> tuple:
    return (result.status, result.table_name, result.rows_read, result.rows_inserted, result.rows_duplicate,
            result.rows_rejected, result.rows_skipped)


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- each fixture, exact counts

@pytest.mark.parametrize("name, expected", [
    # file                          status      table            read ins dup rej skip
    ("payments_cp1251_semicolon.csv", ("committed", "payments", 4, 4, 0, 0, 0)),
    ("payments_utf8_bom.csv", ("committed", "payments", 2, 2, 0, 0, 0)),
    ("payments_utf16.csv", ("committed", "payments", 2, 2, 0, 0, 0)),
    ("payments.xlsx", ("committed", "payments", 3, 3, 0, 0, 0)),
    ("bitrix24_deals.csv", ("committed", "payments", 3, 2, 0, 0, 1)),        # 1 deal not won
    ("bitrix24_deals_excel.xls", ("committed", "payments", 3, 2, 0, 0, 1)),  # HTML "Excel"
    ("sipuni_calls.csv", ("committed", "interactions", 5, 5, 0, 0, 0)),
    ("zendesk_tickets.csv", ("committed", "interactions", 4, 4, 0, 0, 0)),
    ("payloads.csv", ("committed", "payments", 3, 3, 0, 0, 0)),
    ("amocrm_leads.csv", ("rejected", "payments", 6, 0, 0, 1, 3)),          # won deal 106 has no budget
    ("nps_survey.csv", ("rejected", "nps_responses", 4, 0, 0, 2, 0)),       # scores 11 and 7,5
    ("impossible_date.csv", ("rejected", "payments", 3, 0, 0, 1, 0)),       # 31.02.2024
    ("malformed_one_of_101.csv", ("rejected", "payments", 101, 0, 0, 1, 0)),
    ("header_only.csv", ("rejected", "payments", 0, 0, 0, 0, 0)),
])
def test_import_file_each_fixture_counts(con, name, expected):
    result = import_file(con, EXPORTS / name, file_name=name)

    assert counts(result) == expected
    assert result.reconciled
    table = expected[1]
    assert rows(con, f"SELECT count(*) FROM {table}") == [(expected[3],)]
    logged = rows(con, "SELECT rows_read, rows_inserted, rows_skipped FROM imports")
    assert logged == ([(expected[2], expected[3], expected[6])] if expected[0] == "committed" else [])


def test_import_file_cp1251_rows_stored_exactly(con):
    result = import_file(con, EXPORTS / "payments_cp1251_semicolon.csv", file_name="week.csv")

    assert result.message == "week.csv → payments (import 1): 4 read, 4 inserted, 0 duplicate, 0 rejected."
    assert rows(con, "SELECT paid_at, client_id, amount, product, manager FROM payments ORDER BY paid_at") == [
        (D(2024, 1, 5), "К-001", 1234.5, "Тариф «Старт»", "Анна"),
        (D(2024, 1, 12, 14, 30), "К-002", 980.0, "Аудит; разовый", "Борис"),
        (D(2024, 1, 31, 23, 59, 59), "К-001", 2000.0, "Тариф «Старт»", "Анна"),
        (D(2024, 2, 1), "К-003", -150.75, "Возврат", "Вера"),
    ]



def test_import_file_checks_a_canonical_csv_as_utf8_once(con, tmp_path, monkeypatch):
    """The plan reads the whole file as UTF-8; the canonical import then does not check it again."""
    path = write(tmp_path, "p.csv", "payment_id,paid_at,client_id,amount,manager\n"
                                    "P1,2024-01-05,C1,100,Анна\nP2,2024-01-06,C2,50.5,Борис\n")
    checked = []
    monkeypatch.setattr(ingest, "is_utf8", lambda body: checked.append(len(body)) or True)
    result = import_file(con, path, file_name="p.csv")

    assert (result.status, result.rows_inserted, checked) == ("committed", 2, [])
    assert rows(con, "SELECT payment_id, manager FROM payments ORDER BY payment_id") == [("P1", "Анна"), ("P2", "Борис")]


def test_import_file_canonical_columns_in_cp1251_are_read_as_cp1251(con, tmp_path):
    """Canonical column names but cp1251 text: not the UTF-8 path — the names come out right."""
    path = write(tmp_path, "p.csv", "payment_id,paid_at,client_id,amount,manager\n"
                                    "P1,2024-01-05,C1,100,Анна\nP2,2024-01-06,C2,50.5,Борис\n", "cp1251")
    result = import_file(con, path, file_name="p.csv")

    assert (result.status, result.rows_inserted) == ("committed", 2)
    assert rows(con, "SELECT payment_id, manager, amount FROM payments ORDER BY payment_id") == [
        ("P1", "Анна", 100.0), ("P2", "Борис", 50.5)]

def test_import_file_call_log_statuses_durations_and_client_by_direction(con):
    result = import_file(con, EXPORTS / "sipuni_calls.csv", file_name="calls.csv")

    assert result.preset == "Sipuni call log → interactions"
    assert rows(con, "SELECT occurred_at, client_id, manager, channel, direction, duration_min, "
                     "first_response_min, is_missed FROM interactions ORDER BY occurred_at") == [
        (D(2024, 3, 1, 9, 15), "79161234567", "Анна", "call", "inbound", 2.5, 0.25, False),
        (D(2024, 3, 1, 9, 40, 12), "79169990000", "Борис", "call", "inbound", 0.0, None, True),
        (D(2024, 3, 1, 10, 5), "79161234567", "Анна", "call", "outbound", 9.75, 7 / 60, False),
        (D(2024, 3, 1, 11, 0), "79035550101", "Вера", "call", "outbound", 0.0, None, True),
        (D(2024, 3, 1, 12, 30, 30), "79035550101", None, "call", "inbound", 0.0, None, True),
    ]
    assert rows(con, "SELECT preset FROM imports") == [("Sipuni call log → interactions",)]


def test_import_file_bitrix_html_excel_equals_csv_then_is_duplicate(con):
    first = import_file(con, EXPORTS / "bitrix24_deals.csv", file_name="deals.csv")
    second = import_file(con, EXPORTS / "bitrix24_deals_excel.xls", file_name="deals.xls")

    assert counts(first)[3:] == (2, 0, 0, 1)
    assert counts(second)[3:] == (0, 2, 0, 1)  # the same deals, by their ID column
    assert rows(con, "SELECT count(*) FROM payments") == [(2,)]


def test_import_file_skipped_rows_are_stored_with_reason_not_rejected(con):
    import_file(con, EXPORTS / "bitrix24_deals.csv", file_name="deals.csv")

    assert rows(con, 'SELECT line, "column", reason, raw FROM rejects') == [
        (3, "Стадия сделки", "skipped: Стадия сделки is not Сделка успешна", "В работе")]


def test_import_file_formula_and_html_payloads_stored_verbatim(con):
    import_file(con, EXPORTS / "payloads.csv", file_name="p.csv")

    assert rows(con, "SELECT client_id, product FROM payments ORDER BY paid_at") == [
        ('=HYPERLINK("http://evil.example","click")', "<script>alert(1)</script>"),
        ("+1", "<b>bold</b>"), ("-2", "@SUM(A1:A2)")]


# ---------------------------------------------------------------- rejects, all or nothing

def test_import_file_impossible_date_rejected_with_line_column_and_value(con):
    result = import_file(con, EXPORTS / "impossible_date.csv", file_name="dates.csv")

    assert result.message == ("dates.csv: 1 of 3 rows rejected; nothing imported. "
                              "Fix the rows listed, or accept a partial import.")
    assert [(r.line, r.column, r.reason, r.raw) for r in result.rejects] == [
        (3, "Дата оплаты", intake.mapping.BAD_DATE, "31.02.2024")]
    assert rows(con, "SELECT count(*) FROM imports UNION ALL SELECT count(*) FROM rejects") == [(0,), (0,)]


def test_import_file_accept_partial_imports_100_of_101_and_stores_the_reject(con):
    result = import_file(con, EXPORTS / "malformed_one_of_101.csv", file_name="m.csv", accept_partial=True)

    assert counts(result) == ("committed", "payments", 101, 100, 0, 1, 0)
    assert rows(con, 'SELECT line, "column", reason, raw FROM rejects') == [
        (52, None, "expected 3 fields, found 4", "2024-02-01,C999,5,extra")]


def test_import_file_amocrm_partial_keeps_won_deals_with_budget(con):
    result = import_file(con, EXPORTS / "amocrm_leads.csv", file_name="leads.csv", accept_partial=True)

    assert counts(result) == ("committed", "payments", 6, 2, 0, 1, 3)
    assert rows(con, "SELECT payment_id, paid_at, amount, manager FROM payments ORDER BY payment_id") == [
        ("101", D(2022, 3, 22, 13, 32, 57), 15000.0, "Анна"),
        ("105", D(2022, 4, 5, 18, 10), 4500.0, "Глеб"),
    ]
    problems = [(r.line, r.column, r.reason[:8]) for r in result.rejects]
    assert problems == [(3, "Этап сделки", "skipped:"), (4, "Этап сделки", "skipped:"),
                        (5, "Этап сделки", "skipped:"), (7, "amount", "missing ")]


@pytest.mark.parametrize("name, message, line", [
    ("empty.csv", "The file is empty.", None),
    ("gzip_renamed.csv", "This is a gzip-compressed file, not a table. Unpack it and upload the CSV inside.", None),
    ("zip_renamed.csv", "This is a zip archive, not a table. Unpack it and upload the file inside.", None),
    ("png_renamed.csv", "This is a PNG image, not a CSV or Excel table.", None),
    ("unterminated_quote.csv", "a quoted value is never closed or is malformed (unexpected end of data); "
                               "check the quotes on that line.", 3),
])
def test_import_file_unreadable_files_one_clear_reject(con, name, message, line):
    result = import_file(con, EXPORTS / name, file_name=name)

    assert (result.status, result.rows_inserted, result.rejects) == ("rejected", 0, [Reject(line, None, message, None)])
    where = f"line {line}: " if line else ""
    assert result.message == f"{name}: {where}{message}; nothing imported."


def test_import_file_mojibake_header_refused(con):
    result = import_file(con, EXPORTS / "mojibake.csv", file_name="m.csv")

    assert result.status == "rejected"
    assert result.rejects[0].reason.startswith("The column names look garbled")


def test_import_file_unknown_columns_say_what_is_missing(con, tmp_path):
    path = write(tmp_path, "x.csv", "Foo;Bar\n1;2\n")

    result = import_file(con, path, file_name="x.csv")

    assert result.status == "rejected" and result.rows_read == 1
    assert result.rejects[0].reason.startswith("no column is mapped to the required ")


# ---------------------------------------------------------------- idempotency and overlap

def test_import_file_same_bytes_twice_names_the_earlier_import(con):
    import_file(con, EXPORTS / "sipuni_calls.csv", file_name="calls-w47.csv", imported_by="anna")

    with pytest.raises(AlreadyImported) as caught:
        import_file(con, EXPORTS / "sipuni_calls.csv", file_name="calls-again.csv")

    assert caught.value.earlier.import_id == 1 and caught.value.earlier.imported_by == "anna"
    assert "import 1 ('calls-w47.csv'" in caught.value.result.message
    assert rows(con, "SELECT count(*) FROM interactions") == [(5,)]


def test_import_file_canonical_csv_twice_names_the_earlier_import(con, tmp_path):
    """A canonical CSV is hashed while it is scanned (intake._hashing): the hash stored is the
    file's, and the same bytes again are refused before anything is written."""
    text = ("payment_id,paid_at,client_id,amount\n"
            "p1,2024-03-01,c1,100\np2,2024-03-02,c2,200.5\np3,2024-03-09,c1,150\n")
    path = write(tmp_path, "payments.csv", text)

    first = import_file(con, path, file_name="payments.csv", imported_by="anna")
    with pytest.raises(AlreadyImported) as caught:
        import_file(con, path, file_name="payments-again.csv")

    assert (first.status, first.rows_inserted) == ("committed", 3)
    assert caught.value.earlier.import_id == first.import_id and caught.value.earlier.imported_by == "anna"
    assert rows(con, "SELECT sha256 FROM imports") == [(hashlib.sha256(text.encode()).hexdigest(),)]
    assert rows(con, "SELECT count(*) FROM payments") == [(3,)]


def test_import_file_overlapping_export_inserts_only_new_rows(con, tmp_path):
    header = "Дата оплаты;ID клиента;Сумма;Менеджер\n"
    week1 = write(tmp_path, "w1.csv", header + "01.03.2024;К-1;100;Анна\n02.03.2024;К-2;200;Борис\n", "cp1251")
    week2 = write(tmp_path, "w2.csv", header + "02.03.2024;К-2;200;Борис\n09.03.2024;К-1;150;Анна\n"
                                                "10.03.2024;К-3;50,5;Вера\n", "cp1251")

    first = import_file(con, week1, file_name="w1.csv")
    second = import_file(con, week2, file_name="w2.csv")

    assert counts(first)[2:] == (2, 2, 0, 0, 0)
    assert counts(second)[2:] == (3, 2, 1, 0, 0)  # 02.03 К-2 200 is last week's row (content hash)
    assert rows(con, "SELECT client_id, amount FROM payments ORDER BY paid_at") == [
        ("К-1", 100.0), ("К-2", 200.0), ("К-1", 150.0), ("К-3", 50.5)]


def test_import_file_undo_removes_its_rows_and_allows_reimport(con):
    result = import_file(con, EXPORTS / "zendesk_tickets.csv", file_name="t.csv")

    assert ingest.undo_import(con, result.import_id) == 4
    again = import_file(con, EXPORTS / "zendesk_tickets.csv", file_name="t.csv")
    assert (again.status, again.rows_inserted) == ("committed", 4)


# ---------------------------------------------------------------- chunks and progress

def test_import_file_in_chunks_equals_one_chunk_and_reports_progress(tmp_path):
    lines = ["Дата;Клиент;Сумма"] + [f"{d:02d}.01.2024;К-{d % 4};{d},5" for d in range(1, 30)]
    lines[10] = "10.01.2024;К-2"  # a short row
    lines.append(lines[5])        # a repeat of line 6 in a later chunk
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n", "cp1251")
    seen = []

    chunked = connect(":memory:")
    result = import_file(chunked, path, file_name="big.csv", accept_partial=True, chunk_rows=7,
                         progress=lambda done, total: seen.append((done, total)))
    whole = connect(":memory:")
    import_file(whole, path, file_name="big.csv", accept_partial=True)

    assert counts(result)[2:] == (30, 28, 1, 1, 0)
    assert seen == [(7, 30), (15, 30), (22, 30), (29, 30), (30, 30)]  # 7 good rows a chunk; the short row rides along
    query = "SELECT paid_at, client_id, amount FROM payments ORDER BY ALL"
    assert rows(chunked, query) == rows(whole, query)
    assert len(rows(chunked, query)) == 28


def test_import_file_stray_quote_does_not_reconcile_and_imports_nothing(con, tmp_path):
    path = write(tmp_path, "q.csv", 'paid_at;client_id;amount;product\n2024-01-01;C1;5;5" screen\n'
                                    '2024-01-02;C2;6;ok\n')

    result = import_file(con, path, file_name="q.csv")

    assert result.status == "rejected"
    assert rows(con, "SELECT count(*) FROM payments") == [(0,)]


# ---------------------------------------------------------------- plans, previews, presets

def test_plan_file_cp1251_says_what_it_read(con):
    plan = plan_file(con, EXPORTS / "payments_cp1251_semicolon.csv", file_name="p.csv")

    assert (plan.kind, plan.encoding, plan.delimiter, plan.records, plan.table, plan.preset, plan.canonical) == (
        "csv", "cp1251", ";", 4, "payments", None, None)
    assert plan.mapping.mapping == {"paid_at": "Дата оплаты", "client_id": "ID клиента", "amount": "Сумма",
                                    "product": "Продукт", "manager": "Менеджер"}
    shown = intake.preview(plan, rows=2)
    assert shown.frame[["paid_at", "amount"]].values.tolist() == [
        [D(2024, 1, 5), 1234.5], [D(2024, 1, 12, 14, 30), 980.0]]


def test_plan_file_settles_slash_dates_from_rows_past_the_sample(con, tmp_path):
    rows_ = ["03/04/2024,C1,5"] * intake.SAMPLE_ROWS + ["04/25/2024,C2,6"]  # only the last row says m/d
    path = write(tmp_path, "us.csv", "Date,Customer,Amount\n" + "\n".join(rows_) + "\n")

    plan = plan_file(con, path, file_name="us.csv")
    result = import_file(con, path, file_name="us.csv", plan=plan)

    assert plan.mapping.options == {"date_order": "mdy"}
    assert result.status == "committed"
    assert rows(con, "SELECT DISTINCT paid_at FROM payments ORDER BY 1") == [(D(2024, 3, 4),), (D(2024, 4, 25),)]


def test_plan_file_canonical_csv_takes_the_fast_path(con, tmp_path):
    path = write(tmp_path, "c.csv", "manager,team\nAnna,Key\nBoris,SMB\n")

    plan = plan_file(con, path, file_name="c.csv")
    result = import_file(con, path, file_name="c.csv")

    assert (plan.canonical, plan.mapping, plan.records) == ("managers", None, 2)
    assert counts(result) == ("committed", "managers", 2, 2, 0, 0, 0)


def test_edited_mapping_saved_as_preset_is_found_next_week_by_headers(con, tmp_path):
    header = "Когда;Кто;Сколько;Комментарий\n"
    week1 = write(tmp_path, "w1.csv", header + "01.03.2024;К-1;100;первый\n")
    week2 = write(tmp_path, "w2.csv", header + "08.03.2024;К-2;7;второй\n")
    plan = plan_file(con, week1, file_name="w1.csv", table="payments")
    edited = intake.Proposal("payments", {"paid_at": "Когда", "client_id": "Кто", "amount": "Сколько",
                                          "product": "Комментарий"}, {"kind": "renewal"}, 1.0, [], {})

    import_file(con, week1, file_name="w1.csv", mapping_used=edited, plan=plan)
    intake.save_preset(con, edited.to_preset("Our shop export", plan.headers), saved_by="anna")
    next_week = plan_file(con, week2, file_name="w2.csv")
    result = import_file(con, week2, file_name="w2.csv")

    assert (next_week.preset, next_week.mapping.header_signature) == ("Our shop export", header_signature(plan.headers))
    assert (result.status, result.preset) == ("committed", "Our shop export")
    assert rows(con, "SELECT client_id, amount, product, kind FROM payments ORDER BY paid_at") == [
        ("К-1", 100.0, "первый", "renewal"), ("К-2", 7.0, "второй", "renewal")]
    assert rows(con, "SELECT name, table_name, saved_by FROM presets") == [("Our shop export", "payments", "anna")]


def test_preset_by_name_and_unknown_preset(con):
    assert intake.preset_named(con, "sipuni_calls").table == "interactions"
    result = import_file(con, EXPORTS / "sipuni_calls.csv", file_name="c.csv", preset="no_such")
    assert result.rejects == [Reject(None, None, "there is no preset 'no_such'", None)]


def test_old_database_gains_rows_skipped_and_presets(tmp_path):
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE imports (import_id BIGINT PRIMARY KEY, sha256 VARCHAR NOT NULL, file_name VARCHAR, "
                "table_name VARCHAR NOT NULL, preset VARCHAR, rows_read BIGINT NOT NULL, "
                "rows_inserted BIGINT NOT NULL, rows_duplicate BIGINT NOT NULL, rows_rejected BIGINT NOT NULL, "
                "imported_by VARCHAR, imported_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL, "
                "active_sha256 VARCHAR UNIQUE)")
    old.execute("INSERT INTO imports VALUES (1, 'x', 'a.csv', 'payments', NULL, 1, 1, 0, 0, NULL, "
                "TIMESTAMP '2024-01-01', 'committed', 'x')")
    old.close()

    con = connect(path)
    try:
        assert rows(con, "SELECT import_id, rows_skipped FROM imports") == [(1, 0)]
        assert rows(con, "SELECT count(*) FROM presets") == [(0,)]
    finally:
        con.close()


class _Rerun(BaseException):
    """Stands in for Streamlit's rerun/stop exceptions (BaseException, not Exception)."""


def test_import_stopped_mid_file_rolls_back_and_logs_interrupted(con, tmp_path):
    lines = ["Дата;Клиент;Сумма"] + [f"0{d}.01.2024;К-{d};{d}" for d in range(1, 10)]
    path = write(tmp_path, "w.csv", "\n".join(lines) + "\n", "cp1251")

    def stop_after_first_chunk(done, total):
        raise _Rerun()

    with pytest.raises(_Rerun):
        import_file(con, path, file_name="w.csv", chunk_rows=3, progress=stop_after_first_chunk)

    assert rows(con, "SELECT count(*) FROM payments") == [(0,)]
    assert rows(con, "SELECT file_name, status, rows_read, rows_inserted, active_sha256 FROM imports") == [
        ("w.csv", "interrupted", 9, 0, None)]
    again = import_file(con, path, file_name="w.csv")
    assert (again.status, again.rows_inserted) == ("committed", 9)


# ---------------------------------------------------------------- Parquet

def _parquet(tmp_path, name: str, table: dict) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / name
    pq.write_table(pa.table(table), path)
    return path


def test_import_file_canonical_parquet_in_chunks(con, tmp_path):
    path = _parquet(tmp_path, "p.parquet", {
        "paid_at": [D(2026, 1, 5), D(2026, 1, 6, 10, 30), D(2026, 1, 7), D(2026, 1, 6, 10, 30)],
        "client_id": ["c1", "c2", "c3", "c2"],
        "amount": [100.0, 250.5, None, 250.5],
        "kind": ["new", "renewal", "gift", "renewal"],
    })
    plan = plan_file(con, path, file_name="p.parquet")
    result = import_file(con, path, file_name="p.parquet", accept_partial=True, chunk_rows=2)

    assert (plan.kind, plan.canonical, plan.records) == ("parquet", "payments", 4)
    assert [(r.line, r.column, r.reason) for r in intake.preview(plan).rejects] == [
        (4, "amount", ingest.MISSING_REQUIRED), (4, "kind", "unknown value (expected one of: new, renewal, upsell, "
                                                             "cross_sell)")]
    assert counts(result) == ("committed", "payments", 4, 2, 1, 1, 0)  # line 5 repeats line 3
    assert rows(con, "SELECT paid_at, client_id, amount, kind FROM payments ORDER BY paid_at") == [
        (D(2026, 1, 5), "c1", 100.0, "new"), (D(2026, 1, 6, 10, 30), "c2", 250.5, "renewal")]


def test_import_file_parquet_typed_in_sql_and_of_other_kinds_through_pandas(con, tmp_path):
    """Typed columns of their own kinds (the SQL typing: a zoned time at its wall time, an integer
    score with a null, a date, a decimal) — and a number where text belongs (client ids as
    integers): the pandas typing takes that file, as text."""
    import pyarrow as pa

    typed = _parquet(tmp_path, "t.parquet", {
        "answered_at": pa.array([D(2026, 1, 5, 6), D(2026, 1, 6, 7), D(2026, 1, 7, 8)], pa.timestamp("us", "UTC")),
        "client_id": ["c1", " c2 ", "c3"],
        "score": pa.array([9, None, 4], pa.int64()),
    })
    result = import_file(con, typed, file_name="t.parquet", accept_partial=True)
    assert counts(result) == ("committed", "nps_responses", 3, 2, 0, 1, 0)
    assert [(r.line, r.column, r.reason) for r in result.rejects] == [(3, "score", ingest.MISSING_REQUIRED)]
    assert rows(con, "SELECT answered_at, client_id, score FROM nps_responses ORDER BY answered_at") == [
        (D(2026, 1, 5, 6), "c1", 9), (D(2026, 1, 7, 8), "c3", 4)]

    import datetime as dt
    from decimal import Decimal

    dated = _parquet(tmp_path, "d.parquet", {
        "paid_at": pa.array([dt.date(2026, 3, 2)], pa.date32()), "client_id": ["c1"],
        "amount": pa.array([Decimal("12.50")], pa.decimal128(9, 2)),
    })
    assert counts(import_file(con, dated, file_name="d.parquet")) == ("committed", "payments", 1, 1, 0, 0, 0)
    assert rows(con, "SELECT paid_at, amount FROM payments") == [(D(2026, 3, 2), 12.5)]  # a date: its midnight

    numbered = _parquet(tmp_path, "n.parquet", {"client_id": pa.array([7, 8], pa.int64()), "client_name": ["A", "B"]})
    result = import_file(con, numbered, file_name="n.parquet")
    assert counts(result) == ("committed", "clients", 2, 2, 0, 0, 0)
    assert rows(con, "SELECT client_id, client_name FROM clients ORDER BY client_id") == [("7", "A"), ("8", "B")]
    # through pandas too, an integer score with a null is read as integers, not as "9.0"
    answers = _parquet(tmp_path, "a.parquet", {"answered_at": [D(2026, 2, 2), D(2026, 2, 3)],
                                               "client_id": pa.array([7, 8], pa.int64()),
                                               "score": pa.array([9, None], pa.int64())})
    result = import_file(con, answers, file_name="a.parquet", accept_partial=True)
    assert counts(result) == ("committed", "nps_responses", 2, 1, 0, 1, 0)
    assert [(r.line, r.column, r.reason) for r in result.rejects] == [(3, "score", ingest.MISSING_REQUIRED)]
    assert rows(con, "SELECT client_id, score FROM nps_responses WHERE answered_at = '2026-02-02'") == [("7", 9)]


def test_import_file_parquet_with_other_columns_is_refused(con, tmp_path):
    path = _parquet(tmp_path, "x.parquet", {"Дата": ["01.01.2026"], "Сумма": ["5"]})

    result = import_file(con, path, file_name="x.parquet")

    assert result.status == "rejected"
    assert result.rejects[0].reason == ("A Parquet file must have the dashboard's own column names (see the README); "
                                        "this one has: Дата, Сумма.")
