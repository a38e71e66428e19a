"""Long numbers people can read, check and copy (app/numbers.py): shown in groups
whose spacing is CSS, so the text (and a copy) is the bare digits; masked numbers are
heard as "尾号" and the last four digits, never as a row of stars."""
from __future__ import annotations

import re

from app.forms.numbers import grouped, masked

from conftest import LI, sign_in_as, walk_service

def bare_text(html: str) -> str:
    """The characters a copy of the markup gives (tags removed, nothing added)."""
    return re.sub(r"<[^>]+>", "", html)


GROUP = re.compile(r'<span class="digits__group">([^<]*)</span>')


def test_id_number_shown_in_groups_of_6_8_4_and_copied_as_its_digits(app):
    with app.test_request_context():
        html = str(grouped("id_number", "110101196610129114"))
    assert GROUP.findall(html) == ["110101", "19661012", "9114"]
    assert bare_text(html) == "110101196610129114"  # no space, dash or other character between


def test_mobile_in_3_4_4_and_bank_card_in_fours(app):
    with app.test_request_context():
        assert GROUP.findall(str(grouped("mobile", "13800000001"))) == ["138", "0000", "0001"]
        assert GROUP.findall(str(grouped("bank_account", "6222021234567890123"))) == [
            "6222", "0212", "3456", "7890", "123"]


def test_masked_number_is_heard_as_its_last_four_digits_not_stars(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        html = str(masked("mobile", "13800000101"))
    hidden = re.search(r'<bdi [^>]*aria-hidden="true">(.*?)</bdi>', html).group(1)
    assert bare_text(hidden) == "138****0101"
    spoken = re.sub(r'<bdi [^>]*aria-hidden="true">.*?</bdi>', "", html)
    assert bare_text(spoken) == "尾号0101"
    assert "*" not in spoken


def test_check_answers_shows_the_id_number_grouped_and_copyable(app, client):
    sign_in_as(client, LI)
    walk_service(client, app, "social-security-card")
    html = client.get("/apply/social-security-card/check").get_data(as_text=True)
    assert GROUP.findall(html)[:3] == ["110101", "19960520", "9041"]
    assert LI.id_number in bare_text(html)
