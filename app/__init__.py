"""易办 Yiban: the accessible front of a one-stop government-services platform."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .clock import utcnow
from .extensions import babel, csrf, htmx
from .i18n import compile_catalogues, select_locale

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None, platform=None) -> Flask:
    """Application factory. `platform` replaces the embedded platform (e.g. in tests
    or with a remote platform client); otherwise the embedded one is created."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_relative_config=True)
    app.config.update(config.load(app.instance_path))
    app.config.update(overrides or {})
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "locales")
    if app.config["PROXY_FIX"]:
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from . import (assisted, auth, cli, form_tokens, limits, maintenance, messages, outbox,
                   proactive, security, sessions, speech, templating)
    from .blueprints import (account, applications, apply, assisted as assisted_pages,
                             catalogue, consent, display, errors, speech as speech_pages)
    from .consent import Consents
    from .crypto import Keyring
    from .front_store import FrontStore
    from .platform.embedded import EmbeddedPlatform

    # One keyring for the data folder (app/crypto.py): the front's store and, sharing
    # the folder, the embedded platform.
    keyring = app.extensions["keyring"] = Keyring.load(app.config["DATA_DIR"])
    app.extensions["platform"] = platform or EmbeddedPlatform(
        app.config["PLATFORM_DATABASE_URL"], keyring=keyring)
    app.extensions["front_store"] = FrontStore(app.config["FRONT_DATABASE_URL"], keyring)
    app.extensions["clock"] = utcnow
    proactive.init_app(app)  # 服务找人 rules: a malformed file stops the start here
    app.extensions["consents"] = Consents(app.extensions["front_store"].db)
    outbox.init_app(app, app.extensions["front_store"].db)

    compile_catalogues(ROOT / "locales")
    babel.init_app(app, locale_selector=select_locale)
    # Who is signed in is known before the CSRF check, so an expired form can keep
    # a signed-in user's answers on their draft.
    auth.init_app(app)
    form_tokens.init_app(app)  # first before-request hook: refuses cross-site posts
    assisted.init_app(app)  # after auth: it needs to know who acts for whom
    csrf.init_app(app)
    htmx.init_app(app)
    security.init_app(app)
    sessions.init_app(app)  # after security: replaces its cookie-only session
    templating.init_app(app)
    speech.init_app(app)  # its after-request hook reads the rendered page
    for blueprint in (catalogue.bp, account.bp, apply.bp, applications.bp, display.bp,
                      assisted_pages.bp, consent.bp, speech_pages.bp):
        app.register_blueprint(blueprint)
    messages.init_app(app)  # 消息中心: its pages, the header count, catching up on events
    limits.init_app(app)  # after the blueprints: it wraps their views
    errors.init_app(app)
    cli.init_app(app)
    maintenance.init_app(app)
    return app
