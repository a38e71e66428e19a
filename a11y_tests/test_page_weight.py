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


def _pages(urls):
    return [("/", False), ("/services/retirement", False), (urls["question"], True)]


def test_a_first_visit_is_within_40_kb(browser, live_server, session_and_urls):
    cookie, urls = session_and_urls
    for path, needs_cookie in _pages(urls):
        first = visit(browser, live_server.url, path, cookie if needs_cookie else None,
                      cache=False)
        assert 0 < first["bytes"] <= FIRST_VISIT_BUDGET, (path, first)


def test_a_repeat_visit_fetches_only_the_page_within_14_kb(browser, live_server,
                                                            session_and_urls):
    cookie, urls = session_and_urls
    for path, needs_cookie in _pages(urls):
        before = "/services/retirement" if path == "/" else "/"
        repeat = visit(browser, live_server.url, path, cookie if needs_cookie else None,
                       cache=True, before=before)
        assert 0 < repeat["bytes"] <= REPEAT_BUDGET, (path, repeat)
        assert repeat["requests"] == 1, (path, repeat)  # the HTML; no file revalidated
