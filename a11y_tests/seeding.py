"""The seeded history and the bringing of a page into a state, shared by the pytest
fixtures (conftest.py) and the audit command (audit.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .states import FIELD_CASES, question_path
from .support import (
    complete_answers,
    error_summary_focused,
    fill,
    no_server_error,
    send_application,
    submit,
)


@dataclass
class Seed:
    """The numbers of the seeded applications, and what could not be seeded: a page
    that needs a broken part fails with the reason, the other pages are unaffected."""
    js: str
    retirement: str = "unseeded-retirement"  # sent, then moved on twice: a timeline
    open: str = "unseeded-open"  # sent and still open: can be withdrawn
    withdrawn: str = "unseeded-withdrawn"  # sent and withdrawn
    # What failed: a page path, or the name of an application above -> the reason.
    broken: dict = field(default_factory=dict)

    def attempt(self, part, action):
        try:
            return action()
        except Exception as error:  # noqa: BLE001 - reported by the tests that need it
            self.broken[part] = f"{type(error).__name__}: {error}"
            return None

    def problem(self, path: str) -> str | None:
        for part, reason in self.broken.items():
            number = getattr(self, part) if part in ("retirement", "open", "withdrawn") else None
            if part == path or (number and f"/{number}" in path):
                return reason
        return None


def seed_history(page, js: str, platform=None) -> Seed:
    """Through the real pages, in a signed-in tab: a saved answer on each field-type
    question, a complete unsent application and three sent ones (one moved on by the
    platform, one open, one withdrawn). platform: the app's platform extension, to
    move the retirement application on (None, e.g. on a deployment: not moved on)."""
    seed = Seed(js)

    def save(case):
        page.goto(question_path(case))
        fill(page, case.valid)
        submit(page, check=False)  # the answer is saved whatever the next page does
        summary = page.locator("[data-error-summary]")
        assert not summary.count(), summary.inner_text()

    for case in FIELD_CASES:
        seed.attempt(question_path(case), lambda: save(case))
    seed.attempt("/apply/medical-reimbursement/check",
                 lambda: complete_answers(page, "medical-reimbursement"))
    for part, code in (("retirement", "retirement"), ("open", "remote-medical-filing"),
                       ("withdrawn", "social-security-card")):
        number = seed.attempt(part, lambda: send_application(page, code))
        if number:
            setattr(seed, part, number)

    def withdraw():
        page.goto(f"/my/applications/{seed.withdrawn}/withdraw")
        submit(page)
        assert "withdrawn=1" in page.url, page.url
    seed.attempt("withdrawn", withdraw)

    def advance():
        if platform is None:
            raise RuntimeError("the platform cannot be moved on from here "
                               "(auditing a deployment)")
        for _ in range(2):
            assert platform.advance(seed.retirement) == [seed.retirement]
    seed.attempt("retirement", advance)
    return seed


def bring_to_state(page, state, seed) -> None:
    """Bring the tab to the state the way a person gets there, and check it really is
    in it (AssertionError otherwise)."""
    expected_path = urlsplit(state.url_for(seed)).path
    state.open(page, seed)
    no_server_error(page)
    assert urlsplit(page.url).path == expected_path, (
        f"{state.id}: expected to be on {expected_path}, got {page.url}")
    summaries = page.locator("[data-error-summary]").count()
    assert summaries == (1 if state.errors else 0), (
        f"{state.id}: expected {'an' if state.errors else 'no'} error summary, "
        f"found {summaries}: {page.locator('main').inner_text()[:300]}")
    # (Also lets focus settle before a test starts pressing Tab.)
    assert not state.errors or error_summary_focused(page), (
        f"{state.id}: the error summary does not have focus")
    for selector, (least, most) in state.shows:
        count = page.locator(selector).count()
        assert least <= count <= most, (
            f"{state.id}: expected {least}–{most} of {selector!r}, found {count}")
