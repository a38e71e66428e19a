"""Numbers as a listener expects them read (app/speech/normalise.py): one table of
written text → spoken text per voice, and espeak-ng reads every Chinese result with
Chinese sounds (no "(en)" in its phoneme output)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.speech.normalise import chinese_number, for_speech
from app.speech.voices import CANTONESE, MANDARIN

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.phonemes import switching  # noqa: E402

HANS, HANT = ("zh-CN", MANDARIN), ("zh-Hant", CANTONESE)
EN, UG = ("en", "en"), ("ug", "ug")

TABLE = [
    # application numbers and codes: letters spelt, digits one by one, in fours
    (HANS, "办件编号：YB20261203000001", "办件编号：Y B，二零二六，一二零三，零零零零，零一"),
    (HANT, "辦件編號：YB20261203000001", "辦件編號：Y B，二零二六，一二零三，零零零零，零一"),
    (EN, "Application number YB20261203000001",
     "Application number Y B, 2 0 2 6, 1 2 0 3, 0 0 0 0, 0 1"),
    (HANS, "帮办人编号 HB1001", "帮办人编号 H B，一零零一"),
    # phone numbers: 3-4-4, and 幺 for 1 in Mandarin (it cannot be heard as 七)
    (HANS, "手机号码 13912345678", "手机号码 幺三九，幺二三四，五六七八"),
    (HANT, "手機號碼 13912345678", "手機號碼 一三九，一二三四，五六七八"),
    (EN, "Mobile 13912345678", "Mobile 1 3 9, 1 2 3 4, 5 6 7 8"),
    (HANS, "电话 010-12345678", "电话 零幺零，幺二三四五六七八"),
    (HANS, "请拨打政务服务热线12345", "请拨打政务服务热线一二三四五"),
    # ID numbers 6-8-4, bank cards in fours
    (HANS, "身份证号码 11010119810905957X", "身份证号码 一一零一零一，一九八一零九零五，九五七 X"),
    (EN, "ID number 110101196610129114", "ID number 1 1 0 1 0 1, 1 9 6 6 1 0 1 2, 9 1 1 4"),
    (HANS, "银行卡 6200000000000000101", "银行卡 六二零零，零零零零，零零零零，零零零零，一零一"),
    # masked numbers: the digits shown after 尾号, never the stars
    (HANS, "身份证 110101********0013", "身份证 尾号零零一三"),
    (HANS, "手机 138****0101", "手机 尾号零一零一"),
    (HANT, "手機 138****0101", "手機 尾號零一零一"),
    (HANS, "银行卡 **** **** **** 1234", "银行卡 尾号一二三四"),
    (EN, "Mobile 138****0101", "Mobile ending in 0 1 0 1"),
    (HANS, "申请人 张**", "申请人 张某某"),
    # years digit by digit, dates, times
    (HANS, "2027年起施行", "二〇二七年起施行"),
    (HANS, "预计2026年12月3日办结", "预计二〇二六年十二月三日办结"),
    (HANT, "預計2026年12月3日辦結", "預計二〇二六年十二月三日辦結"),
    (HANS, "12月31日前", "十二月三十一日前"),
    (HANS, "提交于 2026-12-03 10:30", "提交于 二〇二六年十二月三日 十点三十分"),
    (HANS, "上午9:00开门", "上午九点整开门"),
    (EN, "Sent on 3 December 2026", "Sent on 3 December 2026"),
    # money, counts, percentages, decimals, sizes
    (HANS, "补贴¥1,234.50", "补贴一千二百三十四元五角"),
    (HANS, "每月3600元", "每月三千六百元"),
    (HANS, "共计1,005.05元", "共计一千零五元五分"),
    (HANS, "申请后22个工作日内办结", "申请后二十二个工作日内办结"),
    (HANS, "报销比例为85%", "报销比例为百分之八十五"),
    (HANS, "最多1.5倍", "最多一点五倍"),
    (HANS, "文件格式为PDF / JPG / PNG，大小不超过10MB。", "文件格式为PDF、JPG、PNG，大小不超过十兆。"),
    (HANT, "檔案格式為PDF / JPG，大小不超過10MB。", "檔案格式為 P D F 、 J P G ，大小不超過十兆。"),
    (UG, "YB20261203000001", "Y B, 2 0 2 6, 1 2 0 3, 0 0 0 0, 0 1"),
    (HANT, "沒有 JavaScript 時", "沒有 JavaScript 時"),
    # text without numbers is left as it is
    (HANS, "您想怎样退休？", "您想怎样退休？"),
]


@pytest.mark.parametrize("where, written, spoken", TABLE,
                         ids=[f"{w[1]}:{t[:18]}" for w, t, _s in TABLE])
def test_numbers_are_written_out_as_they_are_said(where, written, spoken):
    lang, voice = where
    assert for_speech(written, lang, voice) == spoken


@pytest.mark.parametrize("value, words", [
    (0, "零"), (10, "十"), (15, "十五"), (20, "二十"), (105, "一百零五"), (1010, "一千零一十"),
    (3600, "三千六百"), (10005, "一万零五"), (120000, "十二万"), (100010000, "一亿零一万"),
])
def test_chinese_numbers(value, words):
    assert chinese_number(value) == words


@pytest.mark.parametrize("voice", [MANDARIN, CANTONESE])
def test_espeak_reads_every_normalised_chinese_sentence_with_chinese_sounds(voice):
    spoken = [s for (_lang, v), _w, s in TABLE if v == voice]
    if voice == CANTONESE:  # Cantonese speakers say Latin letters by their English names
        spoken = [s for s in spoken if not any("A" <= c <= "Z" for c in s)]
    assert len(spoken) >= 3
    assert switching(spoken, voice) == {}


@pytest.mark.parametrize("written", ["A 12345678901234", "編號 X20261203000001", "12345678901234567890"])
def test_no_digit_reaches_the_cantonese_voice(written):
    """espeak-ng's yue voice aborts on a letter followed by a long run of digits."""
    spoken = for_speech(written, "zh-Hant", CANTONESE)
    assert not any(c.isdigit() for c in spoken), spoken
