"""The speech engine makes real speech: each clip is decoded and measured.

pyttsx3 2.99's espeak driver can drop the first utterance of a loop or write it into
the next file, and applies a rate change late; these tests would catch either: every
clip of a batch is compared with the same text synthesised on its own."""
from __future__ import annotations

import math
import os
import signal
import threading

import miniaudio
import pytest

from app.display.preferences import ELDER_PRESET
from app.speech import encode, engine
from app.speech.normalise import for_speech
from app.speech.voices import MANDARIN, voice_for, words_per_minute

SILENCE_RMS = 300  # 16-bit samples: about -40 dBFS; espeak speech is around 3,000


def decode(mp3: bytes) -> tuple[float, float]:
    """(seconds, RMS) of an MP3."""
    sound = miniaudio.decode(mp3, output_format=miniaudio.SampleFormat.SIGNED16,
                             nchannels=1, sample_rate=encode.SAMPLE_RATE)
    samples = sound.samples[::4]  # every 4th sample is plenty for a level
    rms = math.sqrt(sum(x * x for x in samples) / len(samples)) if samples else 0.0
    return sound.num_frames / sound.sample_rate, rms


SHORT_ZH, LONG_ZH = "你好。", "根据国家有关规定，职工达到法定退休年龄，可以按月领取基本养老金。"
SHORT_EN, LONG_EN = "Hello.", "Your answers are saved at every step, so closing the browser loses nothing."


@pytest.mark.parametrize("voice, short, long", [(MANDARIN, SHORT_ZH, LONG_ZH),
                                                ("en", SHORT_EN, LONG_EN)])
def test_chinese_and_english_audio_is_real_speech(voice, short, long):
    short_clip, long_clip = engine.synthesise([(short, voice, 175), (long, voice, 175)])
    (short_s, short_rms), (long_s, long_rms) = decode(short_clip.mp3), decode(long_clip.mp3)
    assert 0.3 < short_s < 3
    assert long_s > 2.5 * short_s, "the duration grows with the text"
    assert short_rms > SILENCE_RMS and long_rms > SILENCE_RMS, "not silence"


# A service page's paragraph, as elder mode reads it.
PARAGRAPH = ("退休一件事把养老金申领、医保待遇变更、公积金提取等十项手续合在一起，只需申请一次。"
             "平台已经掌握您的身份证、社保缴费记录和银行卡信息，不需要再上传这些材料。"
             "办理时间一般为二十二个工作日，办结后会发送短信通知。")


def test_elder_mode_reads_mandarin_at_a_pace_older_listeners_accept():
    """Unhurried Mandarin conversation is about 180-240 syllables a minute, news about
    250-300; at elder mode's speed synthetic Mandarin should be slower than news but
    not dragged out (0.75x was 140 a minute: the 退休 service page took over 4 minutes)."""
    voice = voice_for("zh-CN")
    [clip] = engine.synthesise([(for_speech(PARAGRAPH, "zh-CN", voice), voice,
                                 words_per_minute(ELDER_PRESET.speech_rate))])
    syllables = sum("\u4e00" <= c <= "\u9fff" for c in PARAGRAPH)
    per_minute = syllables / decode(clip.mp3)[0] * 60
    assert 170 <= per_minute <= 240, per_minute


def test_every_clip_of_a_batch_is_its_own_text_first_one_included():
    jobs = [(SHORT_ZH, MANDARIN, 175), (LONG_ZH, MANDARIN, 175), (SHORT_EN, "en", 175),
            (LONG_EN, "en", 175), ("第三句，中等长度。", MANDARIN, 175)]
    alone = [decode(engine.synthesise([job])[0].mp3)[0] for job in jobs]
    batch = [decode(clip.mp3)[0] for clip in engine.synthesise(jobs)]
    for job, single, in_batch in zip(jobs, alone, batch):
        assert in_batch == pytest.approx(single, rel=0.05, abs=0.08), job[0]
    # and the lengths follow the texts: short < medium < long in each language
    assert batch[0] < batch[4] < batch[1]
    assert batch[2] < batch[3]


def test_a_fresh_engine_does_not_drop_its_first_utterance():
    """The driver's very first runAndWait returns before the audio exists."""
    engine.shutdown()  # the next batch starts new workers with new engines
    clips = engine.synthesise([(LONG_ZH, MANDARIN, 175), (SHORT_ZH, MANDARIN, 175)])
    long_s, long_rms = decode(clips[0].mp3)
    short_s, _ = decode(clips[1].mp3)
    assert long_s > 2.5 * short_s and long_rms > SILENCE_RMS


def test_speed_is_applied_to_the_utterance_it_was_asked_for():
    # Alternating speeds: a rate applied one utterance late would swap the durations.
    clips = engine.synthesise([(LONG_ZH, MANDARIN, rate) for rate in (131, 262, 131, 262)])
    slow1, fast1, slow2, fast2 = (decode(c.mp3)[0] for c in clips)
    assert slow1 > 1.5 * fast1 and slow2 > 1.5 * fast2
    assert slow1 == pytest.approx(slow2, rel=0.05)


def test_at_most_4_kb_per_second_of_audio():
    for clip in engine.synthesise([(LONG_ZH, MANDARIN, 175), (SHORT_EN, "en", 175)]):
        seconds, _ = decode(clip.mp3)
        assert len(clip.mp3) / seconds <= 4096


def test_concurrent_requests_each_get_their_own_audio():
    texts = [LONG_ZH, SHORT_ZH, "第三句，中等长度。", "请输入您的姓名"]
    expected = {t: decode(engine.synthesise([(t, MANDARIN, 175)])[0].mp3)[0] for t in texts}
    results, errors = {}, []

    def request(t):
        try:
            results[t] = decode(engine.synthesise([(t, MANDARIN, 175)] * 3)[2].mp3)[0]
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=request, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    for t in texts:
        assert results[t] == pytest.approx(expected[t], rel=0.05, abs=0.08)


def test_a_crashed_worker_is_replaced():
    engine.synthesise([(SHORT_ZH, MANDARIN, 175)])
    pool = engine._get_pool()
    os.kill(next(iter(pool._processes)), signal.SIGKILL)
    clip = engine.synthesise([(SHORT_EN, "en", 175)])[0]
    assert decode(clip.mp3)[1] > SILENCE_RMS


def test_implausible_lengths_are_recognised():
    low, high = engine.plausible_seconds(LONG_ZH, 175)
    assert low > 0.5 and high < 60
    assert engine.plausible_seconds(LONG_ZH, 262)[0] < low  # faster: shorter allowed


def _speak_once_and_return():
    engine.synthesise([(SHORT_EN, "en", 175)])


def test_a_child_process_that_used_speech_can_exit():
    # A multiprocessing child runs no atexit handlers and joins its own children on
    # the way out: unless the speech workers are stopped first, it never ends (this
    # hung the audit command's worker processes).
    import multiprocessing
    child = multiprocessing.get_context("spawn").Process(target=_speak_once_and_return)
    child.start()
    child.join(timeout=60)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive and child.exitcode == 0
