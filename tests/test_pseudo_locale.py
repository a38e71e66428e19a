"""No visible text outside the catalogues: every page rendered in a pseudo-locale.

The pseudo-locale's translations wrap every catalogue message as ⟦message⟧ (placeholders
are filled in as usual, so a message inside another stays nested: ⟦Helper: ⟦…⟧⟧). The
pages of the route matrix (every route of the URL map, as the visitor who may open it),
every question page, and the states with errors are rendered with it; then the visible
text is read: text nodes (outside <script> and <style>; <template> content counts, a
script shows it), <title>, and the alt, title, aria-label, placeholder and data-text-*
attributes. Taken out before looking: ⟦…⟧, fragments that carry their own `lang`
(platform content in Chinese, the language names of the switch), <kbd> key caps, and
what is data, not wording: digits and punctuation, application and helper codes,
masked identifiers, the demo people's names and addresses, answers typed in the tests,
the month and day names of dates and the "and" of lists (Babel formats those).
Whatever letters remain were written into a template or the code without a catalogue:
the test names them.

The pseudo-locale is en_001 ("English (world)"): a locale Babel knows (dates and
numbers format) that the platform has no content for, so all platform content comes
in Chinese and must be marked with its `lang` (a fragment not marked fails too)."""
from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

import pytest
from babel import Locale
from babel.support import NullTranslations
from flask_babel import get_domain

from app.forms.identifiers import mask_name
from conftest import (CHEN, LI, LIU, WANG, WU, ZHANG, ZHAO, ZHOU, VALID_ANSWERS,
                      browser_with_copy_of, csrf_token, seed_catalogue, _seed_yaml)
from test_route_matrix import OK, ROLES, TABLE, route_url, world  # noqa: F401 (fixture)

PSEUDO = "en_001"
PSEUDO_TAG = "en-001"
OPEN, CLOSE = "⟦", "⟧"


class PseudoTranslations(NullTranslations):
    """Every message wrapped in ⟦ ⟧; plurals pick msgid or msgid_plural as English does."""

    def gettext(self, message):
        return f"{OPEN}{message}{CLOSE}"

    def ngettext(self, singular, plural, n):
        return f"{OPEN}{singular if n == 1 else plural}{CLOSE}"

    def pgettext(self, context, message):
        return self.gettext(message)

    def npgettext(self, context, singular, plural, n):
        return self.ngettext(singular, plural, n)

    ugettext = gettext
    ungettext = ngettext


# ---- reading the visible text ---------------------------------------------------------------
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


class _VisibleText(HTMLParser):
    """The page's visible text as one stream (so a message interrupted by a marked
    fragment is still one ⟦…⟧), and its attribute texts one by one."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stream: list[str] = []
        self.title: list[str] = []
        self.attributes: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        skip = (self.skipping or tag in ("script", "style", "kbd")
                or (lang is not None and tag != "html" and lang != PSEUDO_TAG))
        if not skip:
            for name, value in attrs.items():
                if value and (name in _ATTRIBUTES or name.startswith("data-text-")
                              and name != "data-text-size"):  # a display setting's value
                    self.attributes.append(value)
        if tag not in _VOID:
            self.stack.append((tag, skip))
        self.stream.append(" ")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break
        self.stream.append(" ")

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "title":
            self.title.append(data)
        elif not self.skipping:
            self.stream.append(data)


def unwrapped(text: str) -> str:
    """The text outside every ⟦…⟧ (nested ones included)."""
    depth, kept = 0, []
    for ch in text:
        if ch == OPEN:
            depth += 1
        elif ch == CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            kept.append(ch)
    return "".join(kept)


@cache
def known_data() -> tuple[str, ...]:
    """User data and demo data that pages show as they are, longest first."""
    people = _seed_yaml("people.yaml")
    values = {"photo.png", "big.png", "13912345678", *[v for v in VALID_ANSWERS.values() if isinstance(v, str)],
              *VALID_ANSWERS["address"].values()}
    for person in (*people["citizens"], *people.get("helpers", [])):
        for key in ("name", "organisation", "code"):
            if person.get(key):
                values.add(str(person[key]))
        if person.get("name"):
            values.add(mask_name(person["name"]))
        address = person.get("address")
        if isinstance(address, dict):
            values.update(str(v) for v in address.values())
        elif address:
            values.add(str(address))
    for citizen in (ZHANG, WANG, LI, ZHAO, CHEN, LIU, ZHOU, WU):
        values.add(citizen.name)
    return tuple(sorted(values, key=len, reverse=True))


@cache
def seed_texts() -> tuple[str, ...]:
    """Every text of the seed catalogue and its phrasebook, longest first. Only for the
    <title>, which cannot mark the language of a part (question – service)."""
    from app.platform.embedded.seed import phrasebook
    texts: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            texts.add(value.strip())
    walk(_seed_yaml("services.yaml"))
    walk(phrasebook())
    texts.update(phrasebook())
    return tuple(sorted(texts, key=len, reverse=True))


@cache
def date_words() -> set[str]:
    """Month, day and period names of the pseudo-locale (Babel's dates), and the words
    Babel joins lists with ("A, B and C": the `join_list` filter)."""
    locale = Locale.parse(PSEUDO)
    words = set()
    for table in (locale.months, locale.days):
        for context in table.values():
            for width in context.values():
                words.update(width.values())
    for context in locale.day_periods.values():
        for width in context.values():
            words.update(width.values())
    for pattern in locale.list_patterns.get("standard", {}).values():
        words.update(re.sub(r"\{\d\}", " ", pattern).split())
    return {w.lower().strip(".") for w in words}


_DATA_TOKEN = re.compile(r"[\W\d_]+|[A-Z]{2}\d+|\d+[\dXx*]*|\*+\d*|[\d.]+×", re.UNICODE)


def leftovers(html: str) -> list[str]:
    """Visible text that came from no catalogue message."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    found = []
    title = "".join(parser.title)
    for text in ["".join(parser.stream), title, *parser.attributes]:
        rest = unwrapped(text)
        for value in known_data() + (seed_texts() if text is title else ()):
            rest = rest.replace(value, " ")
        for token in rest.split():
            token = token.strip("()[]{}.,:;!?，。：；！？、“”‘’\"'·–—-")
            if not token or _DATA_TOKEN.fullmatch(token) or token.lower() in date_words():
                continue
            found.append(token)
    return found


# ---- the pages ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pseudo(world):
    app = world["app"]
    app.config["LOCALES"] = [*app.config["LOCALES"], PSEUDO]
    with app.test_request_context("/"):
        get_domain().cache[PSEUDO, "messages"] = PseudoTranslations()
    yield world


def client_as(world, role):
    data, _token = world["sessions"][role]
    client = browser_with_copy_of(world["app"], data)
    client.set_cookie("yiban_lang", PSEUDO)
    return client


def assert_all_wrapped(url: str, response) -> None:
    assert response.status_code in (200, 400, 404, 413, 429), (url, response.status_code)
    html = response.get_data(as_text=True)
    assert f'lang="{PSEUDO_TAG}"' in html[:300], f"{url}: not rendered in the pseudo-locale"
    left = leftovers(html)
    assert not left, (f"{url}: text outside the catalogues (wrap it in _() or mark its "
                      f"language): {sorted(set(left))}")


def html_routes():
    """(endpoint, role that may open it) for every GET route of the route matrix that
    answers a page (the speech audio and scripts are not pages, nor are offline entry's
    worker, manifest and JSON, nor the load balancer's and Prometheus's probes, which
    answer machines in JSON or text and are never translated)."""
    not_pages = ("offline.service_worker", "offline.manifest", "offline.rules",
                 "offline.status",
                 "operations.healthz", "operations.readyz", "operations.metrics")
    for (endpoint, method), outcomes in sorted(TABLE.items()):
        if method != "GET" or endpoint.startswith("speech.") and endpoint != "speech.help" \
                or endpoint in not_pages:
            continue
        role = next((r for r in ("citizen", "helper_acting", "helper_without_consent",
                                 "anonymous") if outcomes[r] == OK), None)
        if role:
            yield pytest.param(endpoint, role, id=f"{endpoint}-{role}")


@pytest.mark.parametrize("endpoint, role", list(html_routes()))
def test_every_page_is_in_the_catalogues(pseudo, endpoint, role):
    url = route_url(pseudo["app"], endpoint, pseudo["args"])
    assert_all_wrapped(url, client_as(pseudo, role).get(url))


QUESTION_PAGES = [pytest.param(code, q["key"], id=f"{code}/{q['key']}")
                  for code, questions in seed_catalogue() for q in questions]


@pytest.mark.parametrize("code, key", QUESTION_PAGES)
def test_every_question_page_is_in_the_catalogues(pseudo, code, key):
    url = f"/apply/{code}/{key}"
    response = client_as(pseudo, "citizen").get(url)
    if response.status_code == 302:  # a question this citizen is not asked
        pytest.skip(f"{url} redirects for this citizen")
    assert_all_wrapped(url, response)


EXTRA_PAGES = [
    ("anonymous", "/search?q=退休"), ("anonymous", "/search?q=火星"),
    ("anonymous", "/search?q=长辈版"), ("anonymous", "/sign-in?expired=1&next=/my/"),
    ("anonymous", "/no-such-page"), ("anonymous", "/services/no-such-service"),
    ("citizen", "/"), ("citizen", "/apply/retirement/check"), ("helper_acting", "/"),
    ("helper_without_consent", "/helper/"),
]


@pytest.mark.parametrize("role, url", EXTRA_PAGES)
def test_more_states_are_in_the_catalogues(pseudo, role, url):
    assert_all_wrapped(url, client_as(pseudo, role).get(url))


@pytest.mark.parametrize("role, url, data", [
    ("citizen", "/apply/retirement/mobile", {"mobile": "123"}),
    ("citizen", "/apply/retirement/home_address", {"home_address-region": ""}),
    ("citizen", "/apply/retirement/check", {"submission_key": "not-this-one"}),
    ("anonymous", "/sign-in", {"login": "13800000001", "password": "wrong"}),
    ("anonymous", "/sign-in", {}),
    ("anonymous", "/helper/sign-in", {"login": "HB1001", "password": "wrong"}),
    ("citizen", "/my/helpers/new", {"helper": "HB9999", "scope": "all", "hours": "24"}),
    ("helper_acting", "/helper/in-person", {"login": "x", "password": "y"}),
])
def test_pages_with_errors_are_in_the_catalogues(pseudo, role, url, data):
    client = client_as(pseudo, role)
    page = client.get(url)
    # Each case is a form its role may open, posted with answers it must refuse: a 500
    # (or anything else) is a failure, never a skip.
    assert page.status_code == 200, (url, role, page.status_code)
    response = client.post(url, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code != 302, f"{url}: the post was accepted, it shows no errors"
    assert_all_wrapped(url, response)


def test_a_stale_form_is_in_the_catalogues(pseudo):
    response = client_as(pseudo, "citizen").post("/sign-out", data={"csrf_token": "stale"})
    assert_all_wrapped("/sign-out (stale token)", response)


# ---- the test's own reading ---------------------------------------------------------------------
def test_the_reading_finds_an_unwrapped_literal_and_passes_marked_content():
    page = (f'<html lang="{PSEUDO_TAG}"><head><title>⟦Title⟧ – ⟦Yiban⟧</title></head><body>'
            '<p>⟦Type words, for example <span lang="zh-Hans-CN">退休</span>, or tx⟧</p>'
            '<p>⟦Helper: ⟦周建华 (⟦volunteer⟧)⟧⟧</p><p>YB20261126000001 · 138****0001</p>'
            '<script>var x = "not text";</script><kbd>Alt</kbd>'
            '<button aria-label="Close">⟦Close⟧</button><p>返回 Back</p></body></html>')
    assert sorted(leftovers(page)) == ["Back", "Close", "返回"]
    # A service name is allowed in the title (it cannot be marked there), not in the body.
    page = (f'<html lang="{PSEUDO_TAG}"><head><title>⟦Apply⟧ – 退休一件事</title></head>'
            '<body><h1>退休一件事</h1></body></html>')
    assert leftovers(page) == ["退休一件事"]
