"""The structure every page state must have, JS on and off, as a checklist:

- exactly one <h1>; the landmarks banner (header), navigation, main and contentinfo
  (footer); <html lang> (and dir) set
- a title "… – 易办", starting "错误：" when the page shows errors (both read from the
  app's own catalogue for the page's language, so the check holds in any locale)
- body text at least 18 CSS px with a line height of at least 1.5
  (body text contrast ≥ 7:1 is axe's color-contrast-enhanced, run in test_pages)
- no horizontal scrolling at 320 CSS px (WCAG 1.4.10)
- every focusable element reachable with Tab and showing a focus indicator
- every target at least 44×44 CSS px, except links inside a sentence (WCAG 2.5.5)
- no request to any host but the site itself
"""
from __future__ import annotations

import functools

import pytest

from .checks import check_structure, wording
from .states import STATES

pytestmark = pytest.mark.a11y


@pytest.mark.parametrize("state", STATES, ids=str)
def test_page_structure(state, open_state, live_server):
    page = open_state(state)
    problems = check_structure(page, functools.partial(wording, live_server.app),
                               live_server.url, page.yiban_requests)
    assert not problems, f"{state.id} ({page.url}):\n  - " + "\n  - ".join(
        p["message"] for p in problems)
