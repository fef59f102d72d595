"""Real browser: the meeting presented full screen, walked slide by slide with the → key; a
1920×1080 screenshot of every slide in artifacts/screenshots/meeting/ (look at them)."""

from __future__ import annotations

import re

import pytest

import i18n
from tests.test_browser import SHOTS, _settle, server, tab  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _counter(tab) -> tuple[int, int]:
    text = tab.locator('[data-testid="stMarkdownContainer"] strong', has_text="/").first.inner_text()
    number, count = re.fullmatch(r"(\d+) / (\d+)", text.strip()).groups()
    return int(number), int(count)


def test_presentation_walked_by_keyboard(server, tab):  # noqa: F811
    tab.set_viewport_size({"width": 1920, "height": 1080})
    tab.goto(f"{server}/meeting?lang=ru&present=1")
    _settle(tab, expect_charts=False)
    number, count = _counter(tab)
    assert number == 1 and count >= 7  # agenda, numbers, changes, risk, ≥ 1 manager, decisions
    # the projector styling hides the sidebar once the slide's run has drawn it; a server's first
    # run is its legacy page run, rerouted through the entry script (app_state.page_context), so
    # the counter can show before that second run is done: wait for it (fails after 30 s)
    sidebar = tab.locator('[data-testid="stSidebar"]')
    sidebar.wait_for(state="hidden", timeout=30_000)
    assert sidebar.is_hidden()
    titles = []
    for slide in range(1, count + 1):
        assert _counter(tab) == (slide, count)
        titles.append(tab.locator("h1").first.inner_text())
        assert tab.locator('[data-testid="stException"]').count() == 0
        if "Что изменилось" in titles[-1]:
            tab.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
            tab.wait_for_timeout(800)
        (SHOTS / "meeting").mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / "meeting" / f"slide-{slide:02d}.png"))
        if slide < count:
            tab.locator("h1").first.click()  # focus the page, not a widget
            tab.keyboard.press("ArrowRight")
            tab.wait_for_function(f"() => document.body.innerText.includes('{slide + 1} / {count}')",
                                  timeout=60_000)
            _settle(tab, expect_charts=False)
    assert titles[0] == i18n.t("meeting.slide.agenda", "ru")
    assert titles[-1] == i18n.t("meeting.slide.decisions", "ru")
    tab.keyboard.press("ArrowLeft")
    tab.wait_for_function(f"() => document.body.innerText.includes('{count - 1} / {count}')", timeout=60_000)
