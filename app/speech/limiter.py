"""A small token bucket per owner for synthesis of audio not yet in the cache. Cached
audio is never limited. In memory, per process: enough to stop one session from
keeping the speech workers busy; scripts are bounded anyway (script.MAX_SENTENCES)."""
from __future__ import annotations

import threading
import time


class Limiter:
    def __init__(self, capacity: int, per_seconds: float, clock=time.monotonic):
        self.capacity, self.rate = capacity, capacity / per_seconds  # tokens per second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # owner -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, owner: str, cost: int) -> bool:
        """Spend `cost` tokens (at most a full bucket) if there are enough."""
        cost = min(cost, self.capacity)
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(owner, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens < cost:
                self._buckets[owner] = (tokens, now)
                return False
            self._buckets[owner] = (tokens - cost, now)
            if len(self._buckets) > 10_000:
                self._forget_full(now)
            return True

    def _forget_full(self, now: float) -> None:
        for owner, (tokens, then) in list(self._buckets.items()):
            if tokens + (now - then) * self.rate >= self.capacity:
                del self._buckets[owner]
