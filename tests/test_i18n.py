"""Four languages (简体中文, 繁體中文, English, ئۇيغۇرچە): which one a visitor gets and
why, right-to-left pages, Uyghur plurals and dates, the voice each language is read
in, the language switch on a half-filled question page, and the seed translations."""
from __future__ import annotations

import importlib.util
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from babel import Locale
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from app.core.i18n import locale_for_tag, negotiate, stored_language, text_direction
from app.display.preferences import DisplayPreferences
from app.platform.embedded.seed import phrasebook
from app.speech import audio as speech_audio
from app.speech import engine, script
from app.speech.voices import voice_for
from app.core.templating import long_date, month_year
from conftest import (BRAND, WANG, ZHANG, ZHOU, csrf_token, html_lang, input_value, path_of,
                      post_with_csrf,
                      sign_in_as, sign_in_as_helper, text_of, title)

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["zh_Hans_CN", "zh_Hant", "en", "ug"]
FSI, PDI = "\u2068", "\u2069"


def page_dir(html: str) -> str | None:
    match = re.search(r"<html[^>]*\sdir=\"([^\"]+)\"", html)
    return match.group(1) if match else None


def lang_cookie(response) -> str | None:
    match = re.search(r"yiban_lang=([^;]*)", response.headers.get("Set-Cookie", ""))
    return match.group(1) if match else None


# ---- negotiation: Accept-Language tags ------------------------------------------------
@pytest.mark.parametrize("tag, locale", [
    ("zh-TW", "zh_Hant"), ("zh-HK", "zh_Hant"), ("zh-MO", "zh_Hant"), ("zh-Hant", "zh_Hant"),
    ("zh-Hant-TW", "zh_Hant"), ("zh-Hant-CN", "zh_Hant"), ("yue", "zh_Hant"),
    ("yue-HK", "zh_Hant"), ("zh", "zh_Hans_CN"), ("zh-CN", "zh_Hans_CN"),
    ("zh-Hans", "zh_Hans_CN"), ("zh-Hans-HK", "zh_Hans_CN"), ("zh-SG", "zh_Hans_CN"),
    ("ug", "ug"), ("ug-CN", "ug"), ("ug-Arab-CN", "ug"), ("UG", "ug"),
    ("en", "en"), ("en-GB", "en"), ("en-US", "en"), ("fr", None), ("ja-JP", None),
])
def test_accept_language_tag_maps_to_a_locale(tag, locale):
    assert locale_for_tag(tag, LOCALES) == locale


def test_the_first_supported_language_in_the_browsers_order_wins():
    assert negotiate([("fr-FR", 1), ("ug", 0.8), ("en", 0.5)], LOCALES) == "ug"
    assert negotiate([("*", 1), ("zh-HK", 0.9)], LOCALES) == "zh_Hant"
    assert negotiate([("fr", 1), ("de", 0.5)], LOCALES) is None


@pytest.mark.parametrize("header, lang", [
    ("zh-TW,zh;q=0.9", "zh-Hant"), ("zh-HK", "zh-Hant"), ("ug-CN,ug;q=0.9", "ug"),
    ("zh-CN", "zh-Hans-CN"), ("en-GB,en;q=0.9", "en"), ("fr-FR", "zh-Hans-CN"),
])
def test_first_visit_follows_the_browser(module_app, header, lang):
    html = module_app.test_client().get("/", headers={"Accept-Language": header})
    assert html_lang(html.get_data(as_text=True)) == lang


def test_every_language_switch_link_is_on_the_page(module_app):
    html = module_app.test_client().get("/").get_data(as_text=True)
    for code, name in (("zh_Hans_CN", "简体中文"), ("zh_Hant", "繁體中文"), ("en", "English"),
                       ("ug", "ئۇيغۇرچە")):
        tag = code.replace("_", "-")
        assert re.search(rf'<a class="site-nav__link" lang="{tag}" hreflang="{tag}"\s+'
                         rf'href="/language/{code}\?next=/"[^>]*>{name}</a>', html), code


@pytest.mark.parametrize("locale", LOCALES)
def test_each_language_has_its_brand_and_tags(module_app, locale):
    client = module_app.test_client()
    client.set_cookie("yiban_lang", locale)
    html = client.get("/").get_data(as_text=True)
    assert html_lang(html) == locale.replace("_", "-")
    assert page_dir(html) == ("rtl" if locale == "ug" else "ltr")
    assert title(html).endswith(" – " + {"zh_Hant": "易辦", "ug": "يىبەن"}.get(
        locale, BRAND.get(locale, "")))


# ---- negotiation: cookie > account > Accept-Language > default -----------------------------
def test_a_citizens_switch_is_kept_with_their_account_and_applied_at_sign_in(app):
    first = app.test_client()
    sign_in_as(first, ZHANG)
    response = post_with_csrf(first, "/language/ug?next=/my/", page="/my/")
    assert lang_cookie(response) == "ug"
    with app.app_context():
        assert stored_language(ZHANG.id) == "ug"
    # Another browser, which asks for English: signing in brings the account's choice.
    other = app.test_client()
    headers = {"Accept-Language": "en"}
    assert html_lang(other.get("/", headers=headers).get_data(as_text=True)) == "en"
    response = sign_in_as(other, ZHANG)
    assert lang_cookie(response) == "ug"
    assert html_lang(other.get("/", headers=headers).get_data(as_text=True)) == "ug"


def test_the_account_preference_beats_accept_language_without_a_cookie(app):
    client = app.test_client()
    sign_in_as(client, ZHANG)
    post_with_csrf(client, "/language/zh_Hant?next=/", page="/")
    client.delete_cookie("yiban_lang")
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(html) == "zh-Hant"
    client.post("/sign-out", data={"csrf_token": csrf_token(html)})
    # Signed out, nobody's account speaks: the browser's language again.
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(html) == "en"


def test_the_cookie_beats_the_account_preference(app):
    client = app.test_client()
    sign_in_as(client, ZHANG)
    post_with_csrf(client, "/language/ug?next=/", page="/")
    client.set_cookie("yiban_lang", "en")  # e.g. chosen again in another tab
    assert html_lang(client.get("/").get_data(as_text=True)) == "en"


def test_a_choice_made_just_before_signing_in_stays(app):
    setter = app.test_client()
    sign_in_as(setter, ZHANG)
    post_with_csrf(setter, "/language/ug?next=/", page="/")
    client = app.test_client()
    client.get("/language/en?next=/sign-in")  # signed out: this browser only
    response = sign_in_as(client, ZHANG)
    assert lang_cookie(response) is None
    assert html_lang(client.get("/").get_data(as_text=True)) == "en"
    with app.app_context():
        assert stored_language(ZHANG.id) == "ug"


def test_a_switch_while_signed_out_is_not_stored_for_anyone(app):
    client = app.test_client()
    client.get("/language/ug?next=/")
    sign_in_as(client, ZHANG)
    with app.app_context():
        assert stored_language(ZHANG.id) is None


def test_a_helper_switching_language_does_not_change_the_citizens(app):
    app.extensions["consents"].grant(WANG.id, ZHOU.id, None, 24, "remote")
    helper = app.test_client()
    sign_in_as_helper(helper, ZHOU)
    page = helper.get("/helper/").get_data(as_text=True)
    authorisation = re.search(r'action="/helper/act/(\d+)"', page).group(1)
    helper.post(f"/helper/act/{authorisation}", data={"csrf_token": csrf_token(page)})
    response = helper.get("/language/ug?next=/my/")
    assert lang_cookie(response) == "ug"
    with app.app_context():
        assert stored_language(WANG.id) is None


# ---- the switch on a half-filled question page ------------------------------------------
def test_switching_language_on_a_half_filled_question_keeps_the_answers(app):
    client = app.test_client()
    sign_in_as(client, ZHANG)
    url = "/apply/retirement/home_address"
    html = client.get(url).get_data(as_text=True)
    # Without JavaScript the switch is a submit button of the question's form.
    assert re.search(r'<form id="question-form" method="post"', html)
    assert re.search(r'<button class="site-nav__link site-nav__button" type="submit"\s+'
                     r'form="question-form" name="yiban_language" value="ug"', html)
    response = client.post(url, data={"csrf_token": csrf_token(html),
                                      "home_address-region": "新疆维吾尔自治区乌鲁木齐市天山区",
                                      "home_address-detail": "",
                                      "yiban_language": "ug"})
    assert response.status_code == 302
    assert path_of(response.location) == url  # the same question, nothing validated
    assert lang_cookie(response) == "ug"
    html = client.get(url).get_data(as_text=True)
    assert html_lang(html) == "ug" and page_dir(html) == "rtl"
    assert input_value(html, "home_address-region") == "新疆维吾尔自治区乌鲁木齐市天山区"
    assert input_value(html, "home_address-detail") == ""
    assert 'class="error-summary"' not in html
    assert 'class="notification"' not in html  # not the "your sign-in had expired" notice
    # The answer is not saved as given: Continue still checks it, now in Uyghur.
    draft = app.extensions["front_store"].open_draft(ZHANG.id, "retirement")
    assert "home_address" not in draft.answers


def test_enter_in_a_text_box_continues_rather_than_switching_language(app):
    # Implicit submission clicks the form's first submit button in page order; the
    # language buttons come before the form, so a plain one must come before them.
    client = app.test_client()
    sign_in_as(client, ZHANG)
    html = client.get("/apply/retirement/mobile").get_data(as_text=True)
    buttons = re.findall(r'<button[^>]*form="question-form"[^>]*>', html)
    assert buttons and "hidden" in buttons[0] and "name=" not in buttons[0]
    assert all("yiban_language" in b for b in buttons[1:])


def test_switching_language_while_checking_answers_returns_to_check_answers(app):
    client = app.test_client()
    sign_in_as(client, ZHANG)
    url = "/apply/retirement/mobile?return=check"
    html = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(html), "mobile": "1380",
                                      "yiban_language": "zh_Hant"})
    assert path_of(response.location) == url
    html = client.get(url).get_data(as_text=True)
    assert html_lang(html) == "zh-Hant" and input_value(html, "mobile") == "1380"


def test_an_unknown_language_on_a_question_form_is_an_ordinary_answer(app):
    client = app.test_client()
    sign_in_as(client, ZHANG)
    url = "/apply/retirement/mobile"
    html = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(html), "mobile": "12",
                                      "yiban_language": "fr"})
    assert response.status_code == 200  # validated: the error is shown
    assert 'class="error-summary"' in response.get_data(as_text=True)


MATTER = "企业职工基本养老保险待遇申领"  # the first matter of 退休一件事


@pytest.fixture
def untranslated_matter(monkeypatch):
    """As if the platform had no Uyghur for the first matter of 退休一件事 (every seed
    text has one today): it then comes in Chinese."""
    monkeypatch.delitem(phrasebook()[MATTER], "ug")
    return MATTER


# ---- right to left -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ug_site(module_app):
    """张建国 signed in, in Uyghur, with answers up to check answers."""
    client = module_app.test_client()
    sign_in_as(client, ZHANG)
    store = module_app.extensions["front_store"]
    draft = store.start_draft(ZHANG.id, "retirement")
    store.save_answers(draft.id, {"full_name": ZHANG.name, "id_number": ZHANG.id_number,
                                  "mobile": ZHANG.mobile})
    client.set_cookie("yiban_lang", "ug")
    return client


def test_chinese_content_on_a_uyghur_page_is_marked_left_to_right(ug_site, untranslated_matter):
    html = ug_site.get("/services/retirement").get_data(as_text=True)
    assert f'<span lang="zh-Hans-CN" dir="ltr">{untranslated_matter}</span>' in html
    # The name and summary have Uyghur: no mark.
    assert "<h1>پېنسىيەگە چىقىشنى بىر قېتىمدا بېجىرىش</h1>" in html


def test_chinese_content_on_an_english_page_has_no_direction_mark(module_app):
    client = module_app.test_client()
    client.set_cookie("yiban_lang", "en")
    html = client.get("/services/retirement").get_data(as_text=True)
    assert '<span lang="zh-Hans-CN">企业职工基本养老保险待遇申领</span>' in html


def test_identifiers_read_left_to_right_on_check_answers(ug_site):
    html = ug_site.get("/apply/retirement/check").get_data(as_text=True)
    # Each number is isolated left-to-right (<bdi dir="ltr">), shown in groups whose
    # text, read or copied, is the digits in their order.
    isolated = [re.sub(r"<[^>]+>", "", inner) for inner in
                re.findall(r'<bdi class="digits number" dir="ltr">(.*?)</bdi>', html, re.S)]
    for number in (ZHANG.id_number, ZHANG.mobile):
        assert number in isolated, (number, isolated)


@pytest.mark.parametrize("kind", ["id_number", "mobile", "bank_account"])
def test_identifier_inputs_are_left_to_right(module_app_no_csrf, kind):
    from app.forms.builder import build_form
    from app.platform import LocalText, Question
    question = Question(key=kind, type=kind, label=LocalText("?", "ug"))
    with module_app_no_csrf.test_request_context("/"), force_locale("ug"):
        html = str(build_form(question).field(heading=True))
    assert re.search(rf'<input[^>]*name="{kind}"[^>]*\sdir="ltr"', html, re.S)


def test_the_sign_in_name_is_isolated_on_a_uyghur_page_only(module_app):
    client = module_app.test_client()
    sign_in_as(client, ZHANG)
    client.set_cookie("yiban_lang", "ug")
    assert f"{FSI}{ZHANG.name}{PDI}" in client.get("/").get_data(as_text=True)
    client.set_cookie("yiban_lang", "zh_Hans_CN")
    assert FSI not in client.get("/").get_data(as_text=True)


def css_values(value: str) -> list[str]:
    """The space-separated parts of a CSS value, calc(…) and var(…) kept whole."""
    parts, depth, current = [], 0, ""
    for ch in value.strip():
        depth += (ch == "(") - (ch == ")")
        if ch.isspace() and depth == 0:
            if current:
                parts.append(current)
            current = ""
        else:
            current += ch
    return parts + ([current] if current else [])


def test_the_stylesheets_use_logical_properties():
    """No physical left/right in the CSS except the [dir] overrides that exist for RTL."""
    for name in ("yiban.css", "speech.css"):
        css = (ROOT / "static" / "css" / name).read_text(encoding="utf-8")
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        physical = re.findall(r"(?<![\w-])(?:margin|padding|border|inset)-(?:left|right)\b"
                              r"|(?<![\w-])(?:left|right)\s*:|float\s*:\s*(?:left|right)"
                              r"|text-align\s*:\s*(?:left|right)", css)
        allowed = re.findall(r'\[dir="rtl"\][^{]*\{[^}]*text-align:\s*right', css)
        assert len(physical) == len(allowed), (name, physical)
        # Shorthands with four different sides are physical too.
        for value in re.findall(r"(?:margin|padding)\s*:\s*([^;}]+)", css):
            parts = css_values(value.replace("!important", ""))
            assert len(parts) < 4 or parts[1] == parts[3], (name, value)


# ---- Uyghur plurals, dates and numbers ------------------------------------------------------
def test_uyghur_plurals_follow_cldr(module_app):
    with module_app.test_request_context("/"), force_locale("ug"):
        one = ngettext("Finished within %(num)d working day of applying.",
                       "Finished within %(num)d working days of applying.", 1)
        many = ngettext("Finished within %(num)d working day of applying.",
                        "Finished within %(num)d working days of applying.", 22)
    assert one == "ئىلتىماس قىلغاندىن كېيىن 1 خىزمەت كۈنى ئىچىدە تاماملىنىدۇ."
    assert many == "ئىلتىماس قىلغاندىن كېيىن 22 خىزمەت كۈنى ئىچىدە تاماملىنىدۇ."
    with open(ROOT / "locales" / "ug" / "LC_MESSAGES" / "messages.po", "rb") as f:
        assert read_po(f, locale="ug").plural_expr == "(n != 1)"


def test_uyghur_dates_come_from_babel(module_app):
    with module_app.test_request_context("/"), force_locale("ug"):
        assert long_date(date(2027, 4, 8)) == "8-ئاپرېل، 2027"
        assert long_date("2027-04-08") == "8-ئاپرېل، 2027"
        assert month_year(date(2027, 4, 1)) == "2027 ئاپرېل"
    with module_app.test_request_context("/"), force_locale("zh_Hant"):
        assert long_date(date(2027, 4, 8)) == "2027年4月8日"


def test_a_uyghur_page_shows_uyghur_dates(module_app):
    client = module_app.test_client()
    sign_in_as(client, ZHANG)
    client.set_cookie("yiban_lang", "ug")
    html = client.get("/").get_data(as_text=True)
    # 张建国 (born 1966-10) is told in which month he reaches retirement age.
    months = "|".join(Locale.parse("ug").months["stand-alone"]["wide"].values())
    assert re.search(rf"\d{{4}} (?:{months}) ئېيىدا", text_of(html))


@pytest.mark.parametrize("locale, direction", [
    ("ug", "rtl"), ("zh_Hans_CN", "ltr"), ("zh_Hant", "ltr"), ("en", "ltr"), ("xx", "ltr")])
def test_text_direction_comes_from_cldr(locale, direction):
    assert text_direction(locale) == direction


# ---- speech: a voice per language --------------------------------------------------------
MANDARIN = "cmn-latn-pinyin"  # espeak-ng's "cmn" reads most characters as English


@pytest.mark.parametrize("lang, chosen, voice", [
    ("zh-Hans-CN", "cmn", MANDARIN), ("zh-Hans-CN", "yue", MANDARIN), ("zh", "yue", MANDARIN),
    ("zh-Hant", "cmn", MANDARIN), ("zh-Hant", "yue", "yue"), ("zh-HK", "yue", "yue"),
    ("zh-Hant-HK", "yue", "yue"), ("zh-TW", "cmn", MANDARIN), ("yue", "cmn", "yue"),
    ("ug", "yue", "ug"), ("ug-CN", "cmn", "ug"), ("en", "yue", "en"), ("en-GB", "cmn", "en"),
    ("", "cmn", MANDARIN), ("fr", "cmn", MANDARIN), ("zh-Hant", "klingon", "yue"),
])
def test_voice_for_each_language(lang, chosen, voice):
    assert voice_for(lang, chosen) == voice


def test_traditional_chinese_is_read_in_cantonese_unless_mandarin_is_chosen():
    assert voice_for("zh-Hant") == "yue"
    assert DisplayPreferences().chinese_voice == "yue"


@pytest.fixture
def voices_used(monkeypatch):
    """The voices the audio of a page asked the engine for (no synthesis)."""
    used: list[tuple[str, str]] = []

    def fake(jobs):
        used.extend((voice, text) for text, voice, _wpm in jobs)
        return [engine.Clip(b"\xff\xf3", 0.1) for _ in jobs]
    monkeypatch.setattr(speech_audio.engine, "synthesise", fake)
    return used


def page_audio(client, url: str):
    html = client.get(url).get_data(as_text=True)
    mp3 = re.search(r'class="speech-player__link" href="([^"]+)"', html).group(1)
    response = client.get(mp3.replace("&amp;", "&"))
    assert response.status_code == 200
    return html


def test_a_uyghur_page_is_read_in_uyghur_with_chinese_fragments_in_mandarin(
        app, voices_used, untranslated_matter):
    client = app.test_client()
    client.set_cookie("yiban_lang", "ug")
    page_audio(client, "/services/retirement")
    voices = {voice for voice, _text in voices_used}
    assert voices == {"ug", MANDARIN}
    assert (MANDARIN, untranslated_matter) in voices_used
    assert ("ug", "پېنسىيەگە چىقىشنى بىر قېتىمدا بېجىرىش") in voices_used


@pytest.mark.parametrize("chosen", ["cmn", "yue"])
def test_traditional_chinese_is_read_in_the_chosen_voice(app, voices_used, chosen):
    client = app.test_client()
    client.set_cookie("yiban_lang", "zh_Hant")
    client.set_cookie("yiban_display", f"chinese_voice={chosen}")
    page_audio(client, "/services/retirement")
    voice = {"cmn": MANDARIN, "yue": "yue"}[chosen]
    assert ("退休一件事", voice) in {(text, v) for v, text in voices_used}
    assert {v for v, _text in voices_used} == {voice}


def test_english_and_simplified_chinese_pages_use_en_and_cmn(app, voices_used):
    client = app.test_client()
    client.set_cookie("yiban_display", "chinese_voice=yue")  # only for 繁體中文
    page_audio(client, "/services/retirement")
    assert {voice for voice, _text in voices_used} == {MANDARIN}
    voices_used.clear()
    client.set_cookie("yiban_lang", "en")
    page_audio(client, "/services/retirement")
    assert {voice for voice, _text in voices_used} == {"en", MANDARIN}  # matter names: Chinese


def test_the_voice_choice_is_offered_on_the_traditional_chinese_settings_page(app):
    client = app.test_client()
    assert 'name="chinese_voice"' not in client.get("/display").get_data(as_text=True)
    client.set_cookie("yiban_lang", "zh_Hant")
    html = client.get("/display").get_data(as_text=True)
    assert re.search(r'name="chinese_voice"\s+type="radio" value="yue"', html)
    response = client.post("/display", data={"chinese_voice": "yue"})
    assert "chinese_voice=yue" in response.headers["Set-Cookie"]
    # Saved again from another language's form (no such field): the choice stays.
    client.set_cookie("yiban_lang", "en")
    client.get("/display")
    response = client.post("/display", data={"text_size": "large"})
    assert "chinese_voice=yue" in response.headers["Set-Cookie"]


def test_the_reading_script_carries_each_fragments_language():
    _lang, sentences = script.build(
        '<html lang="ug" dir="rtl"><body><main><h1>پېنسىيە</h1>'
        '<p><span lang="zh-Hans-CN" dir="ltr">退休一件事</span></p></main></body></html>')
    assert [(s.text, s.lang) for s in sentences] == [
        ("پېنسىيە", "ug"), ("退休一件事", "zh-Hans-CN")]


# ---- translations of the seed catalogue and of the messages -----------------------------
def seed() -> dict:
    with open(ROOT / "app" / "platform" / "embedded" / "seed" / "services.yaml",
              encoding="utf-8") as f:
        return yaml.safe_load(f)


def seed_names_and_summaries() -> list[str]:
    catalogue = seed()
    texts = [e["name"]["zh_Hans_CN"] for e in catalogue["life_events"]]
    for service in catalogue["services"]:
        texts += [service["name"]["zh_Hans_CN"], service["summary"]["zh_Hans_CN"]]
    return [t.strip() for t in texts]


@pytest.mark.parametrize("locale", ["zh_Hant", "ug"])
def test_every_service_and_life_event_has_its_name_and_summary_translated(locale):
    book = phrasebook()
    missing = [t for t in seed_names_and_summaries() if not book.get(t, {}).get(locale)]
    assert not missing, (f"{locale}: no translation in app/platform/embedded/seed/"
                         f"translations.yaml for (run scripts/i18n.sh for zh_Hant; "
                         f"scripts/i18n_tools.py seed-export ug for ug):\n" + "\n".join(missing))


def test_every_chinese_seed_text_has_its_traditional_form():
    """Kept by scripts/i18n.sh (OpenCC): a new seed text needs a run of it."""
    spec = importlib.util.spec_from_file_location("i18n_tools", ROOT / "scripts" / "i18n_tools.py")
    tools = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tools)
    book = phrasebook()
    missing = [t for t in tools.seed_texts() if not book.get(t, {}).get("zh_Hant")]
    assert not missing, "run scripts/i18n.sh; no zh_Hant for:\n" + "\n".join(missing)


def test_the_platform_answers_in_the_asked_language(module_app):
    platform = module_app.extensions["platform"]
    for locale in ("zh_Hant", "ug"):
        service = platform.service("retirement", locale)
        assert service.name.lang == locale and service.summary.lang == locale
        assert service.matters[0].department.lang == locale
    assert platform.service("retirement", "ug").matters[0].name.startswith("كارخانا")


def test_a_text_the_platform_has_not_translated_comes_in_chinese(module_app,
                                                                  untranslated_matter):
    name = module_app.extensions["platform"].service("retirement", "ug").matters[0].name
    assert name == untranslated_matter and name.lang == "zh_Hans_CN"


def test_machine_converted_traditional_chinese_is_in_step_with_simplified():
    """An entry still marked machine-converted must equal OpenCC's conversion of today's
    zh_Hans_CN: when the Simplified text changes, clear the zh_Hant entry and run
    scripts/i18n.sh (reviewed entries, without the mark, are left alone)."""
    opencc = pytest.importorskip("opencc")
    spec = importlib.util.spec_from_file_location("i18n_tools", ROOT / "scripts" / "i18n_tools.py")
    tools = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tools)
    MACHINE_MARK, OPENCC_CONFIG = tools.MACHINE_MARK, tools.OPENCC_CONFIG
    convert = opencc.OpenCC(OPENCC_CONFIG).convert

    def catalogue(locale):
        with open(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
            return read_po(f, locale=locale)
    hans, hant = catalogue("zh_Hans_CN"), catalogue("zh_Hant")
    stale = []
    for message in hant:
        if not message.id or MACHINE_MARK not in message.user_comments:
            continue
        source = hans.get(message.id, message.context)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        sources = source.string if isinstance(source.string, tuple) else (source.string,)
        if any(s and convert(src) != s for s, src in zip(strings, sources)):
            stale.append(message.id)
    assert not stale, f"zh_Hant entries out of step with zh_Hans_CN: {stale}"


@pytest.mark.parametrize("query", ["پېنسىيە", "養老", "退休"])
def test_search_finds_services_by_their_uyghur_and_traditional_names(module_app, query):
    html = module_app.test_client().get("/search", query_string={"q": query})
    assert re.findall(r'class="card__title"><a href="/services/([^"]+)"',
                      html.get_data(as_text=True))[0] == "retirement"
