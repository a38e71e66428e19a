"""WAV (as espeak-ng makes it) to a small MP3.

MPEG-2 layer III at 16 kHz, 24 kbit/s, mono: 3,000 bytes per second of speech (the
budget is 4 KB/s), a standard sample rate that every browser decodes, and enough
bandwidth (about 7 kHz) for espeak's voices. LAME does the resampling from 22,050 Hz;
quality 7 is its fast mode, and plenty for synthetic speech. The frames carry no ID3
or Xing/Info tag, so clips can be joined into one stream by concatenation."""
from __future__ import annotations

import io
import wave

import lameenc

BIT_RATE = 24          # kbit/s
SAMPLE_RATE = 16000    # Hz out
QUALITY = 7            # LAME: 2 best … 7 fast
# Part of every cache key: a change of settings must not serve old clips.
VERSION = f"mp3-{BIT_RATE}k-{SAMPLE_RATE}-q{QUALITY}-v1"
MIME = "audio/mpeg"


def read_wav(data: bytes) -> tuple[bytes, int, float]:
    """(16-bit mono PCM, sample rate, seconds) of a WAV file's bytes."""
    with wave.open(io.BytesIO(data)) as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise ValueError("expected 16-bit mono WAV")
        frames, rate = wav.getnframes(), wav.getframerate()
        return wav.readframes(frames), rate, frames / rate


def to_mp3(pcm: bytes, in_rate: int) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(in_rate)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_bit_rate(BIT_RATE)
    encoder.set_quality(QUALITY)
    return bytes(encoder.encode(pcm) + encoder.flush())
