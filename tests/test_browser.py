"""Real browser: Debian's Chromium (Playwright) against `streamlit run` on 127.0.0.1.

Every page in en and ru: no exception element, no traceback text, charts drawn, a full-page
screenshot in artifacts/screenshots/<lang>/<page>.png (look at them).
"""

from __future__ import annotations

import pathlib

import pytest

from bench.load import streamlit_server
from warehouse import demo

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
# url path of each page (st.navigation: the file name; the default page is also at "/").
# The first visit of the run is a non-default page in Russian: the process's first script run
# goes through Streamlit's legacy pages/ mode (app_state.page_context reroutes it).
PAGES = ("retention", "overview", "meeting", "ltv", "nps", "managers", "service", "clients", "upload", "admin")
DEFAULT_PAGE = "overview"  # served at "/"
NO_CHART_PAGES = {"upload", "admin"}
RUSSIAN_TITLES = {"retention": "Удержание", "overview": "Обзор", "managers": "Менеджеры", "meeting": "Планёрка",
                  "upload": "Загрузка"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    demo.build_demo_db(db, interactions=3000, seed=7)
    with streamlit_server(db, log_path=tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def tab(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            yield context.new_page()
        finally:
            browser.close()


def _settle(tab, expect_charts: bool) -> None:
    tab.wait_for_selector('[data-test-script-state="notRunning"]', timeout=60_000)
    if expect_charts:
        tab.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    tab.wait_for_timeout(800)  # let the last charts lay out before the screenshot
    tab.wait_for_selector('[data-test-script-state="notRunning"]', timeout=60_000)


def _full_page_screenshot(tab, target: pathlib.Path) -> None:
    """Streamlit scrolls inside its main block, not the body: grow the viewport to the content."""
    height = tab.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), 1080)")
    tab.set_viewport_size({"width": 1920, "height": min(int(height) + 40, 12000)})
    tab.wait_for_timeout(1000)  # charts re-lay out to the new size
    target.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(target), full_page=True)
    tab.set_viewport_size({"width": 1920, "height": 1080})


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_page_renders_in_browser(server, tab, lang):
    for name in PAGES:
        path = "" if name == DEFAULT_PAGE else name
        tab.goto(f"{server}/{path}?lang={lang}")
        _settle(tab, name not in NO_CHART_PAGES)
        assert tab.locator('[data-testid="stException"]').count() == 0, name
        body = tab.inner_text("body")
        assert "Traceback" not in body, name
        if lang == "ru" and name in RUSSIAN_TITLES:
            assert RUSSIAN_TITLES[name] in tab.locator("h1").first.inner_text()
        _full_page_screenshot(tab, SHOTS / lang / f"{name}.png")
