"""The virtual citizens of the load test (bench/load.py): locust users that sign in as
their own citizen, fill an application one question page at a time, check it, send
it and read the confirmation, as a browser without JavaScript would.

Imported only by the load driver's client side: importing locust monkey-patches the
standard library for gevent, which the app server (a separate process) must not get.
"""
from __future__ import annotations

import io
import random
import re
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, task

from bench.load import PASSWORD, load_mobile

PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")
NUMBER = re.compile(r"/my/applications/(YB\d{14})/confirmation")
SUBMISSION = re.compile(r"/my/submissions/(\d+)")


# What a citizen types into a field the page left empty, by the input's name (suffix).
TYPED = {
    "year": "1944", "month": "5", "day": "6",
    "region": "北京市东城区", "detail": "示例路 1 号",
}


class JourneyFailed(Exception):
    """A step of the journey did not go as a browser would expect; counted by kind."""


class _Form(HTMLParser):
    """The inputs of one <form> (by id), as a browser would send them."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.found = form_id, False, False
        self.fields: list[dict] = []
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            self.found = self.found or self.inside
        elif self.inside and tag == "input":
            self.fields.append(attrs)
        elif self.inside and tag == "textarea":
            self._textarea = {**attrs, "type": "textarea", "value": ""}
            self.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def failure_detail(response) -> str:
    """No HTTP status (0): what the connection did instead (reset, refused, timed out)."""
    error = getattr(response, "error", None)
    return f": {type(error).__name__}: {error}"[:200] if response.status_code == 0 and error else ""


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise JourneyFailed("the page has no csrf_token")
    return match.group(1)


def form_fields(html: str, form_id: str) -> list[dict]:
    parser = _Form(form_id)
    parser.feed(html)
    if not parser.found:
        raise JourneyFailed(f"no form #{form_id}")
    return parser.fields


def answer(fields: list[dict]) -> tuple[dict, dict]:
    """Form data (and files) answering a question page: what the page shows is kept
    (a licence fact's hidden value, a prefilled field), an empty field is typed in,
    radios and checkboxes take their first option, a file question gets a PNG."""
    data: dict[str, str] = {}
    files: dict = {}
    for f in fields:
        name, kind = f.get("name"), f.get("type", "text")
        if not name or kind in ("submit", "button"):
            continue
        if kind in ("radio", "checkbox"):
            # The option already chosen, else the first one.
            if "checked" in f or name not in data:
                data[name] = f.get("value", "on")
        elif kind == "file":
            files[name] = ("photo.png", io.BytesIO(PNG_BYTES), "image/png")
        else:
            value = f.get("value") or ""
            if not value and kind != "hidden":
                value = TYPED.get(name.rsplit("-", 1)[-1], "")
            data[name] = value
    return data, files


class Citizen(HttpUser):
    """One virtual citizen. `environment.load` (set by bench/load.py) hands out citizen
    indexes and services and collects each journey's outcome."""

    wait_time = between(0.5, 1.5)  # between journeys
    abstract = False
    # Seconds spent on each page before the next click (reading, typing), drawn
    # uniformly; bench/load.py sets it from --think. (0, 0): click at once.
    think = (0.0, 0.0)

    def on_start(self):
        plan = self.environment.load
        self.index = plan.next_index()
        self.code = plan.service_for(self.index)
        self.signed_in = False

    # ---- steps -----------------------------------------------------------------
    def read_and_answer(self) -> None:
        """The person reads the page and types the answer before pressing the button."""
        low, high = self.think
        if high > 0:
            gevent.sleep(random.uniform(low, high))

    def get(self, url: str, name: str, expect=(200,)):
        with self.client.get(url, name=name, allow_redirects=False,
                             catch_response=True) as r:
            if r.status_code not in expect:
                r.failure(f"HTTP {r.status_code}" + failure_detail(r))
                raise JourneyFailed(f"{name}: HTTP {r.status_code}")
            return r

    def post(self, url: str, name: str, data: dict, files=None, expect=(302,)):
        with self.client.post(url, name=name, data=data, files=files or None,
                              allow_redirects=False, catch_response=True) as r:
            if r.status_code not in expect:
                r.failure(f"HTTP {r.status_code} (expected {expect[0]})" + failure_detail(r))
                raise JourneyFailed(f"{name}: HTTP {r.status_code}")
            return r

    def sign_in(self):
        page = self.get("/sign-in", "/sign-in")
        self.read_and_answer()
        self.post("/sign-in", "/sign-in",
                  {"csrf_token": csrf_token(page.text), "login": load_mobile(self.index),
                   "password": PASSWORD})
        self.signed_in = True

    @task
    def journey(self):
        # Recorded before it starts: a journey cut off when the run ends still counts
        # (with "sent" set if its send was under way).
        outcome = self.environment.load.start_journey(self.index, self.code)
        try:
            if not self.signed_in:
                self.sign_in()
            self.fill_and_send(outcome)
        except JourneyFailed as error:
            outcome["error"] = str(error)
            self.signed_in = False  # start the next journey from sign-in
        if outcome.get("seconds") is None:  # to the confirmation, not its reading
            outcome["seconds"] = time.monotonic() - outcome["started"]

    def fill_and_send(self, outcome: dict):
        code = self.code
        location = self.get(f"/apply/{code}", "/apply/[code] (start)",
                            expect=(302,)).headers["Location"]
        check = f"/apply/{code}/check"
        for _step in range(40):
            path = urlsplit(location).path
            if path == check:
                break
            if not path.startswith(f"/apply/{code}/"):
                raise JourneyFailed(f"unexpected redirect to {path}")
            page = self.get(location, "/apply/[code]/[question]")
            data, files = answer(form_fields(page.text, "question-form"))
            self.read_and_answer()
            location = self.post(location, "/apply/[code]/[question]", data,
                                 files).headers["Location"]
        else:
            raise JourneyFailed("no check-answers page after 40 questions")
        page = self.get(check, "/apply/[code]/check")
        key = re.search(r'name="submission_key" value="([^"]+)"', page.text)
        if key is None:
            raise JourneyFailed("check answers has no send form")
        self.read_and_answer()
        outcome["sent"] = True
        location = self.post(check, "/apply/[code]/check (send)",
                             {"csrf_token": csrf_token(page.text),
                              "submission_key": key.group(1)}).headers["Location"]
        path = urlsplit(location).path
        if (match := NUMBER.search(path)) is not None:
            self.get(path, "/my/applications/[number]/confirmation")
            outcome["number"] = match.group(1)
            outcome["seconds"] = time.monotonic() - outcome["started"]
            self.read_and_answer()  # the number is written down before the next errand
        elif (match := SUBMISSION.search(path)) is not None:
            # Saved, on its way: the outbox delivers it later (checked after the run).
            self.get(path, "/my/submissions/[id]")
            outcome["entry"] = int(match.group(1))
            outcome["seconds"] = time.monotonic() - outcome["started"]
            self.read_and_answer()
        else:
            raise JourneyFailed(f"send led to {path}")
