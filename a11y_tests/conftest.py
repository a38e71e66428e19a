"""Fixtures for the browser audits: one live server and one Chromium per session, a
JavaScript-on and a JavaScript-off browser for every test, and the seeded history
(saved answers, drafts, sent applications) made once per session and mode."""
from __future__ import annotations

import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app import create_app

from .audit import seeded_once
from .modes import STANDARD, apply, mode_problem
from .seeding import Seed, bring_to_state, sign_in_as
from .support import (
    APPLICANT,
    CHROMIUM,
    CHROMIUM_ARGS,
    CONTEXT_OPTIONS,
    NEWCOMER,
    Auditor,
    sign_in,
    tab,
)

AUDITOR: Auditor | None = None


@dataclass
class LiveServer:
    url: str
    app: object


# The platform's events become messages in the background worker's thread: in a
# moment here, so a test waiting for a message does not wait long.
QUICK_BACKGROUND = {"MESSAGES_SYNC_SECONDS": 0.3, "WORKER_TICK_SECONDS": 0.2}


# The fixtures whose tests may read the applicant's seeded history.
SEEDED_FIXTURES = {"open_state", "applicant", "helper_context", "acting_context"}


@pytest.fixture(scope="session")
def seeded(request, tmp_path_factory):
    """(folder, {js: Seed fields}): the applicant's history seeded through the real
    pages once for the whole run (audit.seeded_once) and copied by every xdist
    worker's live server, instead of seeded by each worker for each JS setting; None
    when no collected test reads it. In YIBAN_A11Y_SEEDED_DATA when set (CI: the audit
    command then reuses it with --seeded-data)."""
    if not any(SEEDED_FIXTURES & set(item.fixturenames) for item in request.session.items):
        return None
    folder = os.environ.get("YIBAN_A11Y_SEEDED_DATA")  # CI's, shared with its audit
    if folder is None:
        root = tmp_path_factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):
            root = root.parent  # the folder every worker of this run shares
        folder = root / "seeded"
    folder = Path(folder)
    return folder, seeded_once(folder, ["on", "off"])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, seeded):
    """The real app on a free local port, with its data in a fresh temporary folder
    (a copy of the seeded one)."""
    data_dir = tmp_path_factory.mktemp("yiban-a11y-data")
    if seeded is not None:
        shutil.copytree(seeded[0] / "data", data_dir, dirs_exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIBAN_DATA_DIR", str(data_dir))
        app = create_app(QUICK_BACKGROUND)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server",
                                  daemon=True)
        thread.start()
        try:
            yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
        finally:
            server.shutdown()
            thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright():
    """One Playwright per test process: its sync API cannot be started twice at once."""
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser(playwright):
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                          headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session", params=["on", "off"])
def js(request):
    """Every test runs with JavaScript on and with JavaScript off (unless marked
    only_js: see below)."""
    return request.param


def pytest_configure(config):
    config.addinivalue_line("markers", "only_js(*modes): run the test (or the "
                            "pytest.param it marks) only with JavaScript in these modes")


def pytest_collection_modifyitems(config, items):
    """Deselect the JavaScript modes a test (or a case of it) is not for. (Not by
    parametrizing `js` in the test itself: that would make every session-scoped browser,
    sign-in and seeded history anew for each test.)"""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("only_js")
        callspec = getattr(item, "callspec", None)
        js_mode = callspec.params.get("js") if callspec else None
        (dropped if marker and js_mode and js_mode not in marker.args else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def new_context(browser, live_server):
    """new_context(js): a browser context on the live server; closed at the end."""
    made = []

    def make(js):
        context = browser.new_context(base_url=live_server.url,
                                      java_script_enabled=(js == "on"), **CONTEXT_OPTIONS)
        context.yiban_js = js
        context.set_default_timeout(15_000)  # a shared, busy machine
        made.append(context)
        return context

    yield make
    for context in made:
        try:
            context.close()
        except Exception:  # already closed by its test
            pass


@pytest.fixture(scope="session")
def auditor(browser, live_server):
    global AUDITOR
    AUDITOR = Auditor(browser, live_server.url)
    yield AUDITOR
    AUDITOR.close()


@pytest.fixture(scope="session")
def audit(auditor):
    """audit(page, label): assert axe finds no violation on the page as its user has it."""
    return auditor.audit


REVIEW_REPORT = Path(__file__).resolve().parent.parent / "a11y-report" / "axe-needs-review.txt"


def pytest_terminal_summary(terminalreporter):
    if AUDITOR is not None and AUDITOR.stats.runs:
        stats = AUDITOR.stats
        terminalreporter.write_line(
            f"axe runs: {stats.runs}, pages: {len(stats.states)} page states "
            f"on {len(stats.paths)} distinct paths")
        REVIEW_REPORT.unlink(missing_ok=True)
        if stats.needs_review:
            stats.write_review(REVIEW_REPORT)
            terminalreporter.write_line(
                f"axe needs review (not failures): {', '.join(sorted(stats.needs_review))}"
                f" – see {REVIEW_REPORT}")


# ---- who is using the browser -------------------------------------------------------
@pytest.fixture(scope="session")
def js_on_context(new_context):
    """A browser with JavaScript on; nobody signed in."""
    return new_context("on")


@pytest.fixture(scope="session")
def js_off_context(new_context):
    """A browser with JavaScript off (the page's scripts never run); nobody signed in."""
    return new_context("off")


@pytest.fixture(scope="session")
def anon_context(js, request):
    """The JS-on or JS-off browser, as the test's `js` parameter says."""
    return request.getfixturevalue(f"js_{js}_context")


def signed_in_context(new_context, js, citizen):
    context = new_context(js)
    sign_in(tab(context), citizen.mobile, citizen.password)
    return context


@pytest.fixture(scope="session")
def newcomer_context(js, new_context):
    return signed_in_context(new_context, js, NEWCOMER[js])


@pytest.fixture(scope="session")
def applicant(js, new_context, seeded):
    """A citizen with history, made once per run through the real pages (the
    `seeded` fixture): a saved answer on each field-type question, a complete unsent
    application and sent ones (moved on by the platform, open, withdrawn, ...)."""
    if seeded is None:
        pytest.fail("the history was not seeded: name the fixture that asks for "
                    "`applicant` in SEEDED_FIXTURES")
    return signed_in_context(new_context, js, APPLICANT[js]), Seed(**seeded[1][js])


def helper_context_for(who, js, new_context, request):
    context = new_context(js)
    seed = sign_in_as(who, tab(context), js, lambda: request.getfixturevalue("applicant")[1])
    return context, seed


@pytest.fixture(scope="session")
def helper_context(js, new_context, request):
    """The helper whom the applicant authorised in the seed, on their worklist."""
    return helper_context_for("helper", js, new_context, request)


@pytest.fixture(scope="session")
def acting_context(js, new_context, request):
    """That helper, acting for the applicant (every page carries the banner)."""
    return helper_context_for("acting", js, new_context, request)


# ---- a page in a given state -------------------------------------------------------
@pytest.fixture
def open_state(js, request, new_context, live_server):
    """open_state(state, mode=None): the tab of the state's browser, brought to the
    state the way a person gets there, and checked to really be in it; with a display
    mode (modes.py), in that mode (the shared browsers go back to the standard mode
    after the test)."""
    opened, moded = [], []

    def _open(state, mode=None):
        if js not in state.modes:
            pytest.skip(f"{state.id} exists only with JavaScript {' / '.join(state.modes)}")
        seed = Seed(js)
        if state.who == "anon":
            context = request.getfixturevalue("anon_context")
        elif state.who == "newcomer":
            context = request.getfixturevalue("newcomer_context")
        elif state.who == "applicant":
            context, seed = request.getfixturevalue("applicant")
        elif state.who in ("helper", "acting"):
            context, seed = request.getfixturevalue(f"{state.who}_context")
        else:  # fresh
            context = new_context(js)
            opened.append(context)
        if mode is not None:
            apply(context, live_server.url, mode)
            if context not in opened:
                moded.append(context)
        page = tab(context)
        expected_path = urlsplit(state.url_for(seed)).path
        if seed.problem(expected_path):
            pytest.fail(f"{state.id}: its history could not be seeded: "
                        f"{seed.problem(expected_path)}")
        bring_to_state(page, state, seed)
        if mode is not None and state.keeps_display_mode:
            problem = mode_problem(page, mode)
            if problem:
                pytest.fail(f"{state.id}: {problem}")
        return page

    yield _open
    for context in moded:
        apply(context, live_server.url, STANDARD)
    for context in opened:
        context.close()
