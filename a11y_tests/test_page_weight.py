"""Bytes on the wire, measured by Chromium (CDP), as bench/pages.py reports them:
a first visit (cache disabled) of the home, a service and a question page stays within
40 KB; the next page of a repeat visit within 14 KB, its files all from the cache
without asking the server again."""
from __future__ import annotations

import pytest

from bench.pages import FIRST_VISIT_BUDGET, REPEAT_BUDGET, signed_in, visit

pytestmark = pytest.mark.a11y


@pytest.fixture(scope="module")
def session_and_urls(live_server):
    return signed_in(live_server.url)


# The question page is over both budgets since offline entry landed: offline.js (7 KB)
# loads there, and it fetches the application's offline copy again on every question
# page. Marked strict, so the day it fits this mark fails and must go.
OVER_BUDGET = pytest.mark.xfail(strict=True, reason="question page: offline.js pushes it "
                                "over 40 KB; its offline copy is fetched on every page")
PAGES = [pytest.param("home", id="home"), pytest.param("service", id="service"),
         pytest.param("question", id="question", marks=OVER_BUDGET)]


def _page(kind, urls):
    return {"home": ("/", False), "service": ("/services/retirement", False),
            "question": (urls["question"], True)}[kind]


@pytest.mark.parametrize("kind", PAGES)
def test_a_first_visit_is_within_40_kb(browser, live_server, session_and_urls, kind):
    cookie, urls = session_and_urls
    path, needs_cookie = _page(kind, urls)
    first = visit(browser, live_server.url, path, cookie if needs_cookie else None,
                  cache=False)
    assert 0 < first["bytes"] <= FIRST_VISIT_BUDGET, (path, first)


@pytest.mark.parametrize("kind", PAGES)
def test_a_repeat_visit_fetches_only_the_page_within_14_kb(browser, live_server,
                                                            session_and_urls, kind):
    cookie, urls = session_and_urls
    path, needs_cookie = _page(kind, urls)
    before = "/services/retirement" if path == "/" else "/"
    repeat = visit(browser, live_server.url, path, cookie if needs_cookie else None,
                   cache=True, before=before)
    assert 0 < repeat["bytes"] <= REPEAT_BUDGET, (path, repeat)
    assert repeat["requests"] == 1, (path, repeat)  # the HTML; no file revalidated
