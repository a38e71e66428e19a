"""How much of what 朗读本页 says in Chinese is read with another language's sounds.

    .venv/bin/python -m bench.speech_intelligibility [--locale zh_Hans_CN] [--show N]

Visits every page state of tests/speech_pages.py (every GET route for an anonymous
visitor and for a citizen with a sent application and a draft, each question of the
draft, a question with an error, check answers), takes each page's reading script as
the player gets it, and runs espeak-ng's phoneme output (-x) over its Chinese
sentences with the voice the app reads them in (the script's "voice", or, for a
script without one, app.speech.voices as it stands). A sentence "falls back" when
espeak-ng switches language in it, e.g. "(en)" = read with English sounds; those whose
switches come from Latin words alone (said in English, as a Chinese listener expects:
the Y B of an application number in Cantonese) are counted apart.

Reported: over the main pages (home, the 退休 service page, a question, check answers,
the confirmation, my applications, one application) and over all page states; each
as sentences (one per page they are on) and as distinct sentences."""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

CHINESE = re.compile(r"[\u3400-\u9fff]")
MAIN_PAGES = re.compile(r"^anonymous (/|/services/retirement)$|^citizen (/apply/retirement/"
                        r"id_number|/apply/retirement/check|/my/|"
                        r"/my/applications/YB\d+|/my/applications/YB\d+/confirmation)$")


def spoken_sentences(scripts: dict[str, dict], chinese_voice: str):
    """(page, sentence, text as synthesised, voice) of every Chinese sentence."""
    from app.speech.voices import voice_for
    for page, script in scripts.items():
        for sentence in script["sentences"]:
            spoken = sentence.get("speech", sentence["text"])
            if CHINESE.search(spoken):
                voice = sentence.get("voice") or voice_for(sentence["lang"], chinese_voice)
                yield page, sentence, spoken, voice


LATIN = re.compile(r"[A-Za-z]+")


def measure(scripts: dict[str, dict], chinese_voice: str = "cmn"):
    """(rows, {(text, voice): phonemes} of the sentences that switch language, the set of
    those whose switches come from Latin words alone)."""
    from bench.phonemes import switching
    rows = list(spoken_sentences(scripts, chinese_voice))
    bad: dict[tuple[str, str], str] = {}
    latin_only: set[tuple[str, str]] = set()
    for voice in {voice for *_rest, voice in rows}:
        found = switching([t for *_r, t, v in rows if v == voice], voice)
        bad.update({(text, voice): output for text, output in found.items()})
        stripped = {LATIN.sub(" ", t): t for t in found if LATIN.search(t)}
        still = switching(list(stripped), voice)
        latin_only |= {(t, voice) for s, t in stripped.items() if s not in still}
    return rows, bad, latin_only


def report(label: str, rows, bad, latin_only) -> None:
    falls = [r for r in rows if (r[2], r[3]) in bad]
    latin = [r for r in falls if (r[2], r[3]) in latin_only]
    distinct = {(r[2], r[3]) for r in rows}
    pages = {r[0] for r in rows}
    print(f"{label}: {len(falls)} of {len(rows)} Chinese sentences on {len(pages)} page states "
          f"fall back to another language ({100 * len(falls) / max(1, len(rows)):.0f} %), "
          f"{len(latin)} of them only for Latin words (Y B, JavaScript); "
          f"distinct: {len({k for k in distinct if k in bad})} of {len(distinct)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speech_intelligibility")
    parser.add_argument("--locale", default="zh_Hans_CN", choices=("zh_Hans_CN", "zh_Hant"))
    parser.add_argument("--show", type=int, default=5, help="examples of fallbacks to print")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="yiban-bench-intelligibility-"))
    os.environ["YIBAN_DATA_DIR"] = str(data_dir)
    from app import create_app
    from speech_pages import make_world, visit_everything

    app = create_app({"TESTING": True, "SPEECH_PREWARM": False})
    scripts = visit_everything(app, make_world(app), args.locale)
    from app.display.preferences import DisplayPreferences
    rows, bad, latin_only = measure(scripts, DisplayPreferences().chinese_voice)
    print(f"voices used for Chinese: {sorted({r[3] for r in rows})}")
    report("main pages", [r for r in rows if MAIN_PAGES.match(r[0])], bad, latin_only)
    report("all page states", rows, bad, latin_only)
    shown = [item for item in bad.items() if item[0] not in latin_only] + \
        [item for item in bad.items() if item[0] in latin_only]
    for (text, voice), output in shown[:args.show]:
        print(f"  [{voice}] {text}\n      {' '.join(output.split())[:160]}")
    shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
