"""htmx inline validation: the same message as the full-page check, and no nagging
about answers the user has not finished yet."""
import re

import pytest

from conftest import ZHANG, csrf_token, post_with_csrf

pytestmark = pytest.mark.usefixtures("app")

HTMX = {"HX-Request": "true"}


def messages(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", "", m).split())
            for m in re.findall(r'<p class="error-message">(.*?)</p>', html, flags=re.S)]


def check_field(client, code, key, data):
    page = client.get(f"/apply/{code}/{key}").get_data(as_text=True)
    return client.post(f"/apply/{code}/{key}/validate", data={**data, "csrf_token": csrf_token(page)},
                       headers=HTMX)


@pytest.mark.parametrize("key, data", [
    ("mobile", {"mobile": "1234"}),
    ("id_number", {"id_number": "110101196610129115"}),
    ("bank_account", {"bank_account": "62A2"}),
])
def test_inline_check_gives_the_same_message_as_sending_the_page(zhang, key, data):
    inline = check_field(zhang, "retirement", key, data)
    assert inline.status_code == 200
    full = post_with_csrf(zhang, f"/apply/retirement/{key}", data)
    assert full.status_code == 200
    full_messages = messages(full.get_data(as_text=True))
    assert full_messages, "the full-page check should have refused this answer"
    assert messages(inline.get_data(as_text=True)) == full_messages[:1]


def test_inline_check_of_a_valid_answer_clears_the_message(zhang):
    response = check_field(zhang, "retirement", "mobile", {"mobile": "13912345678"})
    assert response.status_code == 200
    assert messages(response.get_data(as_text=True)) == []


def test_inline_check_does_not_complain_about_a_blank_answer(zhang):
    response = check_field(zhang, "retirement", "mobile", {"mobile": ""})
    assert messages(response.get_data(as_text=True)) == []


def test_inline_check_waits_until_every_part_of_a_date_is_typed(zhang):
    partial = check_field(zhang, "public-rental-housing", "move_in_date",
                          {"move_in_date-year": "2020", "move_in_date-month": "", "move_in_date-day": ""})
    assert messages(partial.get_data(as_text=True)) == []
    whole = check_field(zhang, "public-rental-housing", "move_in_date",
                        {"move_in_date-year": "2020", "move_in_date-month": "13",
                         "move_in_date-day": "40"})
    assert messages(whole.get_data(as_text=True)) != []


def test_inline_check_saves_nothing(zhang, app):
    check_field(zhang, "retirement", "mobile", {"mobile": "13912345678"})
    store = app.extensions["front_store"]
    draft = store.open_draft(ZHANG.id, "retirement")
    assert "mobile" not in draft.answers


def test_inline_check_needs_a_signed_in_user(client):
    response = client.post("/apply/retirement/mobile/validate", data={"mobile": "1"},
                           headers=HTMX)
    assert response.status_code in (400, 401)


def test_inline_check_answers_into_the_error_slot_beside_the_field(zhang):
    """The question page's field posts to its check and puts the answer in its own error
    slot, a polite live region, so the message is read out where the field is."""
    page = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    group = re.search(r'<div class="form-group"[^>]*id="mobile-group"[^>]*>', page, re.S).group(0)
    assert 'data-hx-post="/apply/retirement/mobile/validate"' in group
    assert 'data-hx-target="#mobile-error"' in group
    assert '<div class="error-slot" id="mobile-error" aria-live="polite">' in page
    described = re.search(r'<input[^>]*id="mobile"[^>]*>', page, re.S).group(0)
    assert "mobile-error" in re.search(r'aria-describedby="([^"]*)"', described).group(1)


def test_a_choice_is_not_checked_before_the_page_is_sent(zhang):
    page = zhang.get("/apply/retirement/matters").get_data(as_text=True)
    assert 'id="matters-error"' in page
    assert "hx-post" not in re.search(r'<div class="form-group[^>]*id="matters-group"[^>]*>',
                                      page, re.S).group(0)
