"""Every page state a citizen meets, with its reading script as the browser gets it
(the /speech/<id>.json the player fetches): for the intelligibility test and for
bench/speech_intelligibility.py, which measures the same pages.

The visitors: nobody signed in, and 王秀英 with a sent 退休一件事 application (a
department has asked her for more; another application is finished, to rate; she has
messages) and a new draft. Each visits every GET route of the app (its URL variables
filled with her data), every question of the draft, the question with an error, and
check answers."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from flask import url_for

from conftest import (WANG, apply_and_submit, csrf_token, journey_of, path_of, run_background_jobs,
                      sign_in_as, valid_answer)
from test_authorisation import WANG_ANSWERS

# The script built with the page (speech on, or a form's answer), or the one the player
# has made on its first request (speech off: app/speech/on_demand.py).
SCRIPT_URL = re.compile(r'data-script-url="(/speech/(?:[0-9a-f]{32}\.json|page\.json\?[^"]+))"')
# Routes whose GET is not a page (audio, scripts, a redirect that only sets a cookie).
NOT_PAGES = {"speech.script_json", "speech.page_audio", "speech.sentence_audio",
             "speech.script_json_on_demand", "speech.page_audio_on_demand",
             "account.language", "apply.start"}


def get_routes(app) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint != "static"} - NOT_PAGES)


class Recorder:
    """Visits pages as one visitor and keeps the reading script of each."""

    def __init__(self, name: str, client):
        self.name, self.client = name, client
        self.scripts: dict[str, dict] = {}  # "visitor GET /path" -> reading script JSON

    def page(self, url: str, response=None) -> str:
        response = response or self.client.get(url)
        html = response.get_data(as_text=True)
        found = SCRIPT_URL.search(html)
        if response.status_code == 200 and found:
            script = self.client.get(unescape(found.group(1)))
            assert script.status_code == 200, (url, script.status_code)
            self.scripts[f"{self.name} {url}"] = script.get_json()
        return html


def make_world(app) -> dict:
    """Her data: a sent application (with a request for more and messages), a finished
    one, a draft. Returns the URL variables to fill routes with."""
    platform = app.extensions["platform"]
    wang = app.test_client()
    sign_in_as(wang, WANG)
    number = apply_and_submit(wang, app, "retirement", WANG_ANSWERS)
    asked = platform.raise_supplement(number, "人社", "请补充工作证明")
    finished = apply_and_submit(wang, app, "remote-medical-filing")
    while platform.advance(finished):
        pass
    run_background_jobs(app)
    message = next(m for m in app.extensions["messages"].messages_of(WANG.id)
                   if m.kind == "supplement_requested")
    entry = app.extensions["outbox"].get(1)
    return {"wang": wang, "args": {
        "code": "retirement", "key": "full_name", "number": number, "entry_id": entry.id,
        "supplement_id": asked.id, "message_id": message.id,
        ("applications.rating", "number"): finished}}


def route_url(app, endpoint: str, args: dict) -> str:
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    with app.test_request_context():
        return url_for(endpoint, **{name: args.get((endpoint, name), args.get(name))
                                    for name in rule.arguments})


def visit_everything(app, world: dict, locale: str) -> dict[str, dict]:
    """{page: reading script JSON} of every page state, in `locale`."""
    anonymous = Recorder("anonymous", app.test_client())
    citizen = Recorder("citizen", world["wang"])
    for visitor in (anonymous, citizen):
        visitor.client.get(f"/language/{locale}?next=/")
        for endpoint in get_routes(app):
            visitor.page(route_url(app, endpoint, world["args"]))
    # The draft, question by question (each answered validly), the first with an error.
    client = citizen.client
    location = path_of(client.get("/apply/retirement").location)
    questions = {q.key: q for q in journey_of(app, "retirement")}
    shown_error = False
    while urlsplit(location).path.split("/")[-1] != "check":
        html = citizen.page(location)
        key = urlsplit(location).path.split("/")[3]
        if not shown_error:  # a question left blank: error summary and message beside it
            blank = client.post(location, data={"csrf_token": csrf_token(html)})
            shown_error = blank.status_code == 200
            citizen.page(location + " (error)", blank)
        answer = (WANG_ANSWERS.get(key) or valid_answer(questions[key], html))
        response = client.post(location, data={**answer, "csrf_token": csrf_token(html)})
        assert response.status_code == 302, (location, response.status_code)
        location = path_of(response.location)
    citizen.page(location)
    return {**anonymous.scripts, **citizen.scripts}
