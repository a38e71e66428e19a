"""Speech readout: the audio and reading script of a page the server rendered, and
the help page of the player. Every script is private to its owner (another person,
or another browser, gets a 404) and nothing here accepts text to read."""
from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l

from ..core.limits import allow, seconds_until_allowed
from ..core.page_cache import shared_page
from ..display.preferences import SPEECH_RATES, current_display
from . import audio, on_demand, script, state
from .engine import SynthesisError
from .owner import current_owner, signed_in
from .voices import DEVICE_LANGUAGES

bp = Blueprint("speech", __name__, url_prefix="/speech")

# Audio and scripts of an anonymous visitor's page may be kept by the browser for an
# hour; a signed-in person's are kept but revalidated on every use (no-cache + ETag),
# so after signing out on a shared computer the server, not the cache, decides.
MAX_AGE = 3600
_SCRIPT_ID = re.compile(r"[0-9a-f]{32}")


def _script_or_404(script_id: str):
    """The script, if it exists and belongs to whoever asks; else 404 (not 403: the
    existence of someone else's script is not revealed)."""
    if not _SCRIPT_ID.fullmatch(script_id):
        abort(404)
    found = state().scripts.load(script_id)
    owner = current_owner()
    if found is None or owner is None or found.owner != owner:
        abort(404)
    return found


def _rate() -> str:
    rate = request.args.get("rate")
    if rate is None:
        return current_display().speech_rate
    if rate not in SPEECH_RATES:
        abort(400)
    return rate


@bp.after_request
def _private(response):
    """Audio and scripts: the owner's browser may keep them, no shared cache may."""
    if request.endpoint != "speech.help":
        if response.status_code not in (200, 206, 304):
            response.headers["Cache-Control"] = "private, no-store"
        elif signed_in():
            response.headers["Cache-Control"] = "private, no-cache"
        else:
            response.headers["Cache-Control"] = f"private, max-age={MAX_AGE}"
    response.vary.add("Cookie")
    return response


def _audio_response(sentences: list[dict], rate: str):
    if not sentences:
        abort(404)
    try:
        clips = audio.clips(sentences, rate, state().cache,
                            lambda count: allow("speech", cost=count),
                            chinese_voice=current_display().chinese_voice)
    except audio.RateLimited:
        # The player says its "not available, try again in a minute" on any failed
        # clip; the page is for the link without JavaScript.
        response = Response(render_template("speech/busy.html"), status=429)
        response.headers["Retry-After"] = str(seconds_until_allowed("speech"))
        return response
    except SynthesisError:
        abort(503)
    response = Response(b"".join(clips), mimetype="audio/mpeg")
    response.add_etag()  # a revalidation is answered with 304
    return response.make_conditional(request, accept_ranges=True,
                                     complete_length=response.content_length)


@bp.get("/<script_id>.mp3")
def page_audio(script_id):
    """The page's main content (continuous reading), as one MP3."""
    found = _script_or_404(script_id)
    rate = _rate()
    main = [s for s in found.sentences if s["main"]] or found.sentences
    return _audio_response(main, rate)


@bp.get("/<script_id>/<int:n>.mp3")
def sentence_audio(script_id, n):
    found = _script_or_404(script_id)
    rate = _rate()
    if n >= len(found.sentences):
        abort(404)
    return _audio_response([found.sentences[n]], rate)


@bp.get("/<script_id>.json")
def script_json(script_id):
    """The script as the player reads it: each sentence with what is said aloud
    ("speech", numbers written out) and the espeak-ng voice that says it."""
    found = _script_or_404(script_id)
    rate = _rate()
    chinese_voice = current_display().chinese_voice
    sentences = []
    for n, s in enumerate(found.sentences):
        speech, voice = audio.spoken(s, chinese_voice)
        sentences.append({**s, "speech": speech, "voice": voice, "audio": url_for(
            ".sentence_audio", script_id=found.id, n=n, rate=rate)})
    return jsonify({"id": found.id, "lang": found.lang, "rate": rate,
                    "readable": script.READABLE, "sentences": sentences,
                    "device_languages": DEVICE_LANGUAGES})


def _on_demand_script_id() -> str:
    """The player's first request on a page rendered with speech off: read the page
    now (app/speech/on_demand.py)."""
    page = request.args.get("page")
    if not page:
        abort(404)
    _rate()  # a wrong rate is refused before any work
    return on_demand.script_id_for(page, current_owner(create=True))


@bp.get("/page.mp3")
def page_audio_on_demand():
    return page_audio(_on_demand_script_id())


@bp.get("/page.json")
def script_json_on_demand():
    return script_json(_on_demand_script_id())


@bp.get("/help")
@shared_page
def help():
    return render_template("speech/help.html", shortcuts=SHORTCUTS)


# (key, what it does) for the help page; speech.js binds the same keys with Alt+Shift.
SHORTCUTS = (
    ("R", _l("Read the page aloud, pause, continue")),
    ("N", _l("Next sentence")),
    ("P", _l("Previous sentence")),
    ("F", _l("Faster")),
    ("S", _l("Slower")),
    ("Z", _l("Point to read")),
)
