"""What a sentence says aloud: its text with numbers written as a listener expects them
read (text normalisation before synthesis).

A synthesiser reads "YB20261203000001" as one huge number, "2027年" as 两千零二十七年,
"138****0101" as "asterisk" eight times and "¥1,234.50" in pieces. Here each kind of
number becomes words for the voice that reads it:
- application numbers, codes, phone, ID and card numbers: digit by digit, in groups
  (ID 6-8-4, mobile 3-4-4, others by 4), letters spelt one by one;
- masked numbers: "尾号" and the digits shown (stars are never read; a masked name
  "张**" is 张某某);
- years digit by digit (二〇二七年), months, days, times, money, percentages and
  decimals as words.
Chinese voices get Chinese numerals (so nothing depends on espeak-ng's number rules);
other voices get the digits spaced. The page still shows the text as written: only
the audio uses this."""
from __future__ import annotations

import re

from .voices import CANTONESE, MANDARIN

DIGITS = "零一二三四五六七八九"
YEAR_DIGITS = "〇一二三四五六七八九"
# Mandarin speakers say 幺 for 1 in phone numbers (it cannot be heard as 七); Cantonese don't.
PHONE_ONE = {MANDARIN: "幺"}
# "Last digits" before the digits a masked number shows.
ENDING = {"zh-hans": "尾号", "zh-hant": "尾號", "en": "ending in ", "ug": "ئاخىرى "}
SOMEBODY = "某"  # a masked name: 张** → 张某某
GROUP = {"zh": "，", "other": ", "}

_NOT_DIGIT_BEFORE = r"(?<![0-9A-Za-z*＊])"
_NOT_DIGIT_AFTER = r"(?![0-9A-Za-z*＊])"
_MASKED = re.compile(r"[0-9*＊](?:[0-9*＊ ]*[0-9*＊])?")
_MASKED_NAME = re.compile(r"(?<=[\u3400-\u9fff])[*＊]{1,3}")
_CODE = re.compile(_NOT_DIGIT_BEFORE + r"([A-Z]{1,4})(\d{3,})" + _NOT_DIGIT_AFTER)
_ID = re.compile(_NOT_DIGIT_BEFORE + r"(\d{6})(\d{8})(\d{3}[0-9Xx])" + _NOT_DIGIT_AFTER)
_MOBILE = re.compile(_NOT_DIGIT_BEFORE + r"(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})" + _NOT_DIGIT_AFTER)
_LANDLINE = re.compile(_NOT_DIGIT_BEFORE + r"(0\d{2,3})-(\d{7,8})" + _NOT_DIGIT_AFTER)
_CARD = re.compile(_NOT_DIGIT_BEFORE + r"\d{4}(?: ?\d{4}){3}(?: ?\d{1,4})?" + _NOT_DIGIT_AFTER)
_MONEY = re.compile(r"[¥￥]\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?"
                    r"|(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s?元")
_ISO_DATE = re.compile(_NOT_DIGIT_BEFORE + r"(\d{4})-(\d{2})-(\d{2})" + _NOT_DIGIT_AFTER)
_DATE = re.compile(r"(?:(\d{4})\s?年\s?)?(?:(\d{1,2})\s?月\s?)(?:(\d{1,2})\s?[日号])?"
                   r"|(\d{4})\s?年")
_TIME = re.compile(_NOT_DIGIT_BEFORE + r"([01]?\d|2[0-3]):([0-5]\d)" + _NOT_DIGIT_AFTER)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?[%％]")
_THOUSANDS = re.compile(r"(?<!\d)\d{1,3}(?:,\d{3})+(?!\d)")
_DECIMAL = re.compile(r"(?<![\d.])(\d+)\.(\d+)(?![\d.])")
_NUMBER = re.compile(r"\d+")
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]{2,5}(?![A-Za-z])")
# Between words, "/" means "or" (PDF / JPG): a pause, not "slash".
_SLASH = re.compile(r"(?<!\d)\s*/\s*(?!\d)")
_UNITS = {"MB": "兆", "KB": "K", "GB": "G"}
_UNIT = re.compile(r"(?<=[0-9零一二三四五六七八九十百千万])\s?(" + "|".join(_UNITS) + r")(?![A-Za-z])")


def family(lang: str) -> str:
    tag = (lang or "").lower().replace("_", "-")
    if tag.startswith(("zh-hant", "zh-hk", "zh-mo", "zh-tw", "yue")):
        return "zh-hant"
    if tag.startswith(("zh", "cmn")):
        return "zh-hans"
    return "ug" if tag.startswith("ug") else "en"


class _Speaker:
    """The words of one voice for digits and numbers."""

    def __init__(self, voice: str, lang: str):
        self.voice, self.family = voice, family(lang)
        self.chinese = voice in (MANDARIN, CANTONESE)
        self.group_mark = GROUP["zh" if self.chinese else "other"]

    def digits(self, text: str, one: str | None = None) -> str:
        """Digit by digit (letters too): 0101 → 零一零一, or "0 1 0 1"."""
        if not self.chinese:
            return " ".join(text.upper())
        words = []
        for c in text:
            if c.isdigit():
                words.append(one if one and c == "1" else DIGITS[int(c)])
            else:
                words.append(f" {c.upper()} ")
        return " ".join("".join(words).split())

    def groups(self, *parts: str, one: str | None = None) -> str:
        return self.group_mark.join(self.digits(p, one) for p in parts if p)

    def by_four(self, digits: str) -> list[str]:
        return [digits[i:i + 4] for i in range(0, len(digits), 4)]

    def number(self, value: int) -> str:
        return chinese_number(value) if self.chinese else str(value)

    def spell(self, letters: str) -> str:
        return " ".join(letters.upper())


def chinese_number(value: int) -> str:
    """1234 → 一千二百三十四, 10 → 十, 105 → 一百零五, 20000 → 二万 (to 9999 9999 9999)."""
    if value == 0:
        return DIGITS[0]
    if value >= 10**12:
        return "".join(DIGITS[int(d)] for d in str(value))
    result = ""
    for unit, size in (("亿", 10**8), ("万", 10**4), ("", 1)):
        chunk = value // size % 10**4
        if not chunk:
            if result and not result.endswith(DIGITS[0]):
                result += DIGITS[0]
            continue
        if result and chunk < 1000 and not result.endswith(DIGITS[0]):
            result += DIGITS[0]
        result += _below_10000(chunk) + unit
    result = result.rstrip(DIGITS[0])
    return result[1:] if result.startswith("一十") else result


def _below_10000(value: int) -> str:
    words, zero = "", False
    for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit = value // size % 10
        if digit:
            if zero and words:
                words += DIGITS[0]
            words += DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return words


def for_speech(text: str, lang: str, voice: str) -> str:
    """The sentence as it is to be spoken by `voice` (text in language `lang`)."""
    say = _Speaker(voice, lang)

    def masked(match):
        token = match.group(0)
        if token.count("*") + token.count("＊") < 2:
            return token
        shown = re.search(r"(\d+)$", token)
        return f"{ENDING[say.family]}{say.digits(shown.group(1))}" if shown else ""

    text = _MASKED_NAME.sub(lambda m: SOMEBODY * min(2, len(m.group(0)))
                            if say.chinese else "", text)
    text = _MASKED.sub(masked, text)
    text = _CODE.sub(lambda m: say.spell(m.group(1)) + say.group_mark
                     + say.groups(*say.by_four(m.group(2))), text)
    text = _ID.sub(lambda m: say.groups(*m.groups()), text)
    text = _MOBILE.sub(lambda m: say.groups(*m.groups(), one=PHONE_ONE.get(voice)), text)
    text = _LANDLINE.sub(lambda m: say.groups(*m.groups(), one=PHONE_ONE.get(voice)), text)
    text = _CARD.sub(lambda m: say.groups(*say.by_four(m.group(0).replace(" ", ""))), text)
    if say.chinese:
        text = _chinese_numbers(text, say)
    if voice == CANTONESE:
        # Cantonese speakers say the letters of PDF or YB by their English names; espeak-ng's
        # yue voice would read "YB" as a word. (Digits never reach it here: it aborts on a
        # letter followed by a long run of digits.)
        text = _ACRONYM.sub(lambda m: f" {say.spell(m.group(0))} ", text)
    return " ".join(text.split())


def _chinese_numbers(text: str, say: _Speaker) -> str:
    def money(match):
        whole = int((match.group(1) or match.group(3)).replace(",", ""))
        fraction = (match.group(2) or match.group(4) or "").ljust(2, "0")
        words = f"{chinese_number(whole)}元"
        if fraction[0] != "0":
            words += f"{DIGITS[int(fraction[0])]}角"
        if fraction[1] != "0":
            words += f"{DIGITS[int(fraction[1])]}分"
        return words

    def year(digits: str) -> str:
        return "".join(YEAR_DIGITS[int(d)] for d in digits) + "年"

    def date(match):
        if match.group(4):
            return year(match.group(4))
        y, m, d = match.group(1), match.group(2), match.group(3)
        return ((year(y) if y else "") + f"{chinese_number(int(m))}月"
                + (f"{chinese_number(int(d))}日" if d else ""))

    text = _MONEY.sub(money, text)
    text = _ISO_DATE.sub(lambda m: year(m.group(1)) + f"{chinese_number(int(m.group(2)))}月"
                         f"{chinese_number(int(m.group(3)))}日", text)
    text = _DATE.sub(date, text)
    text = _TIME.sub(lambda m: f"{chinese_number(int(m.group(1)))}点"
                     + (f"{chinese_number(int(m.group(2)))}分" if int(m.group(2)) else "整"),
                     text)
    text = _PERCENT.sub(lambda m: "百分之" + _decimal(m.group(1)), text)
    text = _SLASH.sub("、", text)
    text = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), text)
    text = _DECIMAL.sub(lambda m: _decimal(m.group(0)), text)
    # What is left: counts up to 4 digits as numbers (22个工作日), longer ones are codes.
    text = _NUMBER.sub(lambda m: chinese_number(int(m.group(0))) if len(m.group(0)) <= 4
                       else say.digits(m.group(0)), text)
    return _UNIT.sub(lambda m: _UNITS[m.group(1)], text)


def _decimal(number: str) -> str:
    whole, _, fraction = number.partition(".")
    words = chinese_number(int(whole))
    return words + ("点" + "".join(DIGITS[int(d)] for d in fraction) if fraction else "")
