"""A whole application with the keyboard alone, JavaScript on and off.

From the home page to the confirmation, with only Tab, Shift+Tab, Enter, Space, the
arrow keys and typing (no clicks, no filling fields from outside the page), for the
退休一件事 bundle and for one single matter. On every page the first Tab reaches the skip
link, which moves focus to <main>; a page with errors puts focus on the error summary,
and following its link with Enter puts focus on the field.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .support import (APPLICATION_NUMBER, CHILD_ID, KEYBOARD, PNG_BYTES, error_summary_focused,
                      tab)

pytestmark = pytest.mark.a11y

ACTIVE = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.name || null, type: el.type || null,
          href: el.getAttribute('href'), text: (el.innerText || '').trim().slice(0, 40),
          checked: !!el.checked, value: el.value === undefined ? null : el.value,
          skip: el.matches('.skip-link'), summary: el.hasAttribute('data-error-summary'),
          inSummary: !!el.closest('[data-error-summary]'), inMainForm: !!el.closest('main form')};
}"""

FIRST_FOCUSABLE_IS_SKIP_LINK = """() => {
  const first = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])');
  return first && first.matches('.skip-link');
}"""

# What a page asks, read from the page (reading is not interacting).
QUESTION = """() => {
  const form = document.querySelector('main form');
  const inputs = [...form.querySelectorAll('input:not([type=hidden]), textarea')];
  return inputs.map(i => ({id: i.id, type: i.type, value: i.value, checked: i.checked}));
}"""


def active(page) -> dict:
    return page.evaluate(ACTIVE)


def press(page, key: str, navigates: bool = False) -> None:
    if navigates:
        with page.expect_navigation():
            page.keyboard.press(key)
    else:
        page.keyboard.press(key)


def tab_to(page, wanted, what: str, backwards: bool = False, limit: int = 60) -> dict:
    """Press Tab (or Shift+Tab) until wanted(active element) holds."""
    seen = []
    for _ in range(limit):
        press(page, "Shift+Tab" if backwards else "Tab")
        now = active(page)
        if wanted(now):
            return now
        seen.append(now["text"] or now["id"] or now["tag"])
    raise AssertionError(f"{page.url}: never reached {what} with Tab; went through {seen}")


def skip_link_first(page, follow: bool = False) -> None:
    """The first Tab on a page reaches the skip link; Enter on it focuses <main>."""
    assert page.evaluate(FIRST_FOCUSABLE_IS_SKIP_LINK), f"{page.url}: skip link is not first"
    press(page, "Tab")
    now = active(page)
    assert now["skip"], f"{page.url}: the first Tab reached {now}, not the skip link"
    if follow:
        press(page, "Enter")
        now = active(page)
        assert now["tag"] == "main" and now["id"] == "main", (
            f"{page.url}: the skip link moved focus to {now}, not to <main>")


def error_summary_leads_to(page, field_id: str) -> None:
    """Focus is on the error summary; its link, followed with Enter, focuses the field;
    Shift+Tab from the field goes back into the summary."""
    assert error_summary_focused(page), (
        f"{page.url}: a page with errors must focus the error summary, not {active(page)}")
    link = tab_to(page, lambda a: a["inSummary"] and a["tag"] == "a", "the error link")
    assert link["href"] == f"#{field_id}", f"{page.url}: error link goes to {link['href']}"
    press(page, "Enter")
    now = active(page)
    assert now["id"] == field_id, (
        f"{page.url}: the error link moved focus to {now}, not to #{field_id}")
    press(page, "Shift+Tab")
    assert active(page)["inSummary"], f"{page.url}: Shift+Tab from the field left the summary"
    press(page, "Tab")
    assert active(page)["id"] == field_id


def type_into(page, field_id: str, text: str) -> None:
    tab_to(page, lambda a: a["id"] == field_id, f"#{field_id}")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(text)


def continue_with_space(page) -> None:
    tab_to(page, lambda a: a["tag"] == "button" and a["inMainForm"], "the Continue button")
    press(page, "Space", navigates=True)


PHOTO = {"name": "photo.png", "mimeType": "image/png", "buffer": PNG_BYTES}


def choose_file(page, js: str, field_id: str) -> None:
    """Tab to the file input and open the file chooser with Space."""
    tab_to(page, lambda a: a["id"] == field_id, "the file input")
    if js == "on":
        space_opens_file_chooser(page, field_id).set_files(PHOTO)
    else:
        # With scripting off, Playwright's file-chooser event does not fire (waiting
        # for it times out): the system dialog, outside the page anyway, is stood in
        # for by giving the input that has keyboard focus its file.
        page.locator(f"#{field_id}:focus").set_input_files(PHOTO)
    assert active(page)["id"] == field_id, "choosing the file moved focus away"


def space_opens_file_chooser(page, field_id: str):
    """Space on the focused file input opens the file chooser. Once in CI (4 Dec 2026)
    none came within 15 s, which could not be made to happen again (Playwright asks
    the browser to catch choosers as its listener is added, without waiting for the
    answer, so the key may outrun it): if none comes, the input must still have focus
    (else the page moved it: a fault), and Space is pressed once more."""
    try:
        with page.expect_file_chooser(timeout=7_500) as chooser:
            page.keyboard.press("Space")
    except PlaywrightTimeoutError:
        now = active(page)
        assert now["id"] == field_id, f"no file chooser, and focus left the input for {now}"
        with page.expect_file_chooser(timeout=7_500) as chooser:
            page.keyboard.press("Space")
    return chooser.value


def question_key(page) -> str:
    return urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1]


def answer(page, js: str, typed: dict, first_page: bool, blank_first: bool) -> bool:
    """Answer the question on this page with the keyboard, and continue. typed: what
    to type into a text box (by id) that is empty, or that the test emptied.
    blank_first: send the first text box blank first, to follow the error summary to
    it. Returns whether that was done here."""
    key = question_key(page)
    inputs = page.evaluate(QUESTION)
    kinds = {i["type"] for i in inputs}
    skip_link_first(page, follow=first_page)

    if not inputs:
        # A fact from the citizen's electronic licence (免证): confirmed, not typed.
        assert page.locator(".licence-fact").count(), f"{page.url}: nothing to answer"
        continue_with_space(page)
        return False

    emptied = False
    sends_blank = (blank_first and bool(kinds & {"text", "tel"})) or key == "retire_kind"
    if sends_blank:
        # Send it blank first: the error summary gets focus and leads to the field.
        if kinds & {"text", "tel"}:
            type_into(page, inputs[0]["id"], "")
            press(page, "Enter", navigates=True)
            emptied = True
        else:
            continue_with_space(page)
        error_summary_leads_to(page, inputs[0]["id"])
        page.keyboard.press("Shift+Tab")  # back to the summary; the answer starts below

    if kinds == {"radio"}:
        # Tab reaches the group (its first radio); Space checks it, arrows move the choice.
        first = tab_to(page, lambda a: a["type"] == "radio", "the radio group")
        if key == "guardian_relation":
            page.keyboard.press("ArrowDown")  # the second option: father
            now = active(page)
            assert now["checked"] and now["id"].endswith("-2"), now
        else:
            page.keyboard.press("Space")
            now = active(page)
            assert now["checked"] and now["id"] == first["id"], now
        continue_with_space(page)
    elif kinds == {"file"}:
        choose_file(page, js, inputs[0]["id"])
        continue_with_space(page)
    elif kinds == {"checkbox"}:
        tab_to(page, lambda a: a["type"] == "checkbox", "the first checkbox")
        page.keyboard.press("Space")
        assert active(page)["checked"]
        continue_with_space(page)
    else:
        boxes = [i for i in inputs if i["type"] in ("text", "tel", "textarea")]
        typing = False
        if boxes[0]["id"].endswith("-year"):  # a date: year, month, day
            for box, text in zip(boxes, ("2025", "3", "1")):
                type_into(page, box["id"], text)
            typing = True
        for box in boxes:
            if box["id"] in typed and (emptied or not box["value"]):
                type_into(page, box["id"], typed[box["id"]])
                typing = True
        if not typing:  # prefilled: check it is there, and go on
            tab_to(page, lambda a: a["id"] == boxes[0]["id"], "the text box")
        press(page, "Enter", navigates=True)  # Enter in a text box sends the form
    summary = page.locator("[data-error-summary]")
    assert not summary.count(), f"{key}: {summary.inner_text()}"
    return sends_blank and key != "retire_kind"


@pytest.mark.parametrize("code", ["retirement", "disability", "childcare-subsidy"],
                         ids=["bundle-retirement", "bundle-disability",
                              "matter-childcare-subsidy"])
def test_whole_application_with_the_keyboard_only(js, code, new_context):
    citizen = KEYBOARD[js]
    typed = {"full_name": citizen.name, "mobile": citizen.mobile, "child_name": "张小明",
             "child_id_number": CHILD_ID,
             "bank_account": "6222020200112233445"}
    page = tab(new_context(js))
    page.goto("/")

    # Home: skip to the content, then find the service and open it.
    skip_link_first(page, follow=True)
    tab_to(page, lambda a: a["href"] == f"/services/{code}", f"the link to {code}")
    press(page, "Enter", navigates=True)

    # Service page: 开始办理 (a link: Enter).
    skip_link_first(page)
    tab_to(page, lambda a: a["href"] == f"/apply/{code}", "the start button")
    press(page, "Enter", navigates=True)

    # Sign in with the real form.
    assert urlsplit(page.url).path == "/sign-in", page.url
    skip_link_first(page)
    type_into(page, "login", citizen.mobile)
    press(page, "Tab")
    assert active(page)["id"] == "password"
    page.keyboard.type(citizen.password)
    press(page, "Enter", navigates=True)

    # One question per page until check answers.
    blank_first = True
    for number in range(20):
        if urlsplit(page.url).path == f"/apply/{code}/check":
            break
        assert urlsplit(page.url).path.startswith(f"/apply/{code}/"), page.url
        if answer(page, js, typed, first_page=(number == 0), blank_first=blank_first):
            blank_first = False
    else:
        raise AssertionError(f"never reached check answers (at {page.url})")

    # Check answers: Accept and send.
    skip_link_first(page, follow=True)
    tab_to(page, lambda a: a["tag"] == "button" and a["inMainForm"], "Accept and send")
    press(page, "Enter", navigates=True)

    assert urlsplit(page.url).path.endswith("/confirmation"), page.url
    assert APPLICATION_NUMBER.search(page.locator("main").inner_text()), (
        f"no application number on {page.url}")
