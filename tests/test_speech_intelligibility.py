"""朗读本页 reads Chinese as Chinese: for every page state (tests/speech_pages.py: every
GET route for an anonymous visitor and for a citizen with a sent application and a
draft, each question of the draft, a question with an error, check answers), the
reading script the player gets is run through espeak-ng's phoneme output (-x) with
the voice the script names for each sentence, and no Chinese sentence may switch to
another language's rules ("(en)" = read with English sounds) - the way espeak-ng's
`cmn` voice read 我们 as "wo men-five".

One exception, as a Chinese listener expects it: Latin letters and English words in a
Chinese sentence (the Y B of an application number in Cantonese, "JavaScript") may be
said in English. A switch is allowed when it comes from them alone: the sentence
without its Latin words has none. Characters, digits and symbols never may."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from app.speech.voices import CANTONESE, MANDARIN
from conftest import _dispose, _make_app
from speech_pages import make_world, visit_everything

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.phonemes import phonemes, switching  # noqa: E402

CHINESE = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]+")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        app = _make_app(mp, tmp_path_factory.mktemp("data"))
        yield app, make_world(app)
        _dispose(app)


def chinese_sentences(scripts: dict[str, dict]) -> list[tuple[str, str, str]]:
    """(page, what is said, voice) of every sentence with Chinese in it."""
    return [(page, s["speech"], s["voice"]) for page, script in scripts.items()
            for s in script["sentences"] if CHINESE.search(s["speech"])]


@pytest.mark.parametrize("locale, voice", [("zh_Hans_CN", MANDARIN), ("zh_Hant", CANTONESE)])
def test_every_chinese_sentence_of_every_page_is_read_with_chinese_sounds(world, locale, voice):
    app, her = world
    scripts = visit_everything(app, her, locale)
    assert len(scripts) >= 30, sorted(scripts)  # the pages were reached, with their scripts
    rows = chinese_sentences(scripts)
    page_voices = {v for _page, _text, v in rows}
    assert voice in page_voices and page_voices <= {MANDARIN, CANTONESE}, page_voices

    failures = []
    for used in page_voices:
        # Checked without their Latin words (one espeak-ng call for a clean page).
        without_latin = {LATIN.sub(" ", t): t for _p, t, v in rows if v == used}
        for checked in switching(list(without_latin), used):
            text = without_latin[checked]
            pages = sorted({p for p, t, v in rows if t == text and v == used})
            failures.append(f"{pages[0]} (+{len(pages) - 1} more) [{used}] {text!r}\n"
                            f"    espeak-ng -x: {' '.join(phonemes(text, used).split())}")
    assert not failures, f"{len(failures)} sentences switch language:\n" + "\n".join(failures)
