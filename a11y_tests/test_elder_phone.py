"""长辈版 on a phone: what an elderly citizen sees on the first screen.

Measured in a real browser (positions from bounding boxes, not the markup): at
360 × 740 (a common Android phone) and 1280 × 720 in elder mode, on every question page
of every service a signed-in citizen can open, the question's <h1> starts within the
first screen and the primary button is reached within one and a half screens; the home
page shows the search box and at least two service tiles on the first screen. The
header's folded 菜单 works without JavaScript (a <details> disclosure).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from app.apply.bundles import journey

from .support import CITIZENS, CONTEXT_OPTIONS, sign_in

pytestmark = pytest.mark.a11y

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 720}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ELDER_COOKIE = "elder=1"  # app.display: the 长辈版 flag in the yiban_display cookie


def elder_page(browser, live_server, viewport, js=True):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=js,
                                  **{**CONTEXT_OPTIONS, "viewport": viewport})
    context.add_cookies([{"name": "yiban_display", "value": ELDER_COOKIE,
                          "url": live_server.url}])
    context.set_default_timeout(15_000)
    return context, context.new_page()


def question_urls(app) -> list[str]:
    """Every question page of every service, in the zh_Hans_CN journey order."""
    platform = app.extensions["platform"]
    with app.test_request_context():
        urls = []
        for service in platform.services("zh_Hans_CN"):
            schema = platform.form_schema(service.code, "zh_Hans_CN")
            urls += [f"/apply/{service.code}/{q.key}" for q in journey(service, schema)]
    return urls


def top(page, selector: str) -> float | None:
    """The element's top edge in page coordinates (scrolled to the top first)."""
    return page.evaluate(
        """s => { window.scrollTo(0, 0); const e = document.querySelector(s);
                  if (!e) return null; const r = e.getBoundingClientRect();
                  return r.top + window.scrollY; }""", selector)


def first_screen_problems(page, url: str, height: int) -> list[str]:
    """Where the question and its button are, on the page as it is now."""
    problems = []
    h1 = top(page, "main h1")
    primary = top(page, "main form .button:not(.button--secondary)[type=submit]")
    if h1 is None or h1 >= height:
        problems.append(f"{url}: <h1> at y={h1} (first screen ends at {height})")
    if primary is None or primary >= 1.5 * height:
        problems.append(f"{url}: primary button at y={primary} (1.5 screens = {1.5 * height})")
    return problems


def test_elder_mode_every_question_starts_on_the_first_screen(browser, live_server):
    """Each page loaded once on the phone, then seen at the laptop's size too (the
    layout follows the width through CSS alone: the same outcome as loading it there)."""
    context, page = elder_page(browser, live_server, PHONE)
    try:
        citizen = CITIZENS[5]
        sign_in(page, citizen.mobile, citizen.password)
        urls = question_urls(live_server.app)
        assert len(urls) > 20
        problems = []
        for url in urls:
            page.set_viewport_size(PHONE)
            page.goto(url)
            for name, viewport in (("phone", PHONE), ("laptop", LAPTOP)):
                page.set_viewport_size(viewport)
                problems += [f"{name}: {problem}" for problem in
                             first_screen_problems(page, url, viewport["height"])]
        assert not problems, "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_elder_mode_home_shows_search_and_two_services_on_the_first_screen(
        browser, live_server, viewport):
    context, page = elder_page(browser, live_server, viewport)
    try:
        page.goto("/")
        search = top(page, "main input[type=search]")
        tiles = page.evaluate(  # whole tiles, not just their top edge
            """h => [...document.querySelectorAll('main .card')]
                     .filter(c => c.getBoundingClientRect().bottom <= h).length""",
            viewport["height"])
        assert search is not None and search < viewport["height"], f"search box at y={search}"
        assert tiles >= 2, f"{tiles} service tiles are whole on the first screen"
    finally:
        context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_elder_phone_menu_opens_and_holds_languages_and_player_extras(browser, live_server, js):
    context, page = elder_page(browser, live_server, PHONE, js=js)
    try:
        page.goto("/")
        menu = page.locator("header details.site-menu")
        summary = menu.locator("summary")
        assert summary.is_visible() and summary.inner_text().strip().rstrip("▾▴ ") == "菜单"
        language = page.locator("header .language-nav a").first
        assert not language.is_visible()
        summary.click()
        assert language.is_visible()
        assert page.locator("header .language-nav").evaluate(
            "n => n.closest('details.site-menu') !== null")
        box = summary.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        # One large 朗读 button stays outside the menu, on the first screen.
        read = page.locator("[data-speech-player] :is([data-speech-action=play], .speech-player__link)").first
        assert read.is_visible()
        read_box = read.bounding_box()
        assert read_box["y"] < PHONE["height"] and read_box["height"] >= 60
        if js:
            for extra in page.locator("[data-speech-player] [data-speech-more]").all():
                assert not extra.is_visible(), "a player extra is outside the menu"
    finally:
        context.close()


def test_elder_phone_question_screenshot(browser, live_server):
    """docs/screenshots/elder-phone-question.png: the first question of 退休一件事 on a
    phone in elder mode, as the citizen sees it (kept in the repository for review)."""
    context, page = elder_page(browser, live_server, PHONE)
    try:
        citizen = CITIZENS[0]
        sign_in(page, citizen.mobile, citizen.password)
        url = question_urls(live_server.app)[0]
        page.goto(url)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "elder-phone-question.png"))
        page.goto("/")
        page.screenshot(path=str(SCREENSHOTS / "elder-phone-home.png"))
        page.locator("header details.site-menu summary").click()
        page.screenshot(path=str(SCREENSHOTS / "elder-phone-menu.png"))
        assert top(page, "main h1") is not None
    finally:
        context.close()
