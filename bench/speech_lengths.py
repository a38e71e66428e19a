"""How long 朗读本页 takes to read a page, at each reading speed (real synthesis).

    .venv/bin/python -m bench.speech_lengths [--page /services/retirement] [--rates 0.75,1]

Opens the page in elder mode (长辈版, as the citizen would have it) with the Flask test
client, asks for the page's MP3 at each rate (the audio the no-JavaScript link plays,
the page's main content) and decodes it to measure its length. Also prints the
syllables per minute (Chinese characters and digits read, per minute of audio), the
measure of speaking speed used for Mandarin: news is read at about 240-300; speech
for older listeners is recommended well below that, at about 150-200."""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYLLABLES = re.compile(r"[\u3400-\u9fff]")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speech_lengths")
    parser.add_argument("--page", default="/services/retirement")
    parser.add_argument("--rates", default=None, help="comma-separated; default: all offered")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="yiban-bench-lengths-"))
    os.environ["YIBAN_DATA_DIR"] = str(data_dir)
    import miniaudio

    from app import create_app
    from app.display.preferences import SPEECH_RATES, DisplayPreferences

    app = create_app({"TESTING": True, "SPEECH_PREWARM": False, "SPEECH_LIMIT": (10**9, 1)})
    client = app.test_client()
    client.set_cookie("yiban_display", DisplayPreferences(elder=True).to_cookie())
    html = client.get(args.page).get_data(as_text=True)
    script_id = re.search(r'data-script-url="/speech/([0-9a-f]{32})\.json"', html).group(1)
    script = client.get(f"/speech/{script_id}.json").get_json()
    main = [s for s in script["sentences"] if s["main"]]
    spoken = "".join(s.get("speech", s["text"]) for s in main)
    syllables = len(SYLLABLES.findall(spoken))
    default = DisplayPreferences(elder=True).effective().speech_rate
    print(f"{args.page} in elder mode: {len(main)} sentences read, {syllables} Chinese "
          f"syllables; elder mode's default speed {default}")
    rates = args.rates.split(",") if args.rates else sorted(SPEECH_RATES, key=float)
    for rate in rates:
        response = client.get(f"/speech/{script_id}.mp3?rate={rate}")
        assert response.status_code == 200, (rate, response.status_code)
        seconds = miniaudio.decode(response.data, nchannels=1, sample_rate=16000).duration
        print(f"  speed {rate:>4}: {seconds:6.1f} s  ({syllables / seconds * 60:5.0f} syllables "
              f"per minute){'  <- elder default' if rate == default else ''}")
    from app.speech import engine
    engine.shutdown()
    shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
