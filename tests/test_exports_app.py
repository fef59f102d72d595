"""The app offers formula-safe downloads under its tables and shows values from files as text."""

from __future__ import annotations

import csv
import io

import duckdb
import markdown_it
import pytest
from streamlit.testing.v1 import AppTest

import i18n
from app_state import downloads
from app_state.safe_text import plain
from tests.test_app import CLIENTS_CSV, ENTRY, app  # noqa: F401 (fixtures)
from warehouse import demo

BOLD_MANAGER = "**x**"
HTML_CLIENT = "<b>x</b>"
FORMULA_CLIENT = "=1+1"


def _download_buttons(at: AppTest) -> list:
    return [el for el in at.get("download_button")]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_table_page_offers_csv_and_xlsx_downloads(app, lang):
    at = app("ltv", lang)
    labels = [el.proto.label for el in _download_buttons(at)]
    assert labels == [i18n.t("exports.download_csv", lang), i18n.t("exports.download_xlsx", lang)]
    assert labels == (["Download CSV", "Download Excel"] if lang == "en"
                      else ["Скачать CSV", "Скачать Excel"])


def test_every_download_button_key_on_the_clients_page_is_unique(app):
    at = app("clients", "en")
    ids = [el.proto.id for el in _download_buttons(at)]
    assert len(ids) >= 2 and len(ids) == len(set(ids))


def test_download_key_differs_for_tables_with_the_same_name():
    assert downloads.download_key("table", ["a", "b"], "csv") != downloads.download_key(
        "table", ["a", "c"], "csv")
    assert downloads.download_key("t", ["a"], "csv") == downloads.download_key("t", ["a"], "csv")


@pytest.fixture(scope="module")
def payload_db(tmp_path_factory):
    """A demo database where one manager is called ``**x**`` and two clients of that manager
    are called ``<b>x</b>`` and ``=1+1``; returns (path, every client name)."""
    path = tmp_path_factory.mktemp("payload") / "payload.duckdb"
    demo.build_demo_db(path, interactions=600, seed=3)
    con = duckdb.connect(str(path))
    try:
        manager, = con.execute("SELECT manager FROM clients WHERE manager IS NOT NULL "
                               "GROUP BY manager ORDER BY count(*) DESC, manager LIMIT 1").fetchone()
        for table in ("clients", "managers", "interactions", "payments", "nps_responses"):
            con.execute(f"UPDATE {table} SET manager = ? WHERE manager = ?", [BOLD_MANAGER, manager])
        first, second = [cid for (cid,) in con.execute(
            "SELECT client_id FROM clients ORDER BY client_id LIMIT 2").fetchall()]
        for cid, name in ((first, HTML_CLIENT), (second, FORMULA_CLIENT)):
            con.execute("UPDATE clients SET client_name = ?, manager = ? WHERE client_id = ?",
                        [name, BOLD_MANAGER, cid])
        names = {n for (n,) in con.execute("SELECT client_name FROM clients").fetchall()}
    finally:
        con.close()
    return path, names


def _rendered_text(markdown: str) -> tuple[str, str]:
    """(HTML, plain text) that CommonMark makes of ``markdown`` (an independent renderer)."""
    html = markdown_it.MarkdownIt("commonmark").render(markdown)
    text = html.replace("<p>", "").replace("</p>", "").strip()
    return html, text


def test_values_from_files_show_as_text(monkeypatch, payload_db, legacy_pages_off):  # noqa: F811
    path, names = payload_db
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    at = AppTest.from_file(ENTRY, default_timeout=90)
    at.query_params["lang"] = "en"
    at.query_params["filter_manager"] = BOLD_MANAGER
    at.run()
    at.switch_page("pages/managers.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="manager").value == BOLD_MANAGER
    # the table holds the names verbatim
    shown = set(at.dataframe[-1].value[i18n.t("col.client_name", "en")])
    assert {HTML_CLIENT, FORMULA_CLIENT} <= shown <= names
    # the caption with the manager's name renders the asterisks, not bold
    caption = next(c.value for c in at.caption if "x" in c.value and ":" in c.value)
    html, _ = _rendered_text(caption)
    assert "<strong>" not in html and "<em>" not in html
    assert html.startswith("<p>**x**: ")
    # nothing on the page renders a data value as markdown emphasis or HTML
    for kind in ("caption", "markdown", "info", "warning", "error", "success"):
        for el in at.get(kind):
            html, _ = _rendered_text(str(el.value))
            assert "<strong>x</strong>" not in html and "<b>x</b>" not in html


def test_uploaded_file_name_shows_as_written_in_messages(empty_app):  # noqa: F811
    at = empty_app("upload", "ru")
    name = "**b** <i>c</i>.csv"
    at.file_uploader(key="upload_0").set_value([(name, CLIENTS_CSV, "text/csv")]).run()
    at.button(key="import_button").click().run()
    assert not at.exception, at.exception
    [message] = [s.value for s in at.success]
    html, text = _rendered_text(message)
    assert "<strong>" not in html and "<i>" not in html
    assert text == ("**b** &lt;i&gt;c&lt;/i&gt;.csv → Клиенты: прочитано строк — 3, добавлено — 3, "
                    "уже были — 0, отклонено — 0.")


@pytest.mark.parametrize("value, expected_html", [
    ("**x**", "<p>**x**</p>\n"),
    ("<b>x</b>", "<p>&lt;b&gt;x&lt;/b&gt;</p>\n"),
    ("[a](http://e.x)", "<p>[a](http://e.x)</p>\n"),
    ("# ООО Ромашка", "<p># ООО Ромашка</p>\n"),
    ("a_b_ `c`", "<p>a_b_ `c`</p>\n"),
    ("- 1. x", "<p>- 1. x</p>\n"),
    ("12) y", "<p>12) y</p>\n"),
    ("> q", "<p>&gt; q</p>\n"),
    ("ООО «Кедр» ~~a~~ & Co", "<p>ООО «Кедр» ~~a~~ &amp; Co</p>\n"),
])
def test_plain_makes_markdown_show_the_value_literally(value, expected_html):
    assert markdown_it.MarkdownIt("commonmark").render(plain(value)) == expected_html


def test_plain_escapes_streamlit_directives_and_maths():
    assert plain(":red[x] $y$") == "\\:red\\[x\\] \\$y\\$"


def test_plain_leaves_ordinary_names_and_file_names_alone():
    assert [plain(v) for v in ("clients.csv", "Emma Walsh", "Соколов-Петров А.")] == [
        "clients.csv", "Emma Walsh", "Соколов-Петров А."]


def test_exports_module_never_imports_streamlit():
    import ast
    import pathlib

    tree = ast.parse((pathlib.Path(ENTRY).parent / "exports.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in getattr(node, "names", [])} | {
        (node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "streamlit" not in imported and "pandas" in imported


def test_csv_of_a_shown_table_is_formula_safe():
    """The frame show_table hands to the buttons is what exports makes safe (names as text)."""
    import pandas as pd

    import exports

    frame = pd.DataFrame({"Client": [FORMULA_CLIENT, HTML_CLIENT], "Revenue": [-5.0, 1234.5]})
    rows = list(csv.reader(io.StringIO(exports.csv_bytes(frame, "ru").decode("utf-8-sig")),
                           delimiter=";"))
    assert rows == [["Client", "Revenue"], ["'=1+1", "-5,0"], ["<b>x</b>", "1234,5"]]


def test_a_download_holds_every_row_of_a_table_that_shows_its_first():
    """show_table draws TABLE_ROWS_SHOWN rows; its downloads are made, when clicked, from every
    row: numbers, text and dates as values, codes in words (here 7 rows, Russian headers)."""
    import datetime as dt

    import pandas as pd

    import app_state

    df = pd.DataFrame({
        "client_name": ["Альфа", "=cmd", "Гамма", None, "Дельта", "Эпсилон", "Дзета"],
        "revenue_amount": [100.0, 250.5, None, 0.0, -20.0, 1e6, 3.25],
        "component": ["new", "expansion", "contraction", "churned", "flat", "new", None],
        "last_paid_at": [dt.date(2026, 11, d) for d in range(1, 8)],
    }, index=[10, 11, 12, 13, 14, 15, 16])  # a filtered frame: its index does not start at 0
    columns = {"client_name": "text", "revenue_amount": "money", "component": "code:meeting.component",
               "last_paid_at": "date"}
    export = app_state._export_frame(df, columns, "ru", "RUB")
    expected = pd.DataFrame({
        "Клиент": ["Альфа", "=cmd", "Гамма", None, "Дельта", "Эпсилон", "Дзета"],
        "Выручка": [100.0, 250.5, None, 0.0, -20.0, 1e6, 3.25],
        "Изменение": ["Новые клиенты", "Рост", "Снижение", "Ушедшие клиенты", "Без изменений", "Новые клиенты", "—"],
        "Последний платёж": [dt.date(2026, 11, d) for d in range(1, 8)],
    })
    pd.testing.assert_frame_equal(export, expected)
