"""After sending, with the keyboard alone, JavaScript on and off: a citizen
answers a department's request for more (补正) with typed text and a file chosen
through the file chooser opened from the keyboard, then rates the finished
application (好差评) with the arrow keys and Space.

The application is sent and moved on by the platform's back office outside the
browser (as `flask platform advance` / `flask platform supplement` do): that is the
departments' side, not the citizen's."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .support import KEYBOARD, send_application, sign_in, tab
from .test_keyboard import (
    active,
    choose_file,
    continue_with_space,
    press,
    skip_link_first,
    tab_to,
    type_into,
)

pytestmark = pytest.mark.a11y

ASK = "请补充本人近期免冠照片一张"


def test_answer_a_request_for_more_and_rate_with_the_keyboard_only(js, new_context,
                                                                     live_server):
    citizen = KEYBOARD[js]
    office = live_server.app.extensions["platform"]
    page = tab(new_context(js))
    sign_in(page, citizen.mobile, citizen.password)
    number = send_application(page, "remote-medical-filing")
    office.advance(number)  # accepted
    parts = office.application(number, office.authenticate(citizen.mobile,
                                                            citizen.password).id).parts
    asked = office.raise_supplement(number, parts[0].department, ASK, None, True)

    # The application's page: the request for more, and its link.
    page.goto(f"/my/applications/{number}")
    skip_link_first(page, follow=True)
    tab_to(page, lambda a: (a["href"] or "").endswith(f"/supplements/{asked.id}"),
           "the link to answer the request")
    press(page, "Enter", navigates=True)
    assert urlsplit(page.url).path.endswith(f"/supplements/{asked.id}"), page.url

    # 补正: type an answer, choose the file with the keyboard, send with Space.
    skip_link_first(page, follow=True)
    type_into(page, "answer", "照片见附件。")
    choose_file(page, js, "upload")
    continue_with_space(page)
    summary = page.locator("[data-error-summary]")
    assert not summary.count(), summary.inner_text()
    assert urlsplit(page.url).path == f"/my/applications/{number}", page.url
    assert page.locator("main [role=status]").count() == 1

    # The department finishes; the citizen rates it from the application's page.
    while office.advance(number):
        pass
    page.goto(f"/my/applications/{number}")
    skip_link_first(page, follow=True)
    tab_to(page, lambda a: (a["href"] or "").endswith(f"/{number}/rating"),
           "the link to rate the application")
    press(page, "Enter", navigates=True)

    # Tab reaches the group; Space checks the first level, the arrow moves the choice.
    skip_link_first(page, follow=True)
    first = tab_to(page, lambda a: a["type"] == "radio", "the rating levels")
    page.keyboard.press("Space")
    assert active(page)["checked"] and active(page)["id"] == first["id"], active(page)
    page.keyboard.press("ArrowDown")
    chosen = active(page)
    assert chosen["checked"] and chosen["id"] != first["id"], chosen
    type_into(page, "comment", "办得很快。")
    continue_with_space(page)
    summary = page.locator("[data-error-summary]")
    assert not summary.count(), summary.inner_text()
    assert urlsplit(page.url).path == f"/my/applications/{number}", page.url
    application = office.application(number, office.authenticate(
        citizen.mobile, citizen.password).id)
    assert application.rating and str(application.rating.level) == chosen["value"], (
        application.rating, chosen)
