"""Speech readout through the app: reading scripts stored for the pages the server
rendered, their audio, caching, privacy and limits."""
from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from conftest import (
    DEFAULT_LOCALE,
    LI,
    WANG,
    ZHANG,
    _render,
    answer_question,
    error_summary_links,
    question_of,
    sign_in_as,
    translate,
)
from flask import g
from test_speech_engine import SILENCE_RMS, decode

from app.speech import engine
from app.speech.owner import current_owner
from app.speech.store import SpeechScript


def said(app, msgid: str) -> str:
    """A speech message as the page says it (the speech messages may not be in the
    catalogues yet, so unlike translate() this does not insist on a translation)."""
    return _render(app, DEFAULT_LOCALE, msgid, None, None, {})


def player_urls(html: str) -> dict:
    return {
        "json": re.search(r'data-script-url="([^"]+)"', html).group(1),
        "mp3": re.search(r'class="speech-player__link" href="([^"]+)"', html).group(1)
        .replace("&amp;", "&"),
    }


def script_of(client, url: str) -> dict:
    html = client.get(url).get_data(as_text=True)
    urls = player_urls(html)
    response = client.get(urls["json"])
    assert response.status_code == 200
    return {**response.get_json(), "urls": urls, "html": html}


def name_question(client) -> str:
    """The name question (retirement starts with the page that chooses its matters)."""
    client.get("/apply/retirement")
    return "/apply/retirement/full_name"


# ---- what is read ------------------------------------------------------------------
def test_question_page_with_an_error_reads_the_question_first_then_errors_and_hint(client, app):
    sign_in_as(client, ZHANG)
    url = name_question(client)
    response = answer_question(client, app, url, {"full_name": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    [(_, message)] = error_summary_links(html)
    question = question_of(app, "retirement", "full_name")
    script = client.get(player_urls(html)["json"]).get_json()
    main = [s["text"] for s in script["sentences"] if s["main"]]
    assert main[0] == str(question.label)                         # the question (label in h1)
    order = [main.index(translate(app, "There is a problem")),
             main.index(message),                                 # the summary's link
             main.index(str(question.hint)),
             next(i for i, t in enumerate(main) if t.endswith(message) and t != message)]
    assert order == sorted(order)
    error_line = main[order[3]]
    assert error_line.startswith(translate(app, "Error:"))  # visually hidden, read
    # The button is read when pointed at (指读), not by continuous reading.
    assert translate(app, "Continue") not in main
    assert translate(app, "Continue") in [s["text"] for s in script["sentences"]]
    assert all(s["lang"].startswith("zh") for s in script["sentences"] if s["main"])
    # the header and footer are there for 指读, but not read by continuous reading
    assert any(not s["main"] for s in script["sentences"])


def test_each_sentence_names_its_voice_and_what_is_said_with_numbers_written_out(client, app):
    sign_in_as(client, WANG)
    client.get("/apply/retirement")
    script = script_of(client, "/apply/retirement/mobile")
    assert {s["voice"] for s in script["sentences"] if s["main"]} == {"cmn-latn-pinyin"}
    assert script["device_languages"]["cmn-latn-pinyin"][0] == "zh-CN"
    numbered = [s for s in script["sentences"] if re.search(r"\d", s["text"])]
    assert numbered, "the page shows numbers (the question's step)"
    for sentence in numbered:
        assert not re.search(r"\d", sentence["speech"]), sentence


def test_chinese_page_audio_is_speech_and_the_second_request_is_a_cache_hit(client):
    script = script_of(client, "/sign-in")
    assert script["lang"].startswith("zh")
    before = engine.stats["clips"]
    first = client.get(script["urls"]["mp3"])
    assert first.status_code == 200 and first.mimetype == "audio/mpeg"
    made = engine.stats["clips"] - before
    assert made >= 1
    seconds, rms = decode(first.data)
    assert seconds > 5 and rms > SILENCE_RMS
    assert len(first.data) / seconds <= 4096

    again = client.get(script["urls"]["mp3"])
    assert again.data == first.data
    assert engine.stats["clips"] - before == made, "the second request synthesised nothing"


def test_english_page_is_read_by_the_english_voice(client, app):
    english = app.test_client()
    html = english.get("/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    data = english.get(player_urls(html)["json"],
                       headers={"Accept-Language": "en"}).get_json()  # as a browser sends
    assert data["lang"] == "en"
    first = data["sentences"][[s["main"] for s in data["sentences"]].index(True)]
    assert first["lang"] == "en" and re.search(r"[A-Za-z]{3}", first["text"])
    short = english.get(first["audio"])
    assert short.status_code == 200
    short_s, rms = decode(short.data)
    whole_s, _ = decode(english.get(player_urls(html)["mp3"]).data)
    assert rms > SILENCE_RMS and whole_s > 3 * short_s


def test_sentence_audio_and_script_json(client):
    script = script_of(client, "/speech/help")
    assert script["readable"]
    for n in (0, len(script["sentences"]) - 1):
        sentence = script["sentences"][n]
        assert sentence["audio"].startswith(f"/speech/{script['id']}/{n}.mp3")
        response = client.get(sentence["audio"])
        assert response.status_code == 200 and response.mimetype == "audio/mpeg"
        assert decode(response.data)[1] > SILENCE_RMS
    assert client.get(f"/speech/{script['id']}/{len(script['sentences'])}.mp3").status_code == 404


def test_range_requests_are_served(client):
    script = script_of(client, "/speech/help")
    url = script["sentences"][0]["audio"]
    whole = client.get(url).data
    part = client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == whole[:100]


# ---- privacy -------------------------------------------------------------------------
def test_a_signed_in_persons_script_is_theirs_alone(client, app):
    sign_in_as(client, ZHANG)
    script = script_of(client, "/applications")
    urls = [f"/speech/{script['id']}.json", f"/speech/{script['id']}.mp3",
            script["sentences"][0]["audio"]]
    own = client.get(urls[2])
    assert own.status_code == 200
    # kept by this browser only, and checked with the server at every use (shared computers)
    assert own.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in own.headers["Vary"]
    again = client.get(urls[2], headers={"If-None-Match": own.headers["ETag"]})
    assert again.status_code == 304

    other = app.test_client()
    sign_in_as(other, WANG)
    anonymous = app.test_client()
    anonymous.get("/")  # has an anonymous reading identity of its own
    for stranger in (other, anonymous, app.test_client()):
        for url in urls:
            response = stranger.get(url)
            assert response.status_code == 404, url
            assert "public" not in response.headers.get("Cache-Control", "")


def test_anonymous_scripts_belong_to_their_browser_session(client, app):
    script = script_of(client, "/")
    stored = f"/speech/{script['id']}.json"
    own = client.get(stored)
    assert own.status_code == 200
    assert own.headers["Cache-Control"] == "private, max-age=3600"
    assert "Cookie" in own.headers["Vary"]
    assert app.test_client().get(stored).status_code == 404
    # The page's player URL, from another browser, reads the page for that browser.
    theirs = app.test_client().get(script["urls"]["json"]).get_json()
    assert theirs["id"] != script["id"]


def test_the_same_page_for_two_people_is_two_scripts(client, app):
    sign_in_as(client, ZHANG)
    other = app.test_client()
    sign_in_as(other, LI)
    mine, theirs = script_of(client, "/speech/help"), script_of(other, "/speech/help")
    assert mine["id"] != theirs["id"]


def test_a_page_rendered_again_is_stored_once(client, app):
    client.set_cookie("yiban_display", "speech=1")
    for _ in range(3):
        client.get("/speech/help")
    store = app.extensions["front_store"]
    with store.db.session() as s:
        assert s.query(SpeechScript).count() == 1


def test_owner_is_the_person_with_the_helper_acting_for_them(app):
    with app.test_request_context("/"):
        g.user, g.helper = SimpleNamespace(id="zhang-jianguo"), SimpleNamespace(id="h-7")
        assert current_owner() == "person:zhang-jianguo|helper:h-7"
        g.user = None
        assert current_owner() == "helper:h-7"
        g.helper = None
        assert current_owner() is None  # nobody, and no anonymous id made
        made = current_owner(create=True)
        assert made.startswith("session:") and current_owner() == made


def test_old_scripts_are_pruned(client, app):
    script = script_of(client, "/speech/help")
    scripts = app.extensions["speech"].scripts
    person = app.test_client()
    sign_in_as(person, ZHANG)
    theirs = script_of(person, "/speech/help")
    assert scripts.prune() == 0  # nothing is 2 (anonymous) or 30 days old
    scripts.prune(anonymous_older_than=timedelta(0))
    with app.extensions["front_store"].db.session() as s:
        assert [row.id for row in s.query(SpeechScript)] == [theirs["id"]]
    assert client.get(f"/speech/{script['id']}.json").status_code == 404
    again = script_of(client, "/speech/help")  # reading the page stores it again
    assert again["id"] == script["id"]


def test_unknown_and_malformed_ids_are_404(client):
    client.get("/")
    for url in ("/speech/" + "a" * 32 + ".mp3", "/speech/" + "a" * 32 + ".json",
                "/speech/xyz.mp3", "/speech/__YIBAN_SPEECH_SCRIPT__.json",
                "/speech/" + "0" * 32 + "/0.mp3"):
        assert client.get(url).status_code == 404, url


def test_nothing_but_rendered_pages_can_be_read(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("speech.")]
    assert {tuple(sorted(r.methods - {"HEAD", "OPTIONS"})) for r in rules} == {("GET",)}
    assert {r.rule for r in rules} == {"/speech/<script_id>.mp3", "/speech/<script_id>.json",
                                       "/speech/<script_id>/<int:n>.mp3", "/speech/help",
                                       "/speech/page.mp3", "/speech/page.json"}


# ---- speed and limits -----------------------------------------------------------------
def test_rates_outside_the_allowed_set_are_refused(client):
    script = script_of(client, "/speech/help")
    audio = script["sentences"][0]["audio"].split("?")[0]
    for bad in ("3", "0", "-1", "1.0", "fast", "0.5"):
        refused = client.get(f"{audio}?rate={bad}")
        assert refused.status_code == 400, bad
        # A page in the reader's language (Chinese by default), not Werkzeug's English.
        assert "抱歉，这个网址不对" in refused.get_data(as_text=True)
        json_url = script["urls"]["json"]
        joiner = "&" if "?" in json_url else "?"
        assert client.get(f"{json_url}{joiner}rate={bad}").status_code == 400
    slow, fast = (decode(client.get(f"{audio}?rate={r}").data)[0] for r in ("0.75", "1.5"))
    assert slow > 1.5 * fast


def test_the_default_rate_comes_from_the_display_settings(client):
    client.set_cookie("yiban_display", "speech=1&speech_rate=1.25")
    script = script_of(client, "/speech/help")
    assert script["rate"] == "1.25"
    assert "rate=1.25" in script["urls"]["mp3"]
    assert all("rate=1.25" in s["audio"] for s in script["sentences"])
    assert 'preload="none"' in script["html"]  # speech on: an audio control without JS


# ---- the page ---------------------------------------------------------------------------
def test_the_player_without_javascript_is_a_link_and_with_speech_on_an_audio_control(client):
    html = client.get("/speech/help").get_data(as_text=True)
    assert "__YIBAN_SPEECH_SCRIPT__" not in html
    # Speech off: just the link, naming the page (read when it is first followed).
    assert re.search(r'<a class="speech-player__link" '
                     r'href="/speech/page\.mp3\?page=/speech/help&amp;rate=1"', html)
    assert "<audio" not in html
    assert "<template data-speech-controls>" in html
    client.set_cookie("yiban_display", "speech=1")
    html = client.get("/speech/help").get_data(as_text=True)
    assert re.search(r'<a class="speech-player__link" href="/speech/[0-9a-f]{32}\.mp3\?rate=1"',
                     html)
    assert "<audio" in html


def test_the_player_is_in_main_with_no_landmark_and_no_live_region_while_idle(client):
    html = client.get("/speech/help").get_data(as_text=True)
    between = html[html.index("</header>"):html.index("<main")]
    assert "data-speech-player" not in between and "aria-label" not in between
    player = html[html.index("data-speech-player"):html.index("</template>")]
    assert 'role="status"' not in player and "aria-live" not in player


@pytest.mark.parametrize("choice", ["device", "server"])
def test_the_choice_of_voice_is_kept_and_reaches_the_player(client, app, choice):
    html = client.get("/display").get_data(as_text=True)
    assert 'data-voice-source="device"' in html  # the device's voice unless told otherwise
    client.post("/display", data={"speech_voice": choice})
    html = client.get("/display").get_data(as_text=True)
    assert f'data-voice-source="{choice}"' in html
    assert re.search(rf'name="speech_voice"\s+type="radio" value="{choice}" checked', html)


def test_pages_without_the_player_and_other_responses_are_untouched(client, app):
    @app.get("/_plain")
    def plain():
        return "<p>__YIBAN_SPEECH_SCRIPT__</p>", 200, {"Content-Type": "text/plain"}

    assert client.get("/_plain").get_data(as_text=True) == "<p>__YIBAN_SPEECH_SCRIPT__</p>"
    assert client.get("/static/js/speech.js").status_code == 200


def test_help_page_lists_the_shortcuts(client, app):
    html = client.get("/speech/help").get_data(as_text=True)
    for key in "RNPFSZ":
        assert f"<kbd>{key}</kbd>" in html
    assert said(app, "Next sentence") in html


def test_nothing_is_stored_for_a_visitor_who_never_asked_for_speech(app):
    visitor = app.test_client()
    for url in ("/", "/services/retirement", "/sign-in", "/speech/help", "/no-such-page"):
        visitor.get(url)
    with app.extensions["front_store"].db.session() as s:
        assert s.query(SpeechScript).count() == 0
    # The first request of the player reads the page, once.
    html = visitor.get("/services/retirement").get_data(as_text=True)
    assert visitor.get(player_urls(html)["json"]).status_code == 200
    with app.extensions["front_store"].db.session() as s:
        assert s.query(SpeechScript).count() == 1


def test_a_page_rendered_for_nobody_is_read_for_the_signed_in_citizen_who_asks(client, app):
    """Offline entry's blank question renders as if nobody were signed in; reading it
    on demand must not make the player's own request forget who asked."""
    sign_in_as(client, WANG)
    html = client.get("/offline/page/retirement/full_name").get_data(as_text=True)
    response = client.get(player_urls(html)["json"].replace("&amp;", "&"))
    assert response.status_code == 200
    assert any("姓名" in s["text"] for s in response.get_json()["sentences"])
