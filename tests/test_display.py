"""显示设置 and 长辈版: the cookie, the plain-form POSTs, the htmx path and search."""
from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pytest

from app.display.preferences import COOKIE, ELDER_PRESET, DisplayPreferences
from conftest import ZHANG, checked_values, csrf_token, path_of, post_with_csrf, sign_in, text_of, translate


def html_attributes(html: str) -> dict[str, str]:
    tag = re.search(r"<html[^>]*>", html).group(0)
    return dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', tag))


def elder_button(html: str) -> str:
    header = html.split("</header>")[0]
    match = re.search(r'<button class="button elder-toggle__button"[^>]*>([^<]+)</button>', header)
    return match.group(1) if match else ""


# Both forms change only the browser's own cookie: they carry no form token (so a
# visitor who only reads pages has no session stored); another site's post is refused.
def save_settings(client, **settings):
    client.get("/display")
    return client.post("/display", data=settings)


def press_elder(client, on: bool, next_path="/search"):
    client.get(next_path)
    return client.post("/display/elder", data={"on": "1" if on else "0", "next": next_path})


def test_no_cookie_renders_standard_size_and_follows_the_device_theme(client):
    attributes = html_attributes(client.get("/").get_data(as_text=True))
    assert attributes["data-text-size"] == "standard"
    assert attributes["data-theme"] == "auto"  # the stylesheet follows prefers-contrast/-color-scheme
    assert attributes["data-elder"] == "off"


def test_saved_settings_shape_the_first_render_of_every_later_page(client):
    response = save_settings(client, text_size="largest", theme="dark", spacing="wide",
                             layout="simple", aids=["large_cursor", "reading_guide"],
                             speech_rate="1.25", next="/search")
    assert response.status_code == 302 and path_of(response.location) == "/search"
    for url in ("/", "/search?q=退休", "/services/retirement", "/sign-in", "/no-such-page"):
        attributes = html_attributes(client.get(url).get_data(as_text=True))
        assert attributes == {
            "data-text-size": "largest", "data-theme": "dark", "data-spacing": "wide",
            "data-layout": "simple", "data-cursor": "large", "data-guide": "on",
            "data-speech": "off", "data-elder": "off"}, url


def test_the_settings_page_shows_the_saved_choices_checked(client):
    save_settings(client, text_size="large", theme="high", aids=["speech"], speech_rate="0.75")
    html = client.get("/display").get_data(as_text=True)
    checked = {name: checked_values(html, name)
               for name in ("text_size", "theme", "spacing", "layout", "speech_rate", "aids")}
    assert checked == {"text_size": ["large"], "theme": ["high"], "spacing": ["standard"],
                       "layout": ["standard"], "speech_rate": ["0.75"], "aids": ["speech"]}


def test_values_that_are_not_offered_fall_back_to_the_defaults(client):
    save_settings(client, text_size="enormous", theme="<script>", speech_rate="9")
    attributes = html_attributes(client.get("/").get_data(as_text=True))
    assert attributes["data-text-size"] == "standard" and attributes["data-theme"] == "auto"


def test_a_damaged_cookie_gives_the_defaults_not_an_error(client):
    client.set_cookie(COOKIE, "%%%text_size=largest&&&=&theme")
    response = client.get("/")
    assert response.status_code == 200
    assert html_attributes(response.get_data(as_text=True))["data-text-size"] == "standard"


def test_another_site_cannot_change_the_display_settings(client):
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        response = client.post("/display", data={"text_size": "largest"}, headers=headers)
        assert response.status_code == 400 and "Set-Cookie" not in response.headers


def test_after_saving_without_javascript_the_page_says_so(client):
    response = save_settings(client, text_size="large")
    html = client.get(path_of(response.location)).get_data(as_text=True)
    status = re.search(r'role="status">(.*?)</div>', html, re.S).group(1)
    assert translate(client.application, "Your display settings are saved.") in status


def test_saving_through_htmx_answers_a_status_and_the_new_attributes(client):
    response = client.post("/display", headers={"HX-Request": "true"}, data={
        "text_size": "larger", "theme": "high"})
    assert response.status_code == 200
    assert translate(client.application, "Your display settings are saved.") in response.get_data(as_text=True)
    trigger = json.loads(response.headers["HX-Trigger"])["yiban:display"]
    assert trigger["data-text-size"] == "larger" and trigger["data-theme"] == "high"
    assert COOKIE in response.headers["Set-Cookie"]


def test_the_display_cookie_is_httponly_and_lax(client):
    cookie = save_settings(client, text_size="large").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie


@pytest.mark.parametrize("url", ["/", "/search", "/services/retirement", "/sign-in", "/display",
                                 "/no-such-page"])
def test_every_page_header_has_the_elder_mode_button_and_the_settings_link(client, url):
    html = client.get(url).get_data(as_text=True)
    assert elder_button(html) == translate(client.application, "Elder mode")
    header = html.split("</header>")[0]
    assert 'action="/display/elder"' in header and 'href="/display' in header


def test_one_press_turns_elder_mode_on_and_returns_to_the_same_page(client):
    response = press_elder(client, True, "/search?q=退休")
    assert unquote(path_of(response.location)) == "/search?q=退休"
    html = client.get("/search?q=退休").get_data(as_text=True)
    attributes = html_attributes(html)
    assert attributes["data-elder"] == "on"
    assert attributes["data-text-size"] == ELDER_PRESET.text_size != "standard"
    assert attributes["data-theme"] == "high" and attributes["data-layout"] == "simple"
    assert attributes["data-speech"] == "on"
    assert elder_button(html) == translate(client.application, "Leave elder mode")


def test_turning_elder_mode_off_brings_back_the_citizens_own_settings(client):
    save_settings(client, text_size="large", theme="dark")
    press_elder(client, True)
    press_elder(client, False)
    attributes = html_attributes(client.get("/").get_data(as_text=True))
    assert attributes["data-elder"] == "off"
    assert (attributes["data-text-size"], attributes["data-theme"]) == ("large", "dark")


def test_saving_settings_in_elder_mode_leaves_elder_mode_with_what_was_chosen(client):
    press_elder(client, True)
    save_settings(client, text_size="largest", theme="standard")
    attributes = html_attributes(client.get("/").get_data(as_text=True))
    assert attributes["data-elder"] == "off" and attributes["data-text-size"] == "largest"


def test_elder_mode_never_redirects_to_another_site(client):
    response = press_elder(client, True, "/")
    response = client.post("/display/elder", data={"on": "1",
                                                   "next": "https://evil.example/"})
    assert path_of(response.location) == "/"


def test_elder_mode_works_while_signed_in_and_keeps_the_session(client):
    sign_in(client, ZHANG.mobile, ZHANG.password)
    press_elder(client, True, "/my/")
    html = client.get("/my/").get_data(as_text=True)
    assert html_attributes(html)["data-elder"] == "on"
    assert ZHANG.name in text_of(html)


@pytest.mark.parametrize("query", ["长辈版", "关怀版", "亲情版", "关爱版", "老年模式", "zbb", "laonianmoshi"])
def test_search_finds_elder_mode_under_each_of_its_names(client, query):
    main = client.get(f"/search?q={query}").get_data(as_text=True).split("<main", 1)[1]
    assert 'href="/display"' in main


def test_a_service_search_does_not_offer_the_settings_page(client):
    main = client.get("/search?q=退休").get_data(as_text=True).split("<main", 1)[1]
    assert 'href="/display"' not in main


def test_cookie_round_trip_keeps_every_setting():
    prefs = DisplayPreferences(text_size="larger", theme="dark", spacing="wide", layout="simple",
                               large_cursor=True, reading_guide=True, speech=True,
                               speech_rate="1.5", elder=True)
    assert DisplayPreferences.from_cookie(prefs.to_cookie()) == prefs
