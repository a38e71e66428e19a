"""Who is signed in (a citizen, or a helper), without asking the platform on every page.

Every page needs the signed-in person; asking the platform each time costs a call (and,
embedded, decrypting their licences), and made every signed-in page fail while the
platform was down, although drafts and the outbox live in the front. So:
- each process keeps what it read for ACCOUNT_FRESH_SECONDS (a change made elsewhere
  shows within that time; one made through this front is forgotten at once);
- the front's store keeps an encrypted copy, used only while the platform cannot be
  reached and for at most ACCOUNT_COPY_KEEP_SECONDS: the citizen goes on answering and
  sends, and the outbox delivers when the platform is back. Pages say it is down
  (`g.platform_down`). Another instance finds the copy there too.
The stored copy is written when the platform's answer differs from what this process
last stored, or that is older than a tenth of the keep time."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

from cachetools import TTLCache
from flask import current_app, g

from ..platform import Helper, Person, PlatformUnavailable
from ..platform.http.codec import dump, load
from . import background
from .clock import utcnow
from .deps import platform, store

KINDS = {"person": Person, "helper": Helper}
MOST_KEPT_IN_MEMORY = 10_000
PRUNE_EVERY_SECONDS = 3600


class AccountCopies:
    def __init__(self, fresh_seconds: float, keep_seconds: float):
        self.keep = timedelta(seconds=keep_seconds)
        self._fresh = TTLCache(MOST_KEPT_IN_MEMORY, fresh_seconds) if fresh_seconds > 0 else None
        self._stored: dict[str, tuple[float, dict]] = {}  # account → (when, what) last stored
        self._lock = threading.Lock()

    def get(self, kind: str, account_id: str):
        account = f"{kind}:{account_id}"
        if self._fresh is not None:
            with self._lock:
                found = self._fresh.get(account)
            if found is not None:
                return found
        try:
            value = getattr(platform(), kind)(account_id)
        except PlatformUnavailable:
            data = store().copy_of(account, utcnow() - self.keep)
            if data is None:
                raise
            g.platform_down = True
            return load(KINDS[kind], data)
        if value is None:
            self.forget(kind, account_id)
            return None
        if self._fresh is not None:
            with self._lock:
                self._fresh[account] = value
        self._store(account, dump(value))
        return value

    def _store(self, account: str, data: dict) -> None:
        now = time.monotonic()
        with self._lock:
            stored_at, stored = self._stored.get(account, (float("-inf"), None))
            if stored == data and now - stored_at < self.keep.total_seconds() / 10:
                return
            if len(self._stored) >= MOST_KEPT_IN_MEMORY:
                self._stored.clear()
            self._stored[account] = (now, data)
        store().keep_copy(account, data)

    def forget(self, kind: str, account_id: str) -> None:
        """After a change made through this front, or when the platform no longer knows
        them: the next page asks the platform again."""
        account = f"{kind}:{account_id}"
        with self._lock:
            if self._fresh is not None:
                self._fresh.pop(account, None)
            self._stored.pop(account, None)
        store().forget_copy(account)


def init_app(app) -> None:
    app.extensions["account_copies"] = AccountCopies(
        app.config["ACCOUNT_FRESH_SECONDS"], app.config["ACCOUNT_COPY_KEEP_SECONDS"])
    background.register(app, "account_copies", lambda a: PRUNE_EVERY_SECONDS, prune_copies)


def account_copies() -> AccountCopies:
    return current_app.extensions["account_copies"]


def prune_copies(app) -> int:
    """Copies older than the keep time are of no use: the worker deletes them."""
    keep = timedelta(seconds=app.config["ACCOUNT_COPY_KEEP_SECONDS"])
    return app.extensions["front_store"].prune_copies(utcnow() - keep)
