"""易办 Yiban: the accessible front of a one-stop government-services platform."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from .core import config
from .core.clock import utcnow
from .core.extensions import babel, compress, csrf, htmx
from .core.i18n import compile_catalogues, select_locale

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None, platform=None) -> Flask:
    """Application factory. `platform` replaces the embedded platform (e.g. in tests
    or with a remote platform client); otherwise the embedded one is created."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_relative_config=True)
    app.config.update(config.load(app.instance_path))
    app.config.update(overrides or {})
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "locales")

    # The rooms (docs/architecture.md); each page module brings its blueprint.
    from . import cli, errors, maintenance, messages, migrations, outbox, speech
    from .account import views as account
    from .applications import ratings, supplements, views as applications  # noqa: F401
    from .apply import views as apply
    from .assisted import acting as assisted, consent_views as consent, views as assisted_pages
    from .assisted.consent import Consents
    from .assisted.log_seal import Checkpoints
    from .catalogue import views as catalogue
    from .core import (auth, background, catalogue_copies, form_tokens, limits, page_cache,
                       prepare, security, sessions, static_files, templating)
    from .core.crypto import ChainKeys, Keyring
    from .core.front_store import FrontStore
    from .core.file_store import open_store
    from .core.upload_store import UploadStore
    from .display import views as display
    from .offline import views as offline_pages
    from .operations import views as operations
    from .proactive import rules as proactive
    from .speech import views as speech_pages
    from .platform.embedded import EmbeddedPlatform
    from .platform.http import HttpPlatform

    # One keyring for the data folder (app/core/crypto.py): the front's store and, sharing
    # the folder, the embedded platform.
    keyring = app.extensions["keyring"] = Keyring.load(app.config["DATA_DIR"])
    if platform is None and app.config["PLATFORM_URL"]:  # a platform elsewhere (docs/deploy.md)
        platform = HttpPlatform.from_config(app.config,
                                            observe=operations.observe_platform_call)
    app.extensions["platform"] = platform or EmbeddedPlatform(
        app.config["PLATFORM_DATABASE_URL"], keyring=keyring)
    app.extensions["front_store"] = FrontStore(app.config["FRONT_DATABASE_URL"], keyring)
    # Uploaded files: encrypted under the same keys, counted in the front's database,
    # kept in a folder or a bucket.
    app.extensions["uploads"] = UploadStore(
        open_store(app.config["FILE_STORE"], app.config["UPLOAD_DIR"],
                   app.config["S3_ENDPOINT_URL"]),
        app.extensions["front_store"].db)
    app.extensions["clock"] = utcnow
    migrations.at_start_up(app)  # before anything reads the stores
    proactive.init_app(app)  # 服务找人 rules: a malformed file stops the start here
    # The access log's keys and signed checkpoints live outside the database (log_seal.py).
    app.extensions["consents"] = Consents(
        app.extensions["front_store"].db,
        Checkpoints(app.config["ACCESS_LOG_CHECKPOINTS"], ChainKeys.load(app.config["DATA_DIR"])),
        app.config["ACCESS_LOG_CHECKPOINT_EVERY"])
    background.init_app(app)  # the jobs of the rooms below run outside requests
    outbox.init_app(app, app.extensions["front_store"].db)

    compile_catalogues(ROOT / "locales")
    # First, so that its after-request hook runs last: it compresses the final page.
    compress.init_app(app)
    # Anonymous pages kept whole: its hook runs just before compression's, and it sits
    # in front of Flask (inside ProxyFix and WhiteNoise, wrapped on later).
    page_cache.init_app(app, operations.page_cache_recorder(app))
    babel.init_app(app, locale_selector=select_locale)
    # Who is signed in is known before the CSRF check, so an expired form can keep
    # a signed-in user's answers on their draft.
    auth.init_app(app)
    form_tokens.init_app(app)  # first before-request hook: refuses cross-site posts
    assisted.init_app(app)  # after auth: it needs to know who acts for whom
    csrf.init_app(app)
    htmx.init_app(app)
    security.init_app(app)
    sessions.init_app(app)  # server-side sessions (Flask-Session)
    templating.init_app(app)
    speech.init_app(app)  # its after-request hook reads the rendered page
    for blueprint in (catalogue.bp, account.bp, apply.bp, applications.bp, display.bp,
                      assisted_pages.bp, consent.bp, speech_pages.bp, offline_pages.bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals["offline_attributes"] = offline_pages.body_attributes
    messages.init_app(app)  # 消息中心: its pages, the header count, its background jobs
    # The whole catalogue kept for an outage: the last job of each round, so its first
    # (long) run never holds back a delivery or a message.
    catalogue_copies.init_app(app)
    operations.init_app(app)  # /healthz, /readyz, /metrics, request ids
    limits.init_app(app)  # after the blueprints: it wraps their views
    errors.init_app(app)
    cli.init_app(app)
    maintenance.init_app(app)
    prepare.init_app(app)
    static_files.init_app(app)
    return app
