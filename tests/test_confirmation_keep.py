"""The confirmation page helps a citizen keep the application number and know whom to
call: the number as plain text (copy and print buttons come with JavaScript), a text
of it to the citizen's own phone through the message sender, and the hotlines: 12345
and each department's own, from the catalogue."""
from __future__ import annotations

from conftest import ZHANG, apply_and_submit, csrf_token, sign_in_as, text_of


def confirmation(client, app, code="retirement"):
    sign_in_as(client, ZHANG)
    number = apply_and_submit(client, app, code)
    url = f"/my/applications/{number}/confirmation"
    return number, url, client.get(url).get_data(as_text=True)


def test_confirmation_gives_12345_and_each_departments_hotline(app, client):
    _number, _url, html = confirmation(client, app)
    text = text_of(html)
    assert "12345 – 政务服务便民热线" in text
    assert "12333 – 人社" in text and "12393 – 医保" in text
    assert 'href="tel:12345"' in html and 'href="tel:12333"' in html


def test_confirmation_number_is_plain_text_and_copy_print_wait_for_javascript(app, client):
    number, _url, html = confirmation(client, app)
    assert f'id="application-number">{number}<' in html
    assert 'data-copy-target="application-number"' in html and "data-print hidden" in html


def test_send_the_number_to_my_phone_texts_it_to_the_citizens_mobile(app, client):
    number, url, html = confirmation(client, app)
    sender = app.extensions["messages"].sender
    before = len(sender.sent(100))
    response = client.post(f"/my/applications/{number}/text-number",
                           data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302 and response.location.endswith(url)
    texts = sender.sent(100)
    assert len(texts) == before + 1
    assert texts[0].recipient == ZHANG.mobile
    assert number in texts[0].body and "12345" in texts[0].body
    assert "已把办件编号用短信发到您的手机" in text_of(client.get(url).get_data(as_text=True))


def test_someone_elses_number_cannot_be_texted(app, client):
    number, _url, html = confirmation(client, app)
    response = client.post("/my/applications/YB20990101000001/text-number",
                           data={"csrf_token": csrf_token(html)})
    assert response.status_code == 404
