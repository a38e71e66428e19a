"""The speech audio cache stays within its budget, dropping the clips used longest ago."""
from __future__ import annotations

import os
import time

from app.speech.cache import AudioCache, key

CLIP = b"\xff\xf3" + b"\x00" * 998  # 1000 bytes standing in for an MP3 clip


def put_aged(cache: AudioCache, name: str, age_days: float) -> str:
    clip_key = key(name, "cmn", 175)
    cache.put(clip_key, CLIP)
    then = time.time() - age_days * 86400
    os.utime(cache.path(clip_key), (then, then))
    return clip_key


def test_past_its_budget_the_cache_drops_the_clips_used_longest_ago(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=100_000)  # checked after every 5000 bytes
    old = [put_aged(cache, f"old {n}", 30 - n / 10) for n in range(60)]
    # 60 000 bytes: within the budget, all kept (looked at without reading: a read
    # would make them recent)
    assert all(cache.path(k).exists() for k in old)
    new = [put_aged(cache, f"new {n}", 1) for n in range(45)]  # 105 000: over it
    sizes = sum(p.stat().st_size for p in tmp_path.glob("*/*.mp3"))
    assert sizes <= 90_000
    assert all(cache.path(k).exists() for k in new)
    gone = [k for k in old if not cache.path(k).exists()]
    assert gone == old[:len(gone)] and len(gone) >= 15  # the oldest, in order


def test_a_clip_read_again_counts_as_recently_used(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=10_000)
    favourite = put_aged(cache, "the help page's first sentence", 20)
    others = [put_aged(cache, f"other {n}", 10) for n in range(5)]
    assert cache.get(favourite) == CLIP  # read: touched, it is now the newest
    for n in range(6):
        put_aged(cache, f"more {n}", 5)
    assert cache.get(favourite) == CLIP
    assert cache.get(others[0]) is None


def test_within_its_budget_nothing_is_pruned(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=1_000_000)
    kept = [put_aged(cache, f"clip {n}", 100) for n in range(60)]
    assert cache.prune() == 0
    assert all(cache.get(k) == CLIP for k in kept)
