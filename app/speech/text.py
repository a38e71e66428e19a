"""Sentence splitting and cleaning of the text that is read aloud."""
from __future__ import annotations

import re
import unicodedata

MAX_SENTENCE = 120  # characters; a longer sentence is split at a comma
MIN_PIECE = 20      # ... but not into a stub shorter than this

# After Chinese 。！？；, English ! ? ; and Uyghur (Arabic script) ؟ ؛ (plus closing
# quotes or brackets); after a full stop only when a space or the end follows, so
# "1.5" and "3.14" stay whole.
_END = re.compile(r"""([。！？；!?;؟؛]+[”’」』）)\]"'»]*|\.+[”’)\]"'»]*(?=\s|$))""")
_COMMAS = "，、,：:،"
# Bidirectional controls (isolates around names on right-to-left pages): not read.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                        "\u2066\u2067\u2068\u2069"))


def clean(text: str) -> str:
    """Whitespace collapsed; control characters removed (espeak takes \\x01 as the start
    of an embedded command, so rendered text must never carry one)."""
    text = text.translate(_BIDI_CONTROLS)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    """Sentences of an element's text. Newlines (from <br>) end a sentence too."""
    result = []
    for line in text.split("\n"):
        line = clean(line)
        if not line:
            continue
        for piece in _END.split(line):
            if not piece.strip():
                continue
            if _END.fullmatch(piece) and result:
                result[-1] += piece  # the punctuation belongs to the sentence before it
            else:
                result.append(piece.strip())
    return [part for sentence in result for part in _split_long(sentence.strip())
            if any(c.isalnum() for c in part)]  # punctuation alone says nothing


def _split_long(sentence: str) -> list[str]:
    parts = []
    while len(sentence) > MAX_SENTENCE:
        window = sentence[:MAX_SENTENCE]
        cut = max(window.rfind(c) for c in _COMMAS) + 1
        if cut < MIN_PIECE:
            cut = window.rfind(" ") + 1
        if cut < MIN_PIECE:
            cut = MAX_SENTENCE
        parts.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        parts.append(sentence)
    return parts
