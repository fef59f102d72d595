"""AppTest of the Upload page with real exports: read as → columns → preview → import → counts
→ pages show the rows; presets found next week; accept-partial; unreadable files; repeats.

Expected values are read off the fixture rows (tests/fixtures/exports/make_fixtures.py) by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import i18n
from app_state.safe_text import plain

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def upload(at, *files: tuple[str, bytes], nonce: int = 0):
    at.file_uploader(key=f"upload_{nonce}").set_value([(name, data, "text/csv") for name, data in files]).run()
    assert not at.exception, at.exception
    return at


def fixture(name: str) -> tuple[str, bytes]:
    return name, (EXPORTS / name).read_bytes()


def table_with(at, column: str) -> pd.DataFrame:
    return next(df.value for df in reversed(at.dataframe) if column in df.value.columns)


def revenue_shown(at, lang: str = "en") -> str:
    label = i18n.t("metric.revenue_amount.label", lang)
    return next(m.value for m in at.metric if m.label == label)


def test_cp1251_export_read_as_previewed_imported_and_shown(empty_app):
    at = upload(empty_app("upload"), fixture("payments_cp1251_semicolon.csv"))

    assert at.caption[1].value == i18n.t(
        "upload.read_as", "en", kind="CSV", encoding="Windows-1251",
        delimiter=i18n.t("upload.delimiter.;", "en"), records="4 rows", columns="5")
    assert at.info[0].value == i18n.t("upload.found.proposed", "en")
    preview = at.dataframe[0].value
    assert preview[i18n.t("field.paid_at", "en")].tolist() == [
        "Jan 5, 2024", "Jan 12, 2024 14:30", "Jan 31, 2024 23:59:59", "Feb 1, 2024"]
    assert preview[i18n.t("field.amount", "en")].tolist() == ["1,234.50", "980.00", "2,000.00", "-150.75"]
    assert preview[i18n.t("field.client_id", "en")].tolist() == ["К-001", "К-002", "К-001", "К-003"]

    at.button(key="import_button").click().run()

    assert [s.value for s in at.success] == [i18n.t(
        "upload.committed", "en", file=plain("payments_cp1251_semicolon.csv"), table=i18n.t("table.payments", "en"),
        read=4, inserted=4, duplicate=0, rejected=0)]
    log = table_with(at, i18n.t("col.rows_inserted", "en"))
    assert log[i18n.t("col.rows_inserted", "en")].tolist() == [4]
    at.sidebar.date_input(key="filter_start").set_value(pd.Timestamp("2024-01-01").date()).run()
    at.switch_page("pages/overview.py").run()
    assert revenue_shown(at) == i18n.fmt_money(1234.5 + 980 + 2000 - 150.75, "en", "RUB")


def test_same_export_again_is_already_imported(empty_app):
    at = upload(empty_app("upload"), fixture("sipuni_calls.csv"))
    at.button(key="import_button").click().run()
    upload(at, ("calls-again.csv", (EXPORTS / "sipuni_calls.csv").read_bytes()), nonce=1)
    at.button(key="import_button").click().run()

    warning = at.warning[0].value
    assert warning.startswith("calls-again.csv:") and "#1" in warning and plain("sipuni_calls.csv") in warning


def test_builtin_preset_recognised_and_its_skipped_rows_explained(empty_app):
    at = upload(empty_app("upload", "ru"), fixture("bitrix24_deals.csv"))

    assert at.info[0].value == i18n.t("upload.found.preset", "ru", preset="Bitrix24 deal list (won deals → payments)")
    at.button(key="import_button").click().run()
    assert [s.value for s in at.success] == [i18n.t(
        "upload.committed", "ru", file=plain("bitrix24_deals.csv"), table=i18n.t("table.payments", "ru"),
        read=3, inserted=2, duplicate=0, rejected=0)]
    assert i18n.tn("upload.skipped_note", 1, "ru") in [c.value for c in at.caption]


def test_unknown_columns_mapped_by_hand_saved_and_found_next_week(empty_app):
    header = "Когда;Кто;Сколько\n"
    at = upload(empty_app("upload"), ("shop-w1.csv", (header + "01.03.2024;К-1;100\n").encode("cp1251")))
    assert at.warning[0].value == i18n.t("upload.found.incomplete", "en", columns=i18n.t("field.client_id", "en"))
    assert "import_button" not in [b.key for b in at.button]

    at.selectbox(key="0:shop-w1.csv:table").set_value("payments").run()
    key = "0:shop-w1.csv:payments"

    at.selectbox(key=f"{key}:paid_at").set_value("h:Когда").run()
    at.selectbox(key=f"{key}:client_id").set_value("h:Кто").run()
    at.selectbox(key=f"{key}:amount").set_value("h:Сколько").run()
    at.selectbox(key=f"{key}:kind").set_value("c:renewal").run()
    at.text_input(key="0:shop-w1.csv:preset_name").set_value("Our shop").run()
    at.button(key="import_button").click().run()

    assert i18n.t("upload.preset_saved", "en", name="Our shop") in [i.value for i in at.info]
    upload(at, ("shop-w2.csv", (header + "08.03.2024;К-2;7\n").encode("cp1251")), nonce=1)
    assert i18n.t("upload.found.preset", "en", preset="Our shop") in [i.value for i in at.info]
    at.button(key="import_button").click().run()
    log = table_with(at, i18n.t("col.preset", "en"))
    assert log[i18n.t("col.preset", "en")].tolist() == ["Our shop", "—"]
    assert log[i18n.t("col.rows_inserted", "en")].tolist() == [1, 1]


def test_rejected_rows_listed_then_good_rows_imported_on_request(empty_app):
    at = upload(empty_app("upload"), fixture("impossible_date.csv"))
    at.button(key="import_button").click().run()

    assert [e.value for e in at.error] == [i18n.t(
        "upload.rejected", "en", file=plain("impossible_date.csv"), read=3, rejected=1, inserted=0, duplicate=0,
        table=i18n.t("table.payments", "en"))]
    rejects = table_with(at, i18n.t("col.reason", "en"))
    assert rejects[i18n.t("col.line", "en")].tolist() == [3]
    assert rejects[i18n.t("col.raw", "en")].tolist() == ["31.02.2024"]
    assert rejects[i18n.t("col.reason", "en")].tolist() == [i18n.t("upload.reason.bad_date", "en")]

    partial = next(b for b in at.button if b.key.startswith("partial_"))
    assert partial.label == i18n.t("upload.accept_partial", "en", good="2", bad="1")
    partial.click().run()
    assert [s.value for s in at.success] == [i18n.t(
        "upload.committed", "en", file=plain("impossible_date.csv"), table=i18n.t("table.payments", "en"),
        read=3, inserted=2, duplicate=0, rejected=1)]
    # the stored rejects, kept with the import (#1: the refused attempt opened no transaction)
    assert at.selectbox(key="past_rejects").value == 1
    stored = table_with(at, i18n.t("col.reason", "en"))
    assert stored[i18n.t("col.raw", "en")].tolist() == ["31.02.2024"]


def test_renamed_gzip_refused_in_russian_and_nothing_imported(empty_app):
    at = upload(empty_app("upload", "ru"), fixture("gzip_renamed.csv"))

    assert [e.value for e in at.error] == [i18n.t(
        "upload.file_problem", "ru", file=plain("gzip_renamed.csv"), reason=i18n.t("upload.reason.gzip", "ru"))]
    assert "import_button" not in [b.key for b in at.button]
    assert [i.value for i in at.info] == [i18n.t("upload.log.empty", "ru")]


def test_parquet_export_imported_through_the_page(empty_app, tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "week.parquet"
    pq.write_table(pa.table({"paid_at": [dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 9)],
                             "client_id": ["c1", "c2"], "amount": [100.0, 250.0]}), path)
    at = upload(empty_app("upload"), ("week.parquet", path.read_bytes()))

    assert at.caption[1].value == i18n.t(
        "upload.read_as", "en", kind="Parquet", encoding="—", delimiter=i18n.t("upload.delimiter.parquet", "en"),
        records="2 rows", columns="3")
    at.button(key="import_button").click().run()
    assert [s.value for s in at.success] == [i18n.t(
        "upload.committed", "en", file=plain("week.parquet"), table=i18n.t("table.payments", "en"),
        read=2, inserted=2, duplicate=0, rejected=0)]
    at.switch_page("pages/overview.py").run()
    assert revenue_shown(at) == i18n.fmt_money(350, "en", "RUB")


def test_the_uploader_speaks_the_pages_language():
    """Streamlit writes the uploader's button and limit in English; the page draws its own words
    in their place (the browser test reads them off the drawn page)."""
    from app_state import imports

    css = imports.uploader_css("ru", 1024)
    assert 'content: "Выбрать файлы"' in css
    assert 'content: "до 1 ГБ на файл • CSV, TSV, TXT, XLSX, XLS, HTML, PARQUET"' in css
    assert 'content: "200MB per file • CSV, TSV, TXT, XLSX, XLS, HTML, PARQUET"' in imports.uploader_css("en", 200)
    assert 'content: "до 1536 МБ на файл' in imports.uploader_css("ru", 1536)
    assert imports._css_text('a "b" \\ <c>') == 'a \\"b\\" \\\\ \\3c c\\3e '
