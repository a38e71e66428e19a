"""Configuration from the environment, with defaults that run on one machine."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from .private import private_folder


def data_dir(instance_path: str) -> Path:
    """All data (databases, secret key, uploads) lives in one folder, which only the
    server's own user may open."""
    return private_folder(Path(os.environ.get("YIBAN_DATA_DIR") or instance_path))


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


# Secrets that must be the same on every instance, by their variable.
SHARED_SECRETS = ("SECRET_KEY", "YIBAN_DATA_KEYS", "YIBAN_LOOKUP_KEY", "YIBAN_ACCESS_LOG_KEYS")


class SecretsNotConfigured(RuntimeError):
    pass


def several_instances(front_url: str, platform_url: str) -> bool:
    """Configured as one of several instances: state shared in Redis or in a database
    server. YIBAN_SINGLE_INSTANCE=1 says it is one process on its own after all."""
    if os.environ.get("YIBAN_SINGLE_INSTANCE") == "1":
        return False
    return bool(os.environ.get("YIBAN_REDIS_URL")) or not (
        front_url.startswith("sqlite") and platform_url.startswith("sqlite"))


def require_shared_secrets(front_url: str, platform_url: str) -> None:
    """Refuse to start rather than generate a secret into this host's data folder that
    the other instances do not have (their sign-ins and data would not open here)."""
    if not several_instances(front_url, platform_url):
        return
    missing = [name for name in SHARED_SECRETS if not os.environ.get(name)]
    if missing:
        raise SecretsNotConfigured(
            f"Several instances are configured (YIBAN_REDIS_URL or a database server), "
            f"but {', '.join(missing)} not set: each instance would generate its own. Set "
            f"the same values on every instance (docs/deploy.md: `flask --app app keys "
            f"generate` makes a data key), or YIBAN_SINGLE_INSTANCE=1 if this is the only one.")


def _flag(value: str | None) -> bool | None:
    return None if value in (None, "") else value == "1"


def auto_migrate(front_url: str, platform_url: str) -> bool:
    """Migrate at start-up? Yes for the one-process default on SQLite files; with a
    shared database, several instances must not race: `flask db upgrade` runs once."""
    flag = _flag(os.environ.get("YIBAN_AUTO_MIGRATE"))
    if flag is not None:
        return flag
    return front_url.startswith("sqlite") and platform_url.startswith("sqlite")


def load(instance_path: str) -> dict:
    folder = data_dir(instance_path)
    front_url = os.environ.get("YIBAN_DATABASE_URL", f"sqlite:///{folder / 'front.sqlite'}")
    platform_url = os.environ.get("YIBAN_PLATFORM_DATABASE_URL",
                                  f"sqlite:///{folder / 'platform.sqlite'}")
    require_shared_secrets(front_url, platform_url)
    redis_url = os.environ.get("YIBAN_REDIS_URL") or None
    return {
        "DATA_DIR": folder,
        "SECRET_KEY": secret_key(folder),
        "PLATFORM_DATABASE_URL": platform_url,
        # The platform over HTTP (app/platform/http, docs/deploy.md): with a URL the front
        # talks to a platform elsewhere, e.g. http://platform:5001 (`flask platform
        # serve`), with the service token the platform issued; without, the embedded
        # platform in this process. The token is also what `platform serve` accepts.
        "PLATFORM_URL": os.environ.get("YIBAN_PLATFORM_URL") or None,
        "PLATFORM_TOKEN": os.environ.get("YIBAN_PLATFORM_TOKEN", ""),
        # A slow platform must not hold the front's workers: seconds to connect and to
        # wait for an answer; tries of a call that may go twice; failures in a row after
        # which calls fail at once (the kind "cannot connect" page) for the reset time.
        "PLATFORM_CONNECT_TIMEOUT": float(os.environ.get("YIBAN_PLATFORM_CONNECT_TIMEOUT", "2")),
        "PLATFORM_READ_TIMEOUT": float(os.environ.get("YIBAN_PLATFORM_READ_TIMEOUT", "5")),
        "PLATFORM_ATTEMPTS": int(os.environ.get("YIBAN_PLATFORM_ATTEMPTS", "3")),
        "PLATFORM_BREAKER_FAILURES": int(os.environ.get("YIBAN_PLATFORM_BREAKER_FAILURES", "5")),
        "PLATFORM_BREAKER_RESET_SECONDS": float(
            os.environ.get("YIBAN_PLATFORM_BREAKER_RESET_SECONDS", "30")),
        "FRONT_DATABASE_URL": front_url,
        # Schema migrations at start-up (app/migrations): on by default only when both
        # stores are SQLite files; otherwise run `flask --app app db upgrade` once.
        "AUTO_MIGRATE": auto_migrate(front_url, platform_url),
        "UPLOAD_DIR": folder / "uploads",
        # Where uploaded files' (encrypted) bytes live: unset, UPLOAD_DIR; several
        # instances without a shared volume: s3://bucket/prefix (app/core/file_store.py),
        # with YIBAN_S3_ENDPOINT_URL for an S3-compatible server other than AWS.
        "FILE_STORE": os.environ.get("YIBAN_FILE_STORE") or None,
        "S3_ENDPOINT_URL": os.environ.get("YIBAN_S3_ENDPOINT_URL") or None,
        # What one person's files in applications not yet sent (and files not yet
        # collected) may take up together (app/core/upload_store.py); unused files go
        # once older than PERMANENT_SESSION_LIFETIME (`flask maintenance prune`).
        "UPLOAD_QUOTA_MB": int(os.environ.get("YIBAN_UPLOAD_QUOTA_MB", "50")),
        # Signed checkpoints of the access log (app/assisted/log_seal.py): outside the
        # database, so that cutting its tail shows. In production an append-only sink
        # that the database's administrators cannot rewrite (one for all instances).
        "ACCESS_LOG_CHECKPOINTS": Path(os.environ.get("YIBAN_ACCESS_LOG_CHECKPOINTS")
                                       or folder / "access_log_checkpoints.jsonl"),
        "ACCESS_LOG_CHECKPOINT_EVERY": int(os.environ.get("YIBAN_ACCESS_LOG_CHECKPOINT_EVERY",
                                                          "20")),
        # Signed-in sessions end after this much inactivity; drafts are saved at every
        # step, so an expired session loses nothing.
        "SESSION_IDLE_TIMEOUT": timedelta(
            minutes=int(os.environ.get("YIBAN_SESSION_IDLE_MINUTES", "30"))),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=7),
        # Server-side sessions (app/core/sessions.py): the one place the store is chosen.
        # "sqlalchemy": the front's own database (the embedded default); "redis" when
        # several instances share YIBAN_REDIS_URL: read on every request, it expires
        # sessions itself and keeps that load off the database.
        "SESSION_TYPE": os.environ.get("YIBAN_SESSION_TYPE",
                                       "redis" if redis_url else "sqlalchemy"),
        "SESSION_PERMANENT": False,  # only a sign-in makes a session permanent
        # Stored when changed (the idle clock moves at most once a minute), not on
        # every request.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        # Answers entered offline stay (encrypted) on the device at most this long after
        # the device last reached the site signed in (static/js/offline.js).
        "OFFLINE_KEEP_DAYS": int(os.environ.get("YIBAN_OFFLINE_KEEP_DAYS", "3")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Forces Secure cookies and HSTS behind a proxy that ends HTTPS; a request that
        # itself arrives over HTTPS gets them anyway (app/core/security.py).
        "SESSION_COOKIE_SECURE": os.environ.get("YIBAN_SECURE_COOKIES", "0") == "1",
        # Rate-limit counters: per process in memory by default; e.g. redis://host:6379
        # when several app processes must share them (app/core/limits.py).
        "RATELIMIT_STORAGE_URI": os.environ.get("YIBAN_RATELIMIT_STORAGE_URI")
        or redis_url or "memory://",
        # Shared state of several instances (rate limits above, sessions; /readyz checks it).
        "REDIS_URL": redis_url,
        # One JSON object per log line, with the request id (app/operations/views.py).
        "LOG_JSON": os.environ.get("YIBAN_LOG_JSON", "0") == "1",
        # Reverse proxies in front that set X-Forwarded-For/-Proto: without this, behind
        # nginx every citizen would share the proxy's one rate-limit budget.
        "TRUSTED_PROXIES": int(os.environ.get("YIBAN_TRUSTED_PROXIES", "0")),
        # A form must not expire while an older person takes their time (WCAG 2.2.1);
        # the token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        # The background jobs (app/core/background.py: outbox delivery, the platform's
        # events, reminders) run in a thread of each app process: 0 turns it off (then
        # run `flask worker` instead); unset, it is on except in tests.
        "WORKER": _flag(os.environ.get("YIBAN_WORKER")),
        "WORKER_TICK_SECONDS": 1.0,  # how often the worker looks for a job that is due
        # Submissions the platform could not take at once: retried this often.
        "OUTBOX_POLL_SECONDS": float(os.environ.get("YIBAN_OUTBOX_POLL_SECONDS", "10")),
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        # The speech audio cache (DATA_DIR/speech): the clips used longest ago go first.
        "SPEECH_CACHE_MB": int(os.environ.get("YIBAN_SPEECH_CACHE_MB", "1024")),
        # 服务找人: the rules that suggest services on the home page (app/proactive/rules.py);
        # unset, the file shipped with the app. Checked at start-up.
        "PROACTIVE_RULES": os.environ.get("YIBAN_PROACTIVE_RULES") or None,
        # Flask-Compress: pages and JSON; brotli at a quality that costs little CPU.
        "COMPRESS_MIMETYPES": ["text/html", "application/json"],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_BR_LEVEL": 4,
        "COMPRESS_LEVEL": 6,
        "COMPRESS_MIN_SIZE": 500,
        # How long the catalogue kept in memory is trusted before the platform's
        # catalogue version is asked again (app/core/platform_cache.py).
        "CATALOGUE_CHECK_SECONDS": float(os.environ.get("YIBAN_CATALOGUE_CHECK_SECONDS", "5")),
        # Anonymous pages kept whole per process (app/core/page_cache.py); 0: none.
        "PAGE_CACHE_MB": float(os.environ.get("YIBAN_PAGE_CACHE_MB", "16")),
        # The signed-in person (or helper) is read from the platform at most this often
        # per process; while the platform cannot be reached the front's encrypted copy
        # stands in for at most ACCOUNT_COPY_KEEP_SECONDS (app/core/account_copies.py).
        "ACCOUNT_FRESH_SECONDS": float(os.environ.get("YIBAN_ACCOUNT_FRESH_SECONDS", "10")),
        "ACCOUNT_COPY_KEEP_SECONDS": float(os.environ.get("YIBAN_ACCOUNT_COPY_KEEP_SECONDS",
                                                          "7200")),
        # How often the background worker reads the platform's event feed (status
        # changes become messages and texts within this many seconds).
        "MESSAGES_SYNC_SECONDS": float(os.environ.get("YIBAN_MESSAGES_SYNC_SECONDS", "5")),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LOCALES": ["zh_Hans_CN", "zh_Hant", "en", "ug"],
    }
