"""Offline entry (离线录入): the service worker, the web app manifest, the rules and
the blank pages a device keeps, and the endpoint that takes answers saved offline.
Thin views: the logic is in app/sending.py and app/forms/browser_rules.py."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, g, jsonify, make_response,
                   render_template, request, send_from_directory, url_for)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from ..apply.answering import save_upload
from ..apply.journey import load_service, question_url
from ..assisted.acting import covers
from ..forms.browser_rules import question_rules
from ..forms.builder import form_class
from . import sending

bp = Blueprint("offline", __name__)


def anonymous() -> None:
    """Render as if nobody were signed in, whoever asks: what a device keeps (and the
    service worker caches) must hold nothing personal."""
    g.user = g.helper = g.acting = None
    g.offline_blank = True  # base.html: no form token either


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


@bp.get("/offline/rules/<code>.json")
def rules(code):
    """The service's questions in order with their format rules and messages (in the
    page's language): the device checks and walks the journey with them offline."""
    anonymous()
    _service, questions = load_service(code)
    return cacheable(jsonify(code=code, questions=[question_rules(q) for q in questions],
                             check=url_for("apply.check", code=code),
                             pages={q.key: url_for("offline.blank_question", code=code, key=q.key)
                                    for q in questions}))


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
    where its script and worker are, who is signed in (tags), and the service of an
    application page (so its questions are kept for offline use)."""
    attributes = {"data-offline-script": url_for("static", filename="js/offline.js"),
                  "data-offline-worker": url_for("offline.service_worker"),
                  "data-offline-status": url_for("offline.status"),
                  "data-offline-send": url_for("offline.send", code="CODE", key="KEY"),
                  "data-offline-keep-days": str(sending.keep_days())}
    tags = sending.page_tags()
    attributes.update({f"data-offline-{name}": value for name, value in tags.items()})
    code = (request.view_args or {}).get("code")
    if code and request.blueprint in ("apply", "offline") and request.endpoint != "offline.send":
        attributes["data-offline-code"] = code
        attributes["data-offline-rules"] = url_for("offline.rules", code=code)
        attributes["data-offline-known"] = url_for("offline.known", code=code)
    if g.get("offline_blank"):
        attributes["data-offline-blank"] = "1"
    if request.endpoint == "account.signed_out":
        attributes["data-offline-wipe"] = "1"
    return attributes


@bp.get("/offline/known/<code>")
def known(code):
    """The draft's answers that decide which question comes next (choices named in
    show_if), so the device can walk the journey offline. Personal: never cached."""
    if g.user is None:
        return jsonify({}), 401
    if not covers(code):
        abort(403)
    _service, questions = load_service(code)
    response = jsonify(sending.known_answers(code, questions))
    response.headers["Cache-Control"] = "no-store"
    return response
