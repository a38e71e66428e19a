"""Which espeak-ng voice reads which language, and how fast."""
from __future__ import annotations

from ..display import SPEECH_RATES

# Language tag (lower case, longest prefix wins) -> espeak-ng voice.
VOICES = {
    "zh": "cmn", "cmn": "cmn", "zh-hans": "cmn", "zh-cn": "cmn",
    "yue": "yue", "zh-yue": "yue", "zh-hk": "yue", "zh-mo": "yue",
    "ug": "ug",
    "en": "en",
}
DEFAULT_VOICE = "cmn"
BASE_WPM = 175  # espeak-ng's own default speed is speed "1"


def voice_for(lang: str | None) -> str:
    tag = (lang or "").lower().replace("_", "-")
    while tag:
        if tag in VOICES:
            return VOICES[tag]
        tag = tag.rpartition("-")[0]
    return DEFAULT_VOICE


def words_per_minute(rate: str) -> int:
    if rate not in SPEECH_RATES:
        raise ValueError(f"speech rate {rate!r} is not one of {SPEECH_RATES}")
    return round(BASE_WPM * float(rate))
