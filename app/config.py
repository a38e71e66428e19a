"""Configuration from the environment, with defaults that run on one machine."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def data_dir(instance_path: str) -> Path:
    """All data (databases, secret key, uploads) lives in one folder."""
    path = Path(os.environ.get("YIBAN_DATA_DIR") or instance_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(folder: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = folder / "secret_key"
    if not key_file.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        except FileExistsError:
            pass
    return key_file.read_text().strip()


def _flag(value: str | None) -> bool | None:
    return None if value in (None, "") else value == "1"


def load(instance_path: str) -> dict:
    folder = data_dir(instance_path)
    return {
        "DATA_DIR": folder,
        "SECRET_KEY": secret_key(folder),
        "PLATFORM_DATABASE_URL": os.environ.get(
            "YIBAN_PLATFORM_DATABASE_URL", f"sqlite:///{folder / 'platform.sqlite'}"),
        "FRONT_DATABASE_URL": os.environ.get(
            "YIBAN_DATABASE_URL", f"sqlite:///{folder / 'front.sqlite'}"),
        "UPLOAD_DIR": folder / "uploads",
        # Signed-in sessions end after this much inactivity; drafts are saved at every
        # step, so an expired session loses nothing.
        "SESSION_IDLE_TIMEOUT": timedelta(
            minutes=int(os.environ.get("YIBAN_SESSION_IDLE_MINUTES", "30"))),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=7),
        # Server-side sessions (app/sessions.py): the one place the store is chosen.
        # "sqlalchemy": the front's own database; Flask-Session's other backends (e.g.
        # "redis" with SESSION_REDIS) plug in here.
        "SESSION_TYPE": os.environ.get("YIBAN_SESSION_TYPE", "sqlalchemy"),
        "SESSION_PERMANENT": False,  # only a sign-in makes a session permanent
        # Stored when changed (the idle clock moves at most once a minute), not on
        # every request.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Forces Secure cookies and HSTS behind a proxy that ends HTTPS; a request that
        # itself arrives over HTTPS gets them anyway (app/security.py).
        "SESSION_COOKIE_SECURE": os.environ.get("YIBAN_SECURE_COOKIES", "0") == "1",
        # Rate-limit counters: per process in memory by default; e.g. redis://host:6379
        # when several app processes must share them (app/limits.py).
        "RATELIMIT_STORAGE_URI": os.environ.get("YIBAN_RATELIMIT_STORAGE_URI", "memory://"),
        # A form must not expire while an older person takes their time (WCAG 2.2.1);
        # the token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        # Submissions the platform could not take at once are retried by a background
        # thread in each app process (app/outbox): 0 turns it off (then run
        # `flask outbox deliver --loop` instead); unset, it is on except in tests.
        "OUTBOX_WORKER": _flag(os.environ.get("YIBAN_OUTBOX_WORKER")),
        "OUTBOX_POLL_SECONDS": float(os.environ.get("YIBAN_OUTBOX_POLL_SECONDS", "10")),
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        # The speech audio cache (DATA_DIR/speech): the clips used longest ago go first.
        "SPEECH_CACHE_MB": int(os.environ.get("YIBAN_SPEECH_CACHE_MB", "1024")),
        # 服务找人: the rules that suggest services on the home page (app/proactive.py);
        # unset, the file shipped with the app. Checked at start-up.
        "PROACTIVE_RULES": os.environ.get("YIBAN_PROACTIVE_RULES") or None,
        # Behind reverse proxies: how many of them set X-Forwarded-For/-Proto/-Host, so
        # rate limits, logs and HTTPS detection see the client (werkzeug ProxyFix;
        # app/__init__.py). 0: none; never set it higher than the proxies in front.
        "PROXY_FIX": int(os.environ.get("YIBAN_PROXY_FIX", "0")),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LOCALES": ["zh_Hans_CN", "zh_Hant", "en", "ug"],
    }
