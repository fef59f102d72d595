"""warehouse.readers on the export-shaped fixtures of tests/fixtures/exports (see make_fixtures.py)."""

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse import readers
from warehouse.readers import (UnreadableFile, count_records, decode, detect_delimiter, iter_chunks,
                               looks_like_mojibake, read_table, sniff_kind)

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def _read(name: str):
    return read_table((EXPORTS / name).read_bytes(), file_name=name)


def _cells(table) -> list[list[str]]:
    return table.rows.to_numpy().tolist()


@pytest.mark.parametrize(("name", "code", "message"), [
    ("gzip_renamed.csv", "gzip", "This is a gzip-compressed file, not a table. Unpack it and upload the CSV inside."),
    ("zip_renamed.csv", "zip", "This is a zip archive, not a table. Unpack it and upload the file inside."),
    ("png_renamed.csv", "binary", "This is a PNG image, not a CSV or Excel table."),
    ("empty.csv", "empty", "The file is empty."),
])
def test_read_table_refuses_by_content(name, code, message):
    with pytest.raises(UnreadableFile) as caught:
        _read(name)
    assert (caught.value.code, str(caught.value)) == (code, message)


def test_sniff_kind_by_magic_bytes_not_name():
    assert sniff_kind((EXPORTS / "payments.xlsx").read_bytes()) == "xlsx"
    assert sniff_kind((EXPORTS / "bitrix24_deals_excel.xls").read_bytes()) == "html"
    assert sniff_kind(b"a,b\n1,2\n") == "csv"
    with pytest.raises(UnreadableFile) as caught:
        sniff_kind(b"a,b\n1,\x00\n")
    assert caught.value.code == "binary"


def test_read_table_cp1251_semicolon_decimal_comma():
    table = _read("payments_cp1251_semicolon.csv")
    assert (table.kind, table.encoding, table.delimiter, table.records_count) == ("csv", "cp1251", ";", 4)
    assert table.headers == ["Дата оплаты", "ID клиента", "Сумма", "Менеджер", "Продукт"]
    assert _cells(table) == [
        ["05.01.2024", "К-001", "1\u00a0234,50", "Анна", "Тариф «Старт»"],
        ["12.01.2024 14:30", "К-002", "980", "Борис", "Аудит; разовый"],  # ';' inside quotes
        ["31.01.2024 23:59:59", "К-001", "2 000,00", "Анна", "Тариф «Старт»"],
        ["01.02.2024", "К-003", "-150,75", "Вера", "Возврат"],
    ]
    assert list(table.rows.index) == [2, 3, 4, 5]


@pytest.mark.parametrize(("name", "encoding", "delimiter"), [
    ("payments_utf8_bom.csv", "utf-8-sig", ","), ("payments_utf16.csv", "utf-16-le", "\t")])
def test_read_table_bom_encodings(name, encoding, delimiter):
    table = _read(name)
    assert (table.encoding, table.delimiter, table.records_count) == (encoding, delimiter, 2)
    assert table.headers == ["Payment date", "Customer ID", "Amount", "Manager"]  # no BOM in the first name
    assert _cells(table) == [["2024-01-05", "C-1", "1,234.50", "Anna"], ["2024-01-06", "C-2", "99", "Boris"]]


BITRIX_CELLS = [
    ["7", 'Поставка "Люкс"', "Сделка успешна", "15000.50", "RUB", "ООО Ромашка", "", "Да", "10.03.2024", "Анна",
     "Оплата; частями"],
    ["8", "Сервис", "В работе", "3000", "RUB", "", "Иван Петров", "Нет", "20.03.2024", "Борис", ""],
    ["9", "Лицензии", "Сделка успешна", "990.00", "RUB", "", "Мария Белова", "Да", "15.03.2024", "Вера",
     "строка 1\nстрока 2"],
]


def test_read_table_bitrix_trailing_semicolon_dropped():
    table = _read("bitrix24_deals.csv")
    assert (table.delimiter, len(table.headers), table.headers[-1]) == (";", 11, "Комментарий")
    assert _cells(table) == BITRIX_CELLS
    assert list(table.rows.index) == [2, 3, 4]  # the third deal's comment spans lines 4-5
    assert (table.records_count, table.bad_rows) == (3, [])


def test_read_table_bitrix_html_excel_matches_csv():
    table = _read("bitrix24_deals_excel.xls")
    assert (table.kind, table.delimiter, table.records_count) == ("html", None, 3)
    assert table.headers == _read("bitrix24_deals.csv").headers
    assert _cells(table) == BITRIX_CELLS  # &amp; and <br> decoded


def test_read_table_amocrm_duplicate_headers_kept_apart():
    table = _read("amocrm_leads.csv")
    assert len(table.headers) == 76 and len(set(table.headers)) == 76
    assert table.headers[2] == "Бюджет"  # "Бюджет " trimmed
    assert [table.headers[i] for i in (31, 33, 41, 52, 64, 69, 71, 74)] == [
        "Источник", "Товар", "cid", "roistat", "roistat (2)", "Товар (2)", "cid (2)", "Источник (2)"]
    assert table.rows["Источник"].tolist() == ["Сайт"] * 6
    assert table.rows["Источник (2)"].tolist() == ["Реклама"] * 6
    assert table.rows["Название сделки"].iloc[0] == "Пульты, замеры и т.п. Саша"
    assert table.rows["Дата закрытия"].tolist()[:3] == ["22.03.2022 13:32:57", "не закрыта", "не закрыта"]


def test_read_table_xlsx_cells_as_text():
    table = _read("payments.xlsx")
    assert (table.kind, table.encoding, table.records_count) == ("xlsx", None, 3)
    assert _cells(table) == [
        ["2024-02-01 10:30:00", "К-001", "1234.5", "Тариф"],
        ["2024-02-02", "42", "500", '=HYPERLINK("x")'],  # a date-formatted cell: date only
        ["2024-02-03", "К-003", "0.1", ""],  # calamine gives a date for a midnight datetime
    ]


def test_read_table_malformed_row_among_100():
    table = _read("malformed_one_of_101.csv")
    assert (len(table.rows), table.records_count) == (100, 101)
    assert [(r.line, r.column, r.reason, r.raw) for r in table.bad_rows] == [
        (52, None, "expected 3 fields, found 4", "2024-02-01,C999,5,extra")]
    assert table.rows.index[49:51].tolist() == [51, 53]


def test_read_table_unterminated_quote_names_line():
    with pytest.raises(UnreadableFile) as caught:
        _read("unterminated_quote.csv")
    assert (caught.value.code, caught.value.line) == ("quote", 3)
    assert str(caught.value) == ("Line 3: a quoted value is never closed or is malformed (unexpected end of data);"
                                 " check the quotes on that line.")


def test_read_table_header_only_has_zero_records():
    table = _read("header_only.csv")
    assert (table.headers, len(table.rows), table.records_count) == (["Дата оплаты", "ID клиента", "Сумма"], 0, 0)


def test_read_table_mojibake_header_fails():
    with pytest.raises(UnreadableFile) as caught:
        _read("mojibake.csv")
    assert caught.value.code == "mojibake"
    assert str(caught.value).startswith("The column names look garbled")


def test_read_table_formula_and_html_payloads_verbatim():
    table = _read("payloads.csv")
    assert table.rows["ID клиента"].tolist() == ['=HYPERLINK("http://evil.example","click")', "+1", "-2"]
    assert table.rows["Продукт"].tolist() == ["<script>alert(1)</script>", "<b>bold</b>", "@SUM(A1:A2)"]


def test_decode_bom_then_utf8_then_cp1251():
    assert decode("Сумма".encode("utf-8-sig")) == ("Сумма", "utf-8-sig")
    assert decode("Сумма".encode("utf-16")) == ("Сумма", "utf-16-le")
    assert decode(b"\xfe\xff" + "Сумма".encode("utf-16-be")) == ("Сумма", "utf-16-be")
    assert decode("Сумма".encode("utf-8")) == ("Сумма", "utf-8")
    assert decode("Сумма".encode("cp1251")) == ("Сумма", "cp1251")


def test_looks_like_mojibake_cases():
    assert looks_like_mojibake("Сумма".encode().decode("cp1251"))  # 'РЎСѓРјРјР°'
    assert looks_like_mojibake("Сумма".encode().decode("latin-1"))  # 'Ð¡Ñ\x83Ð¼Ð¼Ð°'
    assert looks_like_mojibake("Сумма ─ итог")
    assert not looks_like_mojibake("Сумма, ₽ «итог» — Ёж")
    assert not looks_like_mojibake("Payment date")


def test_detect_delimiter_ignores_quoted_delimiters():
    assert detect_delimiter('name,amount\n"Smith; John; Jr",5\n"A; B",6\n') == ","
    assert detect_delimiter('a;b;c\n"1,5";"2,5";"3,5"\n') == ";"
    assert detect_delimiter("a\tb\n1\t2\n") == "\t"
    assert detect_delimiter("single\n1\n") == ","


def test_iter_chunks_bounded_chunks_keep_lines(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes((EXPORTS / "malformed_one_of_101.csv").read_bytes())
    chunks = list(iter_chunks(path, chunk_rows=40))
    assert [len(c) for c in chunks] == [40, 40, 20]
    assert [c.index[0] for c in chunks] == [2, 42, 83]  # line 52 is the malformed one: 2..41, 42..82, 83..102
    assert [len(c.attrs["bad_rows"]) for c in chunks] == [0, 1, 0]
    assert chunks[0].attrs["headers"] == ["paid_at", "client_id", "amount"]


def test_count_records_quoted_newlines_and_blank_lines():
    # header + record over 2 lines + blank line + CRLF record + last record without newline = 3
    assert count_records(b'a,b\n1,"x\ny"\n\n2,3\r\n4,5') == 3
    assert count_records("a;b\n\"1\n2\";3\n".encode("utf-16")) == 1


def test_count_records_stray_quote_is_not_reconciled():
    table = read_table(b'name,size\nTV,"55"\nMonitor 27" wide,27\nLamp,1\n', file_name="x.csv")
    # the csv module reads 3 records; the quote scan sees a quote open from 'Monitor 27"' to the
    # end, so it counts TV and one unterminated record: 2
    assert (len(table.rows), table.records_count, table.reconciled) == (3, 2, False)
    assert _read("bitrix24_deals.csv").reconciled


def test_iter_chunks_encoding_decided_over_whole_file():
    data = b"name;n\n" + b"ascii;1\n" * 20_000 + "Ёлка;2\n".encode("cp1251")  # Cyrillic after 140 KB
    chunks = list(iter_chunks(data))
    assert chunks[0].attrs["encoding"] == "cp1251"
    assert chunks[-1]["name"].iloc[-1] == "Ёлка"


_cell = st.text(alphabet=st.sampled_from(list('ab,;"\n Яя1') + ["\t"]), max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=4).flatmap(
    lambda width: st.lists(st.lists(_cell, min_size=width, max_size=width), min_size=1, max_size=6)))
def test_read_table_roundtrips_csv_writer(rows):
    # oracle: the cells the csv module wrote; header names are fixed so they stay unique
    header = [f"h{i}" for i in range(len(rows[0]))]
    sink = io.StringIO()
    csv.writer(sink, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_ALL).writerows([header, *rows])
    table = read_table(sink.getvalue().encode(), file_name="x.csv")
    assert table.headers == header
    assert _cells(table) == rows
    assert table.records_count == len(rows)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.one_of(st.text(max_size=4).map(lambda s: s.encode("utf-8")),
                                 st.sampled_from([b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82",
                                                  b"\xff", b"\xd0", "ё".encode("cp1251")])),
                       max_size=12),
       block=st.integers(1, 9))
def test_encoding_check_block_by_block_agrees_with_python_decoding(pieces, block):
    data = b"x" + b"".join(pieces)  # no BOM
    try:
        data.decode("utf-8")
        expected = "utf-8"
    except UnicodeDecodeError:
        expected = "cp1251"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readers, "BLOCK_BYTES", block)
        assert readers._encoding_of(io.BytesIO(data)) == expected


def _both_ways(data: bytes, chunk_rows: int):
    """iter_chunks of the data read whole (the import's Arrow path) and sampled (the csv
    module's): each a list of (frame, attrs), or the UnreadableFile raised."""
    out = []
    for every in (True, False):
        try:
            out.append([(c, c.attrs) for c in iter_chunks(data, chunk_rows=chunk_rows, every_chunk=every)])
        except UnreadableFile as error:
            out.append((error.code, str(error), error.line))
    return out


def test_iter_chunks_whole_file_reads_arrow_parts_then_hands_a_misfit_part_to_the_csv_module(monkeypatch):
    # cp1251, ';', a trailing ';' on every line, a blank line 4, a quoted ';' and a quoted newline
    # (the record of lines 5–6); line 8 has one field too many
    text = ('Дата;Клиент;Сумма;\r\n01.02.2024;"ООО ""Ромашка""; филиал";1 200,50;\r\n02.02.2024;ИП Ёлкин;5;\r\n'
            '\r\n03.02.2024;"Нов\r\nый";7;\r\n04.02.2024;Б;8;\r\n05.02.2024;В;9;лишнее;\r\n06.02.2024;Г;10;\r\n')
    starts = []
    real = readers._records
    monkeypatch.setattr(readers, "_records", lambda *a, **k: (starts.append(k.get("first_line", 1)), real(*a, **k))[1])
    chunks = list(iter_chunks(text.encode("cp1251"), chunk_rows=2, every_chunk=True))
    # the header read by the csv module (line 1); parts of 2 records: lines 2–3 and 5–7 by Arrow,
    # then the part from line 8 (the misfit's) by the csv module, which goes on to the end
    assert starts == [1, 8]
    assert [c.index.tolist() for c in chunks] == [[2, 3], [5, 7], [9]]
    assert chunks[0].attrs["headers"] == ["Дата", "Клиент", "Сумма"]
    assert chunks[0].to_numpy().tolist() == [["01.02.2024", 'ООО "Ромашка"; филиал', "1 200,50"],
                                             ["02.02.2024", "ИП Ёлкин", "5"]]
    assert chunks[1]["Клиент"].tolist() == ["Нов\r\nый", "Б"]
    assert [[(r.line, r.reason) for r in c.attrs["bad_rows"]] for c in chunks] == [
        [], [], [(8, "expected 3 fields, found 5")]]
    assert [str(c.dtypes.iloc[0]) for c in chunks] == ["str"] * 3
    slow = list(iter_chunks(text.encode("cp1251"), chunk_rows=2))
    for fast, csv_module in zip(chunks, slow, strict=True):
        assert fast.equals(csv_module) and fast.attrs == csv_module.attrs


_export_cell = st.lists(st.sampled_from([*'ab;,"\n Яё1', "\t", "\r\n"]), max_size=5).map("".join)


@settings(max_examples=150, deadline=None)
@given(width=st.integers(min_value=1, max_value=4), data=st.data(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]), delimiter=st.sampled_from([",", ";", "\t"]),
       newline=st.sampled_from(["\n", "\r\n"]), trailing=st.booleans(), chunk_rows=st.integers(1, 4))
def test_iter_chunks_whole_file_equals_the_csv_module(width, data, encoding, delimiter, newline, trailing,
                                                      chunk_rows):
    # oracle: the csv module's reading (every_chunk=False) of the same bytes — frames, lines,
    # misfits, or the same refusal; records of other widths, blank lines, quoted newlines,
    # a trailing delimiter (an empty last header) with or without text after it
    rows = data.draw(st.lists(st.lists(_export_cell, min_size=width, max_size=width), max_size=9))
    for row in rows:  # now and then a record of another width
        misfit = data.draw(st.sampled_from([0] * 6 + [-1, 1]))
        if misfit < 0 and width > 1:
            row.pop()
        elif misfit > 0:
            row.append("z")
    header = [f"h{i}" for i in range(width)] + ([""] if trailing else [])
    sink = io.StringIO()
    writer = csv.writer(sink, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        if data.draw(st.sampled_from([False, False, False, True])):
            sink.write(newline)  # a blank line
        writer.writerow(row + ([data.draw(st.sampled_from(["", "", "x"]))] if trailing else []))
    fast, csv_module = _both_ways(sink.getvalue().encode(encoding), chunk_rows)  # utf-8-sig: with a BOM
    if isinstance(csv_module, tuple):
        assert fast == csv_module
        return
    assert len(fast) == len(csv_module)
    for (a, attrs_a), (b, attrs_b) in zip(fast, csv_module):
        assert a.equals(b) and a.index.equals(b.index) and list(a.columns) == list(b.columns)
        assert attrs_a == attrs_b
