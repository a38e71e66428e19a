"""The speech player (语音播报) in a real browser: driven by keyboard, it reads the page
with the sentence's element marked and never moves focus; 指读 reads a focused field's
label; without JavaScript its plain link serves the audio; axe and the structure
checklist pass with it on the page, JS on and off, speech controls on and off."""
from __future__ import annotations

import functools
import logging
import re
import threading

import miniaudio
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app

from .checks import (
    FOCUSABLE,
    check_facts,
    check_reflow,
    check_requests,
    check_structure,
    check_text_spacing,
    wording,
)
from .support import Auditor, watch

pytestmark = pytest.mark.a11y

SPEECH_ON = "speech=1&speech_rate=1"
PAGES = ["/speech/help", "/sign-in", "/"]


@pytest.fixture(scope="module")
def speech_server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIBAN_DATA_DIR", str(tmp_path_factory.mktemp("yiban-speech-data")))
        app = create_app()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app, f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def open_page(browser, speech_server):
    """open_page(path, js="on", speech=False): a fresh browser context's page."""
    _app, url = speech_server
    contexts = []

    def _open(path, js="on", speech=False, voice=None, device_voice=None):
        """voice: "device" or "server" (显示设置); device_voice: a BCP 47 tag for a
        stand-in speechSynthesis offering one voice of that language."""
        context = browser.new_context(base_url=url, java_script_enabled=(js == "on"),
                                      locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.yiban_js = js
        context.set_default_timeout(10_000)
        contexts.append(context)
        display = "&".join(filter(None, [SPEECH_ON if speech else "",
                                         f"speech_voice={voice}" if voice else ""]))
        if display:
            context.add_cookies([{"name": "yiban_display", "value": display, "url": url}])
        if device_voice:
            context.add_init_script(FAKE_DEVICE_VOICE.replace("LANG", device_voice))
        page = watch(context.new_page())
        page.goto(path)
        return page

    yield _open
    for context in contexts:
        context.close()


# The browser's speechSynthesis, standing in for a phone's voice (headless Chromium has
# none): one voice of language LANG; each utterance "ends" 50 ms after it starts, and
# window.spoken lists what was said.
FAKE_DEVICE_VOICE = """(() => {
  window.spoken = [];
  const voice = {name: "Stand-in", lang: "LANG", voiceURI: "stand-in", localService: true, default: true};
  let current = null;
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
  Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
    getVoices: () => [voice], addEventListener() {}, pause() {}, resume() {},
    cancel() { current = null; },
    speak(u) {
      current = u;
      window.spoken.push(u.text);
      setTimeout(() => { if (current === u) { current = null; u.onend && u.onend({}); } }, 50);
    },
  }});
})();"""

# In-page helpers: the same selector and skip list the server used, from the player.
ELEMENTS = """() => {
  const player = document.querySelector('[data-speech-player]');
  return [...document.body.querySelectorAll(player.dataset.readable)]
    .filter(el => !el.closest(player.dataset.skip));
}"""
SCRIPT = """async () => {
  const player = document.querySelector('[data-speech-player]');
  const response = await fetch(player.dataset.scriptUrl, {credentials: 'same-origin'});
  return response.json();
}"""
MARKED_INDEX = f"""() => ({ELEMENTS})().indexOf(document.querySelector('.speech-current'))"""
NORMAL = re.compile(r"\s+")


def marked(page) -> int:
    return page.evaluate(MARKED_INDEX)


def main_elements(script: dict) -> list[int]:
    """Element index of each main sentence, one entry per sentence."""
    return [s["element"] for s in script["sentences"] if s["main"]]


def focused_action(page) -> str | None:
    return page.evaluate("() => document.activeElement.dataset.speechAction || null")


def assert_status(page, text: str) -> None:
    """The player's live region says `text` (it is made when there is news, and its
    text set a moment later, so that screen readers hear it)."""
    expect(page.locator("[data-speech-status]")).to_have_text(text)


def said(app, msgid: str) -> str:
    from flask_babel import force_locale, gettext
    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        return gettext(msgid)


def test_keyboard_plays_marks_each_sentence_and_never_moves_focus(open_page, speech_server):
    app, _ = speech_server
    page = open_page("/speech/help", speech=True)
    script = page.evaluate(SCRIPT)
    order = main_elements(script)
    # Tab to the play button as a keyboard user does
    for _ in range(30):
        page.keyboard.press("Tab")
        if focused_action(page) == "play":
            break
    assert focused_action(page) == "play", "the play button is not in the Tab order"
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => ({MARKED_INDEX})() === {order[0]}")
    assert_status(page, said(app, "Reading aloud"))
    assert focused_action(page) == "play"

    # the first sentence ends by itself and reading goes on with the next element
    following = next(k for k in order if k != order[0])
    page.wait_for_function(f"() => ({MARKED_INDEX})() === {following}", timeout=15_000)

    # Next sentence: the mark leaves that element once its own sentences are passed
    for _ in range(order.count(following) + 1):
        page.keyboard.press("Alt+Shift+N")
        page.wait_for_timeout(200)
        if marked(page) > following:
            break
    assert marked(page) > following
    page.keyboard.press("Alt+Shift+P")  # back to that element's last sentence
    page.wait_for_function(f"() => ({MARKED_INDEX})() === {following}")
    assert focused_action(page) == "play"

    page.keyboard.press("Enter")  # pause
    assert_status(page, said(app, "Paused"))
    assert page.locator("[data-speech-action=play]").inner_text() == said(app, "Continue")
    assert focused_action(page) == "play"
    assert marked(page) == following  # the mark stays on the sentence paused at


@pytest.mark.parametrize("path", PAGES)
def test_server_and_browser_number_the_same_elements(open_page, path):
    page = open_page(path)
    if path == "/sign-in":  # with errors: error summary, hints and messages
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
    script = page.evaluate(SCRIPT)
    texts = page.evaluate(f"() => ({ELEMENTS})().map(el => el.innerText || el.alt || '')")
    for sentence in script["sentences"]:
        own = NORMAL.sub("", texts[sentence["element"]])
        assert NORMAL.sub("", sentence["text"]) in own or not own, sentence


def test_point_to_read_reads_the_label_of_the_focused_field(open_page):
    page = open_page("/sign-in")
    script = page.evaluate(SCRIPT)
    label_index = page.evaluate(f"""() => ({ELEMENTS})().indexOf(
        document.querySelector('label[for=login]'))""")
    assert any(s["element"] == label_index for s in script["sentences"])
    page.keyboard.press("Alt+Shift+Z")
    assert page.locator("[data-speech-action=point]").get_attribute("aria-pressed") == "true"
    with page.expect_request(re.compile(r"/speech/[0-9a-f]{32}/\d+\.mp3")):
        page.focus("#login")
        page.wait_for_function(f"() => ({MARKED_INDEX})() === {label_index}")
    assert page.evaluate("() => document.activeElement.id") == "login"


def test_the_marked_sentence_shows_in_forced_colours(open_page):
    page = open_page("/speech/help")
    page.emulate_media(forced_colors="active")
    page.locator("[data-speech-action=play]").click()
    page.wait_for_selector(".speech-current")
    outline = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('.speech-current'));
        return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert outline == ["dashed", 3]


@pytest.mark.parametrize("speech", [False, True], ids=["speech-off", "speech-on"])
def test_without_javascript_the_link_serves_the_pages_audio(open_page, speech):
    page = open_page("/speech/help", js="off", speech=speech)
    link = page.locator("a.speech-player__link")
    assert link.count() == 1
    href = link.get_attribute("href")
    response = page.context.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "audio/mpeg"
    sound = miniaudio.decode(response.body(), nchannels=1, sample_rate=16000)
    assert sound.duration > 5
    audio = page.locator("audio.speech-player__audio")
    assert audio.count() == (1 if speech else 0)
    if speech:
        assert audio.get_attribute("src") == href
        assert audio.get_attribute("preload") == "none"


def media_aware_structure(page, app, url) -> list[dict]:
    """The checklist for a page with <audio controls> (JS off, speech on). That element
    has several Tab stops of its own (its shadow buttons), which the checklist's Tab
    walk takes for the walk coming round again; so here reachability is checked by
    pressing Tab enough times, and the audio control's own focus ring is Chromium's."""
    problems = (check_facts(page, functools.partial(wording, app)) + check_reflow(page)
                + check_text_spacing(page) + check_requests(page.yiban_requests, url))
    focusable = page.evaluate(FOCUSABLE)
    reached = set()
    for _ in range(len(focusable) + 10):
        page.keyboard.press("Tab")
        reached.add(page.evaluate(
            "() => Array.prototype.indexOf.call(document.querySelectorAll('*'), "
            "document.activeElement)"))
    return problems + [{"message": f"cannot be reached with Tab: {f['name']}"}
                       for f in focusable if f["index"] not in reached]


@pytest.mark.parametrize("js", ["on", "off"])
@pytest.mark.parametrize("speech", [False, True], ids=["speech-off", "speech-on"])
def test_axe_and_structure_with_the_player(open_page, browser, speech_server, js, speech):
    app, url = speech_server
    auditor = Auditor(browser, url)
    try:
        # the help page (a table, the expanded player) with JS; with JS off a form
        # after the audio control, which must stay reachable by keyboard
        for path in (("/speech/help",) if js == "on" else ("/sign-in",)):
            page = open_page(path, js=js, speech=speech)
            if js == "on":
                page.locator("[data-speech-action=point]").wait_for(state="attached")
            auditor.audit(page, f"speech player on {path}")
            if js == "off" and speech:
                problems = media_aware_structure(page, app, url)
            else:
                problems = check_structure(page, functools.partial(wording, app), url,
                                           page.yiban_requests)
            assert not problems, "\n".join(p["message"] for p in problems)
    finally:
        auditor.close()


def test_expanded_player_targets_are_at_least_44_px(open_page):
    page = open_page("/speech/help", speech=True)
    sizes = page.evaluate("""() => [...document.querySelectorAll(
        '.speech-controls button, .speech-controls select, .speech-controls a')]
        .map(el => { const r = el.getBoundingClientRect(); return [el.textContent.trim(), r.width, r.height]; })""")
    assert len(sizes) == 6
    small = [s for s in sizes if s[1] < 44 or s[2] < 44]
    assert not small, small


MP3 = re.compile(r"/speech/[0-9a-f]{32}/\d+\.mp3")


def test_a_device_voice_for_the_pages_language_reads_and_marks_each_sentence(open_page):
    page = open_page("/speech/help", device_voice="zh-CN")
    script = page.evaluate(SCRIPT)
    main = [s for s in script["sentences"] if s["main"]]
    page.locator("[data-speech-action=play]").click()
    page.wait_for_function(f"() => window.spoken.length >= {len(main)}", timeout=20_000)
    assert page.evaluate("() => window.spoken") [:len(main)] == [s["speech"] for s in main]
    assert not [u for u in page.yiban_requests if MP3.search(u)], "server audio was fetched"


@pytest.mark.parametrize("why", ["server voice chosen", "no device voice for the language"])
def test_otherwise_the_server_audio_reads(open_page, why):
    if why == "server voice chosen":
        page = open_page("/speech/help", voice="server", device_voice="zh-CN")
    else:
        page = open_page("/speech/help", voice="device", device_voice="ug")
    script = page.evaluate(SCRIPT)
    first = next(s for s in script["sentences"] if s["main"])
    with page.expect_request(MP3):
        page.locator("[data-speech-action=play]").click()
    page.wait_for_function(f"() => ({MARKED_INDEX})() === {first['element']}")
    assert page.evaluate("() => window.spoken") == []


def test_point_to_read_uses_the_device_voice_too(open_page):
    page = open_page("/sign-in", device_voice="zh-CN")
    script = page.evaluate(SCRIPT)
    label_index = page.evaluate(f"""() => ({ELEMENTS})().indexOf(
        document.querySelector('label[for=login]'))""")
    label = [s["speech"] for s in script["sentences"] if s["element"] == label_index]
    page.keyboard.press("Alt+Shift+Z")
    page.focus("#login")
    page.wait_for_function(f"() => ({MARKED_INDEX})() === {label_index}")
    page.wait_for_function(f"() => window.spoken.includes({label[0]!r})")


def test_the_status_region_exists_only_while_there_is_news(open_page, speech_server):
    app, _ = speech_server
    page = open_page("/speech/help", device_voice="zh-CN")
    assert page.locator("[role=status], [aria-live]").count() == 0, "a live region while idle"
    page.locator("[data-speech-action=play]").click()
    page.wait_for_function(f"() => document.querySelector('[data-speech-status]')"
                           f"?.textContent === {said(app, 'Finished reading')!r}", timeout=20_000)
    page.locator("[data-speech-status]").wait_for(state="detached", timeout=15_000)
