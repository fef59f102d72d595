"""Real browser: a Russian cp1251 export → read as, columns and preview → import → counts →
the Overview's revenue grows by exactly the file's amounts; the same file again → "already
imported". Screenshots: artifacts/screenshots/ru/upload-*.png (look at them)."""

from __future__ import annotations

import re

import pytest

import i18n
from tests.test_browser import SHOTS, _full_page_screenshot, _settle, server, tab  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

def _export_bytes() -> bytes:
    """Two payments of a new client in the demo's last month (demo.DEFAULT_END = 2026-11-23):
    1 234,50 + 98 765,50 = 100 000."""
    text = ("Дата оплаты;ID клиента;Сумма;Менеджер;Продукт\r\n"
            "02.11.2026;К-НОВЫЙ;1 234,50;Анна;Аудит\r\n"
            "03.11.2026 14:30;К-НОВЫЙ;98 765,50;Анна;Тариф Старт\r\n")
    return text.encode("cp1251")


def _revenue(tab, server) -> int:
    tab.goto(f"{server}/?lang=ru")
    _settle(tab, expect_charts=True)
    label = i18n.t("metric.revenue_amount.label", "ru")
    card = tab.locator('[data-testid="stMetric"]', has_text=label).first
    value = card.locator('[data-testid="stMetricValue"]').inner_text()
    return int(re.sub(r"\D", "", value))


def _choose_file(tab, data: bytes, name: str = "оплаты-ноябрь.csv") -> None:
    tab.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    tab.wait_for_timeout(500)
    _settle(tab, expect_charts=False)


def test_upload_a_russian_export_then_pages_show_it(server, tab):  # noqa: F811
    before = _revenue(tab, server)

    tab.goto(f"{server}/upload?lang=ru")
    _settle(tab, expect_charts=False)
    # the uploader in Russian: Streamlit's English words at size 0, the page's drawn after them
    button = tab.locator('[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p').first
    limit = tab.locator('[data-testid="stFileUploaderDropzoneInstructions"] span').first
    drawn = "(e) => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content]"
    assert button.evaluate(drawn) == ["0px", f'"{i18n.t("upload.button", "ru")}"']
    assert limit.evaluate(drawn)[1].startswith('"до 1 ГБ на файл • CSV')
    _full_page_screenshot(tab, SHOTS / "ru" / "upload-empty.png")
    _choose_file(tab, _export_bytes())
    body = tab.inner_text("body")
    assert "Windows-1251" in body and i18n.t("upload.delimiter.;", "ru") in body
    assert i18n.t("upload.found.proposed", "ru") in body
    preview = tab.locator('[data-testid="stDataFrame"]').first
    assert preview.is_visible()
    _full_page_screenshot(tab, SHOTS / "ru" / "upload-preview.png")
    tab.get_by_text(i18n.t("upload.mapping", "ru")).click()  # open the column mapping
    tab.wait_for_timeout(500)
    assert tab.get_by_text(i18n.t("upload.mapping.required", "ru", label=i18n.t("field.paid_at", "ru"))).is_visible()
    _full_page_screenshot(tab, SHOTS / "ru" / "upload-mapping.png")

    tab.get_by_role("button", name=i18n.tn("upload.import_count", 1, "ru")).click()
    tab.wait_for_timeout(500)
    _settle(tab, expect_charts=False)
    success = tab.locator('[data-testid="stAlertContentSuccess"]').inner_text()
    assert "добавлено — 2" in success and "отклонено — 0" in success
    _full_page_screenshot(tab, SHOTS / "ru" / "upload-done.png")

    assert _revenue(tab, server) - before == 100_000

    tab.goto(f"{server}/upload?lang=ru")
    _settle(tab, expect_charts=False)
    _choose_file(tab, _export_bytes(), name="снова.csv")
    tab.get_by_role("button", name=i18n.tn("upload.import_count", 1, "ru")).click()
    tab.wait_for_timeout(500)
    _settle(tab, expect_charts=False)
    warning = tab.locator('[data-testid="stAlertContentWarning"]').inner_text()
    assert warning.startswith("снова.csv:") and "уже загружен" in warning
