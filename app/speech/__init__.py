"""Speech readout (语音播报): reading scripts built from the pages the server renders,
audio synthesised on the server (pyttsx3 + espeak-ng), compressed and cached.

init_app(app) wires it: the reading script of every HTML page that includes the
player (templates/speech/player.html) is built and stored after the page is rendered,
and the player's placeholder replaced by the script's id."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from flask import current_app, request, url_for

from . import engine, script
from .cache import AudioCache
from .limiter import Limiter
from .owner import current_owner
from .store import ScriptStore

PLACEHOLDER = "__YIBAN_SPEECH_SCRIPT__"
UNAVAILABLE = "0" * 32  # stands in when a script could not be stored: its links 404


@dataclass
class Speech:
    scripts: ScriptStore
    cache: AudioCache
    limiter: Limiter


def state() -> Speech:
    return current_app.extensions["speech"]


def init_app(app) -> None:
    # Synthesis of uncached sentences per owner: a bucket of 400, refilled in 60 s.
    app.config.setdefault("SPEECH_LIMIT", (400, 60))
    app.config.setdefault("SPEECH_PREWARM", not app.testing)
    app.extensions["speech"] = Speech(
        ScriptStore(app.extensions["front_store"].db),
        AudioCache(Path(app.config["DATA_DIR"]) / "speech",
                   app.config["SPEECH_CACHE_MB"] * 1024 * 1024),
        Limiter(*app.config["SPEECH_LIMIT"]))
    app.after_request(attach_script)
    app.context_processor(lambda: {"speech_player": player_context})
    if app.config["SPEECH_PREWARM"]:
        _prewarm_on_first_request(app)


def player_context() -> SimpleNamespace:
    """What templates/speech/player.html needs (called only where it is included)."""
    from ..display.preferences import current_display

    prefs = current_display()
    return SimpleNamespace(
        on=prefs.speech, rate=prefs.speech_rate, voice_source=prefs.speech_voice,
        readable=script.READABLE,
        skip=script.SKIP_SELECTOR,
        audio_url=url_for("speech.page_audio", script_id=PLACEHOLDER, rate=prefs.speech_rate),
        script_url=url_for("speech.script_json", script_id=PLACEHOLDER),
        help_url=url_for("speech.help"))


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
        lang, sentences = script.build(body.decode(charset, "replace"))
        script_id = state().scripts.save(current_owner(create=True), lang, sentences)
    except Exception:  # the page matters more than its reading
        current_app.logger.exception("speech: no reading script for %s", request.path)
        script_id = UNAVAILABLE
    response.set_data(body.replace(marker, script_id.encode()))
    return response


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
