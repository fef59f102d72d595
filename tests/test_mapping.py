"""warehouse.mapping: proposals, presets and apply_mapping on the fixtures of tests/fixtures/exports."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from warehouse import mapping
from warehouse.ingest import MISSING_REQUIRED, TABLES, Reject
from warehouse.mapping import (BAD_DATE, BAD_ORDER, Preset, apply_mapping, builtin_presets, find_preset, header_signature,
                               normalise_header, propose_mapping, synonyms)
from warehouse.readers import RawTable, count_records, iter_chunks, read_table

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
D = dt.datetime


def _read(name: str):
    return read_table((EXPORTS / name).read_bytes(), file_name=name)


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """(line, *values) per row, NA → None."""
    return [(line, *(None if pd.isna(v) else v for v in values))
            for line, values in zip(frame.index, frame[columns].itertuples(index=False))]


def _preset(name: str) -> Preset:
    return next(p for p in builtin_presets() if p.name.startswith(name))


def test_normalise_header_and_signature_ignore_case_order_space():
    assert normalise_header("  Бюджет ") == "бюджет"
    assert normalise_header("Дата  Закрытия Ёлки") == "дата закрытия елки"
    assert header_signature(["B", "a "]) == header_signature(["A", "b"])
    assert header_signature(["A", "B"]) != header_signature(["A", "B", "C"])


def test_builtin_presets_load():
    names = sorted(p.name for p in builtin_presets())
    assert names == ["Bitrix24 deal list (won deals → payments)", "Freshdesk tickets → interactions (labels unverified)",
                     "NPS survey (generic)", "Sipuni call log → interactions", "Zendesk tickets → interactions",
                     "amoCRM leads (won deals → payments)"]


def test_preset_to_dict_from_dict_roundtrip():
    preset = Preset("weekly", "payments", {"paid_at": "Дата", "client_id": ["Компания", "Контакт"], "amount": "Сумма"},
                    constants={"kind": "renewal"}, options={"decimal": ","}, header_signature="abc")
    assert Preset.from_dict(preset.to_dict()) == preset
    with pytest.raises(ValueError, match="unknown table 'deals'"):
        Preset.from_dict({**preset.to_dict(), "table": "deals"})
    with pytest.raises(ValueError, match="payments has no column drop table x, revenue"):
        Preset.from_dict({**preset.to_dict(), "constants": {"revenue": 1, "drop table x": 2}})


def test_synonyms_cover_every_canonical_column():
    headers, enum_values = synonyms()["headers"], synonyms()["enum_values"]
    assert {table: sorted(columns) for table, columns in headers.items()} == {
        table: sorted(spec.columns) for table, spec in TABLES.items()}
    assert all(headers[table][column] for table in headers for column in headers[table])
    allowed = TABLES["interactions"].enums
    assert all(set(values.values()) <= set(allowed[column]) for column, values in enum_values.items())


def test_find_preset_signature_first_then_headers_present():
    headers = _read("sipuni_calls.csv").headers
    assert find_preset(headers, builtin_presets()).name == "Sipuni call log → interactions"
    mine = Preset("my calls", "interactions", {"occurred_at": "Время", "client_id": "Откуда"},
                  header_signature=header_signature(headers))
    assert find_preset(headers, [*builtin_presets(), mine]) is mine
    assert find_preset(["Foo", "Bar"], builtin_presets()) is None


def test_propose_mapping_cp1251_payments():
    table = _read("payments_cp1251_semicolon.csv")
    proposal = propose_mapping(table.headers, table.rows.head(3))
    assert (proposal.table, proposal.missing_required, proposal.constants) == ("payments", [], {})
    assert proposal.options == {"date_order": "dmy"}
    assert proposal.mapping == {"paid_at": "Дата оплаты", "client_id": "ID клиента", "amount": "Сумма",
                                "product": "Продукт", "manager": "Менеджер"}
    assert proposal.score == 1.04  # 3/3 required + 0.1 × 2 of 5 optional


def test_propose_mapping_english_survey_prefix_synonym():
    headers = ["Submitted at", "Customer email", "How likely are you to recommend us?", "Why?"]
    proposal = propose_mapping(headers, [["2024-03-01 10:00", "a@b.c", "9", "fast"]])
    assert proposal.table == "nps_responses"
    assert proposal.mapping == {"answered_at": "Submitted at", "client_id": "Customer email",
                                "score": "How likely are you to recommend us?", "comment": "Why?"}


def test_propose_mapping_skips_headers_whose_sample_does_not_parse():
    # "Date" holds words, so paid_at is missing; the table stays payments (2 of 3 required)
    proposal = propose_mapping(["Date", "Customer", "Amount"], [["soon", "C1", "5"], ["later", "C2", "6"]])
    assert (proposal.table, proposal.missing_required) == ("payments", ["paid_at"])


def test_propose_mapping_settles_or_flags_slash_dates():
    headers = ["Date", "Customer", "Amount"]
    settled = propose_mapping(headers, [["03/04/2024", "C1", "5"], ["03/25/2024", "C2", "6"]])
    assert settled.options == {"date_order": "mdy"}  # 25 can only be a day
    open_question = propose_mapping(headers, [["03/04/2024", "C1", "5"], ["04/03/2024", "C2", "6"]])
    assert open_question.options == {"date_order": "dmy", "ambiguous_dates": ["Date"]}
    dotted = propose_mapping(headers, [["03.04.2024", "C1", "5"]])
    assert dotted.options == {"date_order": "dmy"}


def test_apply_mapping_cp1251_payments_exact():
    table = _read("payments_cp1251_semicolon.csv")
    mapped = apply_mapping(table, propose_mapping(table.headers, table.rows))
    assert list(mapped.frame.columns) == list(TABLES["payments"].columns)
    assert {c: str(t) for c, t in mapped.frame.dtypes.items()} == {
        "payment_id": "str", "paid_at": "datetime64[us]", "client_id": "str", "amount": "float64",
        "cost_amount": "float64", "product": "str", "kind": "str", "manager": "str"}
    assert _rows(mapped.frame, ["paid_at", "client_id", "amount", "product", "manager"]) == [
        (2, D(2024, 1, 5), "К-001", 1234.5, "Тариф «Старт»", "Анна"),   # "1 234,50" with NBSP
        (3, D(2024, 1, 12, 14, 30), "К-002", 980.0, "Аудит; разовый", "Борис"),
        (4, D(2024, 1, 31, 23, 59, 59), "К-001", 2000.0, "Тариф «Старт»", "Анна"),
        (5, D(2024, 2, 1), "К-003", -150.75, "Возврат", "Вера"),
    ]
    assert (mapped.rejects, mapped.skipped) == ([], [])


def test_apply_mapping_amocrm_only_won_deals_are_payments():
    table = _read("amocrm_leads.csv")
    preset = find_preset(table.headers, builtin_presets())
    mapped = apply_mapping(table, preset)
    assert preset.name == "amoCRM leads (won deals → payments)"
    assert _rows(mapped.frame, ["payment_id", "paid_at", "client_id", "amount", "manager"]) == [
        (2, "101", D(2022, 3, 22, 13, 32, 57), "ООО Ромашка", 15000.0, "Анна"),
        (6, "105", D(2022, 4, 5, 18, 10), "Мария Белова", 4500.0, "Глеб"),  # no company → contact name
    ]
    assert mapped.rejects == [Reject(7, "amount", MISSING_REQUIRED, "")]  # won deal 106 with an empty budget
    reason = "skipped: Этап сделки is not Успешно реализовано"
    assert mapped.skipped == [Reject(3, "Этап сделки", reason, "Первичный контакт"),
                              Reject(4, "Этап сделки", reason, "Принимают решение"),
                              Reject(5, "Этап сделки", reason, "Закрыто и не реализовано")]
    assert len(mapped.frame) + len(mapped.rejects) + len(mapped.skipped) == table.records_count  # 2 + 1 + 3 = 6


@pytest.mark.parametrize("name", ["bitrix24_deals.csv", "bitrix24_deals_excel.xls"])
def test_apply_mapping_bitrix24_csv_and_html(name):
    table = _read(name)
    mapped = apply_mapping(table, find_preset(table.headers, builtin_presets()))
    assert _rows(mapped.frame, ["payment_id", "paid_at", "client_id", "amount", "manager"]) == [
        (2, "7", D(2024, 3, 10), "ООО Ромашка", 15000.5, "Анна"),
        (4, "9", D(2024, 3, 15), "Мария Белова", 990.0, "Вера"),
    ]
    assert [(r.line, r.raw) for r in mapped.skipped] == [(3, "В работе")]
    assert mapped.rejects == []


def test_apply_mapping_sipuni_calls():
    table = _read("sipuni_calls.csv")
    mapped = apply_mapping(table, find_preset(table.headers, builtin_presets()))
    columns = ["occurred_at", "client_id", "manager", "channel", "direction", "duration_min", "is_missed"]
    assert _rows(mapped.frame, columns) == [
        (2, D(2024, 3, 1, 9, 15), "79161234567", "Анна", "call", "inbound", 2.5, False),   # 00:02:30
        (3, D(2024, 3, 1, 9, 40, 12), "79169990000", "Борис", "call", "inbound", 0.0, True),  # CRM owner
        (4, D(2024, 3, 1, 10, 5), "79161234567", "Анна", "call", "outbound", 9.75, False),  # 00:09:45
        (5, D(2024, 3, 1, 11), "79035550101", "Вера", "call", "outbound", 0.0, True),
        (6, D(2024, 3, 1, 12, 30, 30), "79035550101", None, "call", "inbound", 0.0, True),  # Занято
    ]
    # "Время ответа" in seconds: 15 s = 0.25 min, 7 s = 7/60 min
    assert _rows(mapped.frame, ["first_response_min"]) == [(2, 0.25), (3, None), (4, 7 / 60), (5, None), (6, None)]
    assert str(mapped.frame["is_missed"].dtype) == "boolean"


def test_apply_mapping_zendesk_tickets_with_derived_resolution():
    table = _read("zendesk_tickets.csv")
    mapped = apply_mapping(table, find_preset(table.headers, builtin_presets()))
    columns = ["interaction_id", "occurred_at", "client_id", "manager", "channel", "direction", "kind",
               "first_response_min", "resolution_min", "is_resolved"]
    assert _rows(mapped.frame, columns) == [
        (2, "501", D(2024, 3, 1, 9), "9001", "Anna", "email", "inbound", "request", 30.0, 180.0, True),
        (3, "502", D(2024, 3, 2, 10), "9002", "Boris", "chat", "inbound", "complaint", 20.0, None, False),
        # no full resolution time: solved at 09:30 − created at 08:00 = 90 min
        (4, "503", D(2024, 3, 3, 8), "9003", "Anna", "call", "inbound", "request", None, 90.0, True),
        (5, "504", D(2024, 3, 4, 7), "Petr", None, "other", "inbound", None, None, None, False),  # API → other
    ]
    assert mapped.rejects == []


def test_apply_mapping_freshdesk_resolution_derived_from_timestamps():
    table = read_table(
        b"Ticket Id,Subject,Status,Source,Customer,Agent,Created Time,Resolved Time\n"
        b"1,A,Resolved,Email,Acme,Anna,2024-03-01 10:00:00,2024-03-01 12:30:00\n"
        b"2,B,Open,Phone,Beta,Boris,2024-03-02 10:00:00,\n"
        b"3,C,Closed,Portal,Gamma,,2024-03-03 10:00:00,2024-03-03 09:00:00\n"
        b"4,D,Closed,Chat,Delta,,2024-03-04 10:00:00,04.13.2024\n", file_name="freshdesk.csv")
    mapped = apply_mapping(table, find_preset(table.headers, builtin_presets()))
    assert _rows(mapped.frame, ["interaction_id", "client_id", "channel", "resolution_min", "is_resolved"]) == [
        (2, "1", "Acme", "email", 150.0, True),  # 12:30 − 10:00 = 150 min
        (3, "2", "Beta", "call", None, False)]
    assert mapped.rejects == [
        Reject(4, "resolution_min", BAD_ORDER, "2024-03-03 10:00:00 → 2024-03-03 09:00:00"),
        Reject(5, "resolution_min", BAD_DATE, "2024-03-04 10:00:00 → 04.13.2024")]  # no 13th month


def test_apply_mapping_impossible_date_rejected_with_line():
    table = _read("impossible_date.csv")
    mapped = apply_mapping(table, propose_mapping(table.headers, table.rows))
    assert mapped.rejects == [Reject(3, "Дата оплаты", BAD_DATE, "31.02.2024")]
    assert _rows(mapped.frame, ["paid_at", "amount"]) == [(2, D(2024, 2, 29), 100.0), (4, D(2024, 3, 1), 300.0)]


def test_apply_mapping_malformed_row_reconciles():
    table = _read("malformed_one_of_101.csv")
    mapped = apply_mapping(table, propose_mapping(table.headers, table.rows.head()))
    assert mapped.rejects == [Reject(52, None, "expected 3 fields, found 4", "2024-02-01,C999,5,extra")]
    assert len(mapped.frame) + len(mapped.rejects) == table.records_count == 101
    assert _rows(mapped.frame, ["paid_at", "client_id", "amount"])[-1] == (102, D(2024, 1, 16), "C099", 109.0)


def test_apply_mapping_nps_score_range():
    table = _read("nps_survey.csv")
    mapped = apply_mapping(table, find_preset(table.headers, builtin_presets()))
    reason = "not a whole number from 0 to 10"
    assert mapped.rejects == [Reject(4, "Оценка", reason, "11"), Reject(5, "Оценка", reason, "7,5")]
    assert _rows(mapped.frame, ["answered_at", "client_id", "score", "comment"]) == [
        (2, D(2024, 3, 1), "К-1", 10, "Всё отлично"), (3, D(2024, 3, 2), "К-2", 6, None)]
    assert str(mapped.frame["score"].dtype) == "Int64"


def test_apply_mapping_payloads_stored_verbatim():
    table = _read("payloads.csv")
    mapped = apply_mapping(table, propose_mapping(table.headers, table.rows))
    assert _rows(mapped.frame, ["client_id", "product"]) == [
        (2, '=HYPERLINK("http://evil.example","click")', "<script>alert(1)</script>"),
        (3, "+1", "<b>bold</b>"), (4, "-2", "@SUM(A1:A2)")]


def test_apply_mapping_xlsx():
    table = _read("payments.xlsx")
    mapped = apply_mapping(table, propose_mapping(table.headers, table.rows))
    assert _rows(mapped.frame, ["paid_at", "client_id", "amount", "product"]) == [
        (2, D(2024, 2, 1, 10, 30), "К-001", 1234.5, "Тариф"), (3, D(2024, 2, 2), "42", 500.0, '=HYPERLINK("x")'),
        (4, D(2024, 2, 3), "К-003", 0.1, None)]


def test_apply_mapping_header_only_gives_typed_empty_frame():
    table = _read("header_only.csv")
    mapped = apply_mapping(table, propose_mapping(table.headers, table.rows))
    assert (len(mapped.frame), mapped.rejects, str(mapped.frame["paid_at"].dtype)) == (0, [], "datetime64[us]")


def test_apply_mapping_unknown_enum_value_and_bad_constant():
    table = read_table("Дата звонка;Клиент;Направление\n01.03.2024;К-1;Входящий\n02.03.2024;К-2;наружу\n"
                       .encode(), file_name="calls.csv")
    proposal = propose_mapping(table.headers, table.rows)
    proposal.constants["channel"] = "pigeon"
    mapped = apply_mapping(table, proposal)
    channels = "unknown value (expected one of call, email, meeting, chat, messenger, other)"
    assert mapped.rejects == [Reject(2, "channel", channels, "pigeon"), Reject(3, "channel", channels, "pigeon"),
                              Reject(3, "Направление", "unknown value (expected one of inbound, outbound)", "наружу")]


def test_apply_mapping_required_column_unmapped_raises():
    table = _read("impossible_date.csv")
    preset = Preset("partial", "payments", {"paid_at": "Дата оплаты"})
    with pytest.raises(ValueError, match="no column is mapped to the required client_id, amount"):
        apply_mapping(table, preset)
    absent = Preset("absent", "payments", {"paid_at": "Дата оплаты", "client_id": "Клиент", "amount": "Сумма"})
    with pytest.raises(ValueError, match="the file has no column 'Клиент'"):
        apply_mapping(table, absent)


def test_proposal_to_preset_edited_then_found_next_week():
    table = _read("payments_cp1251_semicolon.csv")
    proposal = propose_mapping(table.headers, table.rows)
    proposal.constants["kind"] = "renewal"  # the user: "all rows are renewals"
    preset = Preset.from_dict(proposal.to_preset("1C weekly", table.headers).to_dict())
    assert (preset.table, preset.options, preset.header_signature) == (
        "payments", {"date_order": "dmy"}, header_signature(table.headers))
    assert find_preset(list(reversed(table.headers)), [*builtin_presets(), preset]) == preset
    mapped = apply_mapping(table, preset)
    assert mapped.frame["kind"].tolist() == ["renewal"] * 4 and mapped.rejects == []


def test_apply_mapping_per_chunk_reconciles_with_count_records():
    data = (EXPORTS / "malformed_one_of_101.csv").read_bytes()
    whole = read_table(data, file_name="m.csv")
    proposal = propose_mapping(whole.headers, whole.rows.head(20))  # date order pinned for every chunk
    results = [apply_mapping(RawTable.from_chunk(chunk), proposal) for chunk in iter_chunks(data, chunk_rows=40)]
    kept, rejected = sum(len(r.frame) for r in results), sum(len(r.rejects) for r in results)
    assert (kept, rejected, count_records(data)) == (100, 1, 101)  # 100 + 1 = 101 records


def test_a_single_source_header_gives_the_cells_the_several_headers_path_gives():
    rows = pd.DataFrame({"Сумма": ["1 234,50", " - ", "", "N/A", "7"], "Пусто": ["", "", "", "", ""]},
                        dtype="str", index=pd.Index([2, 3, 4, 5, 6], name="line"))

    one, used_one = mapping._source(rows, "Сумма")
    several, used_several = mapping._source(rows, ["Сумма", "Пусто"])

    assert one.tolist() == ["1 234,50", "", "", "", "7"]
    assert one.equals(several) and one.dtype == several.dtype
    assert used_one.tolist() == used_several.tolist() == ["Сумма"] * 5
