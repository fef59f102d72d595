"""Real browser: the CSV button under a table downloads a formula-safe, Russian-Excel CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest

import i18n
from tests.test_browser import SHOTS, _settle, server, tab  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_csv_download_of_top_clients_in_russian(server, tab):  # noqa: F811
    tab.goto(f"{server}/ltv?lang=ru")
    _settle(tab, expect_charts=True)
    button = tab.locator('[data-testid="stDownloadButton"] button',
                         has_text=i18n.t("exports.download_csv", "ru"))
    assert button.count() >= 1
    button = button.first
    button.scroll_into_view_if_needed()
    tab.wait_for_timeout(500)
    (SHOTS / "ru").mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "ru" / "ltv-downloads.png"))
    with tab.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("top_clients_")
    assert download.suggested_filename.endswith(".csv")
    data = pathlib_bytes(download.path())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))
    header = rows[0]
    assert header[0] == i18n.t("col.client_name", "ru")
    assert header[1] == i18n.t("col.manager", "ru")
    assert header[3] == i18n.t("col.payments_count", "ru")
    assert len(rows) == 21  # header + the 20 top clients the page shows
    for row in rows[1:]:
        assert len(row) == 4
        # a plain number with a decimal comma; empty where the margin is unknown
        assert row[2] == "" or re.fullmatch(r"-?\d+(,\d+)?", row[2]), row[2]
        assert int(row[3]) > 0
        assert not row[0].startswith(("=", "+", "-", "@"))


def pathlib_bytes(path) -> bytes:
    import pathlib

    return pathlib.Path(path).read_bytes()
