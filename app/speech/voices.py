"""Which espeak-ng voice reads which language, and how fast: the one table.

Every sentence of a reading script carries the language of its element (the nearest
`lang`), so a Chinese service name on a Uyghur page is read by the Mandarin voice and
the Uyghur around it by the Uyghur one. Traditional Chinese (zh-Hant, zh-HK, zh-MO,
zh-TW) is read in Cantonese or Mandarin, as the reader chose in the display settings
(`chinese_voice`, Cantonese unless they chose otherwise: the 繁體中文 pages are written
the Hong Kong way); Simplified Chinese always in Mandarin.

Mandarin is espeak-ng's `cmn-latn-pinyin`, not `cmn`: with `cmn` ("latin as English")
espeak-ng reads most characters through its English rules ("我们" comes out as
"wo men-five"); `cmn-latn-pinyin` reads them as Mandarin and Latin letters as pinyin.
bench/speech_intelligibility.py and tests/test_speech_intelligibility.py check it."""
from __future__ import annotations

from ..display.preferences import CHINESE_VOICES, SPEECH_RATES

MANDARIN = "cmn-latn-pinyin"
CANTONESE = "yue"
# Language tag (lower case, longest prefix wins) -> espeak-ng voice.
VOICES = {
    "zh": MANDARIN, "cmn": MANDARIN, "zh-hans": MANDARIN, "zh-cn": MANDARIN,
    "zh-sg": MANDARIN,
    "yue": CANTONESE, "zh-yue": CANTONESE,
    "ug": "ug",
    "en": "en",
}
# The languages (BCP 47, best first) of a device voice (speechSynthesis in the browser)
# that may stand in for each of these: a zh-HK voice speaks Cantonese, so not for Mandarin.
DEVICE_LANGUAGES = {
    MANDARIN: ("zh-CN", "zh-Hans", "cmn", "zh-SG", "zh-TW"),
    CANTONESE: ("zh-HK", "yue", "zh-MO"),
    "ug": ("ug",),
    "en": ("en",),
}
# Traditional Chinese: the reader's choice of language (a key of VOICES: yue or cmn).
TRADITIONAL = ("zh-hant", "zh-hk", "zh-mo", "zh-tw")
DEFAULT_VOICE = MANDARIN
BASE_WPM = 175  # espeak-ng's own default speed is speed "1"


def voice_for(lang: str | None, chinese_voice: str = CHINESE_VOICES[0]) -> str:
    """The voice for text in `lang`; `chinese_voice` (yue or cmn) for Traditional Chinese."""
    tag = (lang or "").lower().replace("_", "-")
    if "hans" not in tag.split("-") and any(
            tag == t or tag.startswith(t + "-") for t in TRADITIONAL):
        return VOICES[chinese_voice if chinese_voice in CHINESE_VOICES else CHINESE_VOICES[0]]
    while tag:
        if tag in VOICES:
            return VOICES[tag]
        tag = tag.rpartition("-")[0]
    return DEFAULT_VOICE


def is_chinese(voice: str) -> bool:
    return voice in (MANDARIN, CANTONESE)


def words_per_minute(rate: str) -> int:
    if rate not in SPEECH_RATES:
        raise ValueError(f"speech rate {rate!r} is not one of {SPEECH_RATES}")
    return round(BASE_WPM * float(rate))
