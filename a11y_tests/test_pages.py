"""What the audit of every page state (python -m a11y_tests, which runs axe, IBM Equal
Access, the Nu checker and the structure checks on every state of states.py in every
display mode and language) relies on: that it sees the page its user gets, JS on or
off, and that states worn out by time or reading are brought back, not missed."""
import pytest

from .states import STATES
from .support import tab

pytestmark = pytest.mark.a11y


# The audit itself: with JavaScript off it must see what a no-JS user gets (the
# <noscript> content, none of the scripts' doing); with it on, what the scripts made.
SELF_TEST_PAGE = """<!doctype html><html lang="en"><head><title>Audit self-test</title></head>
<body><main><h1>Audit self-test</h1>
<noscript><img src="data:," class="only-without-js"></noscript>
<div id="slot"></div>
<script>document.getElementById('slot').innerHTML = '<img src="data:," class="only-with-js">';</script>
</main></body></html>"""


def test_the_audit_sees_the_page_its_user_gets(js, anon_context, auditor, live_server):
    page = tab(anon_context)
    url = f"{live_server.url}/__audit-self-test"
    page.route(url, lambda route: route.fulfill(body=SELF_TEST_PAGE, content_type="text/html"))
    try:
        page.goto(url)
        flagged = {name for v in auditor.violations(page) if v["id"] == "image-alt"
                   for node in v["nodes"] for name in ("only-with-js", "only-without-js")
                   if name in node["html"]}
    finally:
        page.unroute(url)
    expected = "only-with-js" if js == "on" else "only-without-js"
    assert flagged == {expected}, f"JS {js}: axe flagged {flagged or 'nothing'}, want {expected}"


# States that time or reading wear out are brought back, not missed: a long audit reads
# every message (the crawl) and outlives the 10-minute withdrawal window.
def test_the_messages_state_is_reached_after_everything_was_read(js, applicant):
    from .seeding import bring_to_state
    context, seed = applicant
    page = tab(context)
    page.goto("/my/messages/")
    with page.expect_navigation():
        page.locator("form[action$='/messages/read'] button").click()  # Mark all as read
    assert not page.locator(".message-list__item--unread").count()
    bring_to_state(page, next(s for s in STATES if s.id == "messages"), seed)


def test_the_withdraw_state_is_reached_after_its_window_has_passed(js, applicant):
    from .seeding import bring_to_state
    context, seed = applicant
    closed = seed.withdrawn  # its withdraw page has no form, as when the window passed
    state = next(s for s in STATES if s.id == "withdraw-confirm")
    was, seed.open = seed.open, closed
    try:
        bring_to_state(page := tab(context), state, seed)
        assert seed.open != closed and f"/{seed.open}/withdraw" in page.url
    finally:
        if seed.open == closed:
            seed.open = was
