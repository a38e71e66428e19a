"""Offline entry (离线录入): the service worker, the web app manifest, the rules and
the blank pages a device keeps, and the endpoint that takes answers saved offline.
Thin views: the logic is in app/offline/sending.py and app/forms/browser_rules.py."""
from __future__ import annotations

import hashlib
import json

from flask import (Blueprint, abort, current_app, g, jsonify, make_response,
                   render_template, request, send_from_directory, session, url_for)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from ..apply.answering import save_upload
from ..core.deps import locale
from ..core.form_tokens import leave_session_alone
from ..core.urls import memo_url_for
from ..display.preferences import current_display
from ..apply.journey import load_service, question_url
from ..forms.browser_rules import question_rules
from ..forms.builder import form_class
from ..platform import PlatformUnavailable
from . import sending

bp = Blueprint("offline", __name__)


def anonymous() -> None:
    """Render as if nobody were signed in, whoever asks: what a device keeps (and the
    service worker caches) must hold nothing personal."""
    g.user = g.helper = g.acting = None
    g.offline_blank = True  # base.html: no form token either
    # These requests run beside the page's own (offline.js keeps the copy in the
    # background): one that wrote back the session it read could undo what the page
    # did meanwhile, e.g. drop the flash message 长辈版's button just left for it.
    leave_session_alone()


def cacheable(response, seconds: int = 0):
    """Nothing personal: may be kept, but asked for again each time (must-revalidate)."""
    response = make_response(response)
    response.headers["Cache-Control"] = f"public, max-age={seconds}, must-revalidate"
    return response


@bp.get("/sw.js")
def service_worker():
    # At the site's root so it may serve every page (its scope is where it lives).
    response = send_from_directory(current_app.static_folder, "js/sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    anonymous()
    icon = url_for("static", filename="img/icon.svg")
    body = jsonify(name=_("Yiban"), short_name=_("Yiban"), start_url="/", scope="/",
                   display="standalone", lang=request.accept_languages.best or "zh-CN",
                   background_color="#ffffff", theme_color="#0b0c0c",
                   icons=[{"src": icon, "sizes": "any", "type": "image/svg+xml"},
                          {"src": url_for("static", filename="img/icon-192.png"),
                           "sizes": "192x192", "type": "image/png"},
                          {"src": url_for("static", filename="img/icon-512.png"),
                           "sizes": "512x512", "type": "image/png"}])
    body.mimetype = "application/manifest+json"
    return cacheable(body, 3600)


def rules_payload(code: str, questions) -> dict:
    """The service's questions in order with their format rules and messages (in the
    page's language): the device checks and walks the journey with them offline."""
    return dict(code=code, questions=[question_rules(q) for q in questions],
                check=url_for("apply.check", code=code),
                service=url_for("offline.blank_service", code=code),
                pages={q.key: url_for("offline.blank_question", code=code, key=q.key)
                       for q in questions})


def copy_version(payload: dict) -> str:
    """What the device's copy of an application is made of: its rules, the look its
    blank pages are rendered in (the display settings: 长辈版 switched on makes a new
    copy in 长辈版), and the static files its pages use (fingerprinted URLs, so a new
    release makes a new version). offline.js keeps the copy again only when this changed."""
    made_of = [payload, current_display().html_attributes(),
               url_for("static", filename="css/yiban.css"),
               url_for("static", filename="js/yiban.js"), url_for("static", filename="js/offline.js")]
    return hashlib.sha256(json.dumps(made_of, sort_keys=True).encode()).hexdigest()[:16]


@bp.get("/offline/rules/<code>.json")
def rules(code):
    anonymous()
    payload = rules_payload(code, load_service(code)[1])
    response = cacheable(jsonify(payload))
    response.set_etag(copy_version(payload))  # offline.js compares it with the page's
    return response.make_conditional(request)


@bp.get("/offline/service/<code>")
def blank_service(code):
    """The service page rendered for nobody: shown offline for /services/<code>."""
    anonymous()
    service, _questions = load_service(code)
    return cacheable(render_template("catalogue/service.html", service=service))


@bp.get("/offline/page/<code>/<key>")
def blank_question(code, key):
    """A question page rendered for nobody: no answer, no prefill, no name in the
    header, no form token. The service worker shows it for /apply/<code>/<key> when
    the network is gone; static/js/offline.js fills in what was saved on the device."""
    anonymous()
    service, questions = load_service(code)
    if key == "check":
        return cacheable(render_template("offline/check.html", service=service,
                                         back=url_for("catalogue.service", code=code)))
    q = next((x for x in questions if x.key == key), None)
    if q is None:
        abort(404)
    form = form_class(q)(formdata=None, data={q.key: None}, meta={"csrf": False})
    position = [x.key for x in questions].index(key)
    back = (question_url(code, questions[position - 1].key) if position
            else url_for("catalogue.service", code=code))
    return cacheable(render_template(
        "apply/question.html", service=service, question=q, form=form, back=back,
        action=question_url(code, key), stored_file=None, restored=False, prefilled=False,
        fact=None, fact_lines=None, correct_url=None, correcting_licence=None,
        always_included=[], step=None, steps=None, blank_page=True))


@bp.get("/offline")
def page():
    """Shown by the service worker for a page the device did not keep."""
    anonymous()
    return cacheable(render_template("offline/page.html"))


@bp.get("/offline/status")
def status():
    """Who is signed in (as tags) and a fresh form token, for sending: fetched when
    the device is online again. Never cached."""
    response = jsonify(signed_in=g.user is not None or g.helper is not None,
                       csrf_token=generate_csrf(), **sending.page_tags())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/offline/send/<code>/<key>")
def send(code, key):
    """One answer saved offline, sent as the question's own form fields (multipart)."""
    result, status_code = sending.apply_saved_answer(
        code, key, request.headers.get("Idempotency-Key", ""),
        request.headers.get("X-Offline-For", ""), request.form, request.files,
        load_service, save_upload, question_url)
    response = jsonify(result)
    response.headers["Cache-Control"] = "no-store"
    return response, status_code


def body_attributes() -> dict:
    """data-offline-* on every page's <body> (base.html), read by static/js/offline.js:
    where its script and worker are, who is signed in (tags), and on an application's
    pages its service, the version of its offline copy and the draft's answers that
    decide which question comes next (personal, but so is the no-store page itself;
    the device keeps them encrypted, to walk the journey offline)."""
    attributes = {"data-offline-script": memo_url_for("static", filename="js/offline.js"),
                  "data-offline-worker": memo_url_for("offline.service_worker"),
                  "data-offline-status": memo_url_for("offline.status"),
                  "data-offline-send": memo_url_for("offline.send", code="CODE", key="KEY"),
                  "data-offline-keep-days": str(sending.keep_days())}
    tags = sending.page_tags()
    attributes.update({f"data-offline-{name}": value for name, value in tags.items()})
    code = (request.view_args or {}).get("code")
    if code and request.blueprint in ("apply", "offline") and request.endpoint != "offline.send":
        attributes.update(application_attributes(code))
    if g.get("offline_blank"):
        attributes["data-offline-blank"] = "1"
    # Signed out by the button: the device copy of whoever was signed in is deleted.
    # By the idle time-out (until someone signs in again): deleted too, unless it holds
    # answers typed offline and not yet sent: those wait for the same person to sign in
    # again and send them (a volunteer can be hours without signal), up to the
    # days-long offline limit; another person signing in deletes them (offline.js).
    if request.endpoint == "account.signed_out":
        attributes["data-offline-wipe"] = "1"
    elif not tags and session.get("expired_person_id"):
        attributes["data-offline-wipe"] = "idle"
    return attributes


# (code, language, display settings) → (service, version). The catalogue cache hands out the same service
# object until the platform's catalogue changes: while it does, the version holds, and
# an application's page does not build its rules again (a few ms of each page).
_versions: dict[tuple, tuple[object, str]] = {}


def application_attributes(code: str) -> dict:
    try:
        service, questions = load_service(code)
    except (HTTPException, PlatformUnavailable):
        # An error page: about a service that does not exist, or the platform is away.
        return {}
    key = (code, locale(), tuple(sorted(current_display().html_attributes().items())))
    held = _versions.get(key)
    if held is None or held[0] is not service:
        held = _versions[key] = (service, copy_version(rules_payload(code, questions)))
    attributes = {"data-offline-code": code,
                  "data-offline-rules": memo_url_for("offline.rules", code=code),
                  "data-offline-version": held[1]}
    if g.get("user") is not None and request.blueprint == "apply":
        attributes["data-offline-known"] = json.dumps(sending.known_answers(code, questions),
                                                      ensure_ascii=False)
    return attributes
