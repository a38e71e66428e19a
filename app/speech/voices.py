"""Which espeak-ng voice reads which language, and how fast.

Every sentence of a reading script carries the language of its element (the nearest
`lang`), so a Chinese service name on a Uyghur page is read by the Mandarin voice and
the Uyghur around it by the Uyghur one. Traditional Chinese (zh-Hant, zh-HK, zh-MO,
zh-TW) is read in Mandarin or Cantonese, as the reader chose in the display settings
(`chinese_voice`); Simplified Chinese always in Mandarin."""
from __future__ import annotations

from ..display.preferences import CHINESE_VOICES, SPEECH_RATES

# Language tag (lower case, longest prefix wins) -> espeak-ng voice.
VOICES = {
    "zh": "cmn", "cmn": "cmn", "zh-hans": "cmn", "zh-cn": "cmn", "zh-sg": "cmn",
    "yue": "yue", "zh-yue": "yue",
    "ug": "ug",
    "en": "en",
}
# Traditional Chinese: the reader's choice of voice.
TRADITIONAL = ("zh-hant", "zh-hk", "zh-mo", "zh-tw")
DEFAULT_VOICE = "cmn"
BASE_WPM = 175  # espeak-ng's own default speed is speed "1"


def voice_for(lang: str | None, chinese_voice: str = DEFAULT_VOICE) -> str:
    """The voice for text in `lang`; `chinese_voice` (cmn or yue) for Traditional Chinese."""
    tag = (lang or "").lower().replace("_", "-")
    if "hans" not in tag.split("-") and any(
            tag == t or tag.startswith(t + "-") for t in TRADITIONAL):
        return chinese_voice if chinese_voice in CHINESE_VOICES else DEFAULT_VOICE
    while tag:
        if tag in VOICES:
            return VOICES[tag]
        tag = tag.rpartition("-")[0]
    return DEFAULT_VOICE


def words_per_minute(rate: str) -> int:
    if rate not in SPEECH_RATES:
        raise ValueError(f"speech rate {rate!r} is not one of {SPEECH_RATES}")
    return round(BASE_WPM * float(rate))
