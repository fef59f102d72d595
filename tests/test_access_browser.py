"""Real browser: with users configured, the app shows only the sign-in form; a wrong password is
refused in the user's language; the right one opens the pages; Sign out returns to the form.
Screenshots: artifacts/screenshots/ru/sign-in*.png."""

from __future__ import annotations

import pytest

import i18n
from access.passwords import hash_password
from bench.load import streamlit_server
from tests.test_browser import CHROMIUM_ARGS, SHOTS, _settle
from warehouse import demo

pytestmark = pytest.mark.browser


def test_sign_in_in_a_real_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    db = tmp_path / "demo.duckdb"
    demo.build_demo_db(db, interactions=3000, seed=7)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[users.anna]\npassword_hash = "{hash_password("верный-пароль", n=2**12)}"\n'
                       'role = "editor"\nteams = ["Key accounts"]\n', encoding="utf-8")
    with streamlit_server(db, secrets=secrets, log_path=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
            tab.goto(f"{url}/managers?lang=ru")
            _settle(tab, expect_charts=False)
            assert tab.locator("h1").first.inner_text() == i18n.t("auth.title", "ru")
            assert tab.locator('[data-testid="stMetric"], [data-testid="stDataFrame"], '
                               '[data-testid="stPlotlyChart"]').count() == 0
            (SHOTS / "ru").mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SHOTS / "ru" / "sign-in.png"))

            tab.get_by_label(i18n.t("auth.name", "ru")).fill("anna")
            tab.get_by_label(i18n.t("auth.password", "ru")).fill("неверный")
            tab.get_by_role("button", name=i18n.t("auth.sign_in", "ru")).click()
            tab.wait_for_timeout(500)
            _settle(tab, expect_charts=False)
            assert i18n.t("auth.failed", "ru") in tab.inner_text("body")
            tab.screenshot(path=str(SHOTS / "ru" / "sign-in-failed.png"))

            tab.get_by_label(i18n.t("auth.password", "ru")).fill("верный-пароль")
            tab.get_by_role("button", name=i18n.t("auth.sign_in", "ru")).click()
            tab.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
            _settle(tab, expect_charts=True)
            body = tab.inner_text("body")
            assert i18n.t("auth.signed_in_as", "ru", name="anna", role=i18n.t("role.editor", "ru")) in body
            tab.screenshot(path=str(SHOTS / "ru" / "signed-in.png"))

            tab.get_by_role("button", name=i18n.t("auth.sign_out", "ru")).click()
            tab.wait_for_timeout(500)
            _settle(tab, expect_charts=False)
            assert tab.locator("h1").first.inner_text() == i18n.t("auth.title", "ru")
        finally:
            browser.close()
