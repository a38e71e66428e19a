"""Speech readout (语音播报): reading scripts built from the pages the server renders,
audio synthesised on the server (pyttsx3 + espeak-ng), compressed and cached.

init_app(app) wires it. A reading script is built only for someone who asked for
speech: with speech switched on (or for a page answering a form, which cannot be
rendered again), the script of a page that includes the player
(templates/speech/player.html) is built and stored after the page is rendered and the
player's placeholder replaced by the script's id. Otherwise the player's URLs name the
page (app/speech/on_demand.py), and its first request renders the page again to read it:
nothing is stored for a visitor who never asks."""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from flask import current_app, request, url_for

from . import engine, on_demand, script
from .cache import AudioCache
from .owner import current_owner
from .store import ScriptStore

PLACEHOLDER = "__YIBAN_SPEECH_SCRIPT__"
UNAVAILABLE = "0" * 32  # stands in when a script could not be stored: its links 404


@dataclass
class Speech:
    scripts: ScriptStore
    cache: AudioCache


def state() -> Speech:
    return current_app.extensions["speech"]


def init_app(app) -> None:
    # Under gunicorn (YIBAN_SPEECH_PREWARM=0) the pool starts at the first synthesis,
    # so workers that never synthesise start no speech processes.
    app.config.setdefault("SPEECH_PREWARM", not app.testing
                          and os.environ.get("YIBAN_SPEECH_PREWARM", "1") != "0")
    app.extensions["speech"] = Speech(
        ScriptStore(app.extensions["front_store"].db),
        AudioCache(Path(app.config["DATA_DIR"]) / "speech",
                   app.config["SPEECH_CACHE_MB"] * 1024 * 1024))
    app.after_request(attach_script)
    app.context_processor(lambda: {"speech_player": player_context})
    if app.config["SPEECH_PREWARM"]:
        _prewarm_on_first_request(app)


def player_context() -> SimpleNamespace:
    """What templates/speech/player.html needs (called only where it is included)."""
    from ..display.preferences import current_display

    prefs = current_display()
    if on_demand.builds_now(prefs.speech):
        audio_url = url_for("speech.page_audio", script_id=PLACEHOLDER, rate=prefs.speech_rate)
        script_url = url_for("speech.script_json", script_id=PLACEHOLDER)
    else:
        page = on_demand.page_reference()
        audio_url = url_for("speech.page_audio_on_demand", page=page, rate=prefs.speech_rate)
        script_url = url_for("speech.script_json_on_demand", page=page)
    return SimpleNamespace(
        on=prefs.speech, rate=prefs.speech_rate, voice_source=prefs.speech_voice,
        readable=script.READABLE, skip=script.SKIP_SELECTOR,
        audio_url=audio_url, script_url=script_url)


def attach_script(response):
    """Build and store the reading script of a page that carries the player."""
    if (response.direct_passthrough or response.is_streamed
            or response.mimetype != "text/html"):
        return response
    body = response.get_data()
    marker = PLACEHOLDER.encode()
    if marker not in body:
        return response
    try:
        charset = response.mimetype_params.get("charset", "utf-8")
        lang, sentences = built(body, charset)
        script_id = state().scripts.save(on_demand.owner() or current_owner(create=True),
                                         lang, sentences)
        on_demand.record(script_id)
    except Exception:  # the page matters more than its reading
        current_app.logger.exception("speech: no reading script for %s", request.path)
        script_id = UNAVAILABLE
    response.set_data(body.replace(marker, script_id.encode()))
    return response


_BUILT_MAX = 256
_built: OrderedDict[bytes, tuple] = OrderedDict()
_built_lock = threading.Lock()


def built(body: bytes, charset: str) -> tuple[str, list]:
    """The script of a page body: parsed once per distinct content in this process."""
    digest = hashlib.sha256(body + charset.encode()).digest()
    with _built_lock:
        if digest in _built:
            _built.move_to_end(digest)
            return _built[digest]
    result = script.build(body.decode(charset, "replace"))
    with _built_lock:
        _built[digest] = result
        while len(_built) > _BUILT_MAX:
            _built.popitem(last=False)
    return result


def _prewarm_on_first_request(app) -> None:
    """Start the speech workers in the background when the first request comes (not at
    create_app, so CLI commands start no processes)."""
    started = threading.Event()

    @app.before_request
    def _warm():
        if not started.is_set():
            started.set()
            threading.Thread(target=_warm_quietly, name="speech-warm-up", daemon=True).start()


def _warm_quietly():
    try:
        engine.warm_up()
    except Exception:  # the first reading starts the workers again
        logging.getLogger(__name__).warning("speech: warm-up failed", exc_info=True)
