"""Audio for sentences of a reading script: from the cache, else synthesised (if the
rate limits allow: app/core/limits.py) and cached."""
from __future__ import annotations

from collections.abc import Callable

from . import cache as clip_cache
from . import engine
from .cache import AudioCache
from .normalise import for_speech
from .voices import voice_for, words_per_minute


class RateLimited(Exception):
    pass


def spoken(sentence: dict, chinese_voice: str | None = None) -> tuple[str, str]:
    """(what is said, the voice that says it) for a sentence of a reading script
    (`chinese_voice`: yue or cmn for Traditional Chinese)."""
    voice = voice_for(sentence["lang"], *filter(None, [chinese_voice]))
    return for_speech(sentence["text"], sentence["lang"], voice), voice


def clips(sentences: list[dict], rate: str, cache: AudioCache,
          may_synthesise: Callable[[int], bool],
          chinese_voice: str | None = None) -> list[bytes]:
    """One MP3 clip per sentence, in order, each in the voice of its language. Only
    clips not in the cache are counted (`may_synthesise(how many)`): cached ones cost
    nothing and are always served."""
    wpm = words_per_minute(rate)
    jobs = [(*spoken(s, chinese_voice), wpm) for s in sentences]
    keys = [clip_cache.key(*job) for job in jobs]
    found = {k: cache.get(k) for k in dict.fromkeys(keys)}
    missing = [k for k, data in found.items() if data is None]
    if missing:
        if not may_synthesise(len(missing)):
            raise RateLimited
        job_of = dict(zip(keys, jobs))
        for k, clip in zip(missing, engine.synthesise([job_of[k] for k in missing])):
            cache.put(k, clip.mp3)
            found[k] = clip.mp3
    return [found[k] for k in keys]
