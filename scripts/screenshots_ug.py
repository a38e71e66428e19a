"""Screenshots of key pages in Uyghur (right to left) for review: docs/screenshots/ug-*.png.

    .venv/bin/python scripts/screenshots_ug.py [--locale ug] [--out docs/screenshots]

Starts the app on a temporary data folder, signs in as the demo citizen 张建国 in
Debian's Chromium (Playwright) with the language cookie set, and saves the home page,
the retirement service page, a question page after a wrong answer, and check answers.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def serve(data_dir: str):
    os.environ["YIBAN_DATA_DIR"] = data_dir
    from werkzeug.serving import make_server

    from app import create_app
    app = create_app({"SPEECH_PREWARM": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="ug")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--width", type=int, default=1024)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    prefix = args.locale.split("_")[0].lower() if args.locale != "zh_Hant" else "zh-hant"

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data_dir:
        server, base = serve(data_dir)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": args.width, "height": 900})
                context.add_cookies([{"name": "yiban_lang", "value": args.locale,
                                      "url": base}])
                page = context.new_page()

                def shot(name: str, url: str | None = None):
                    if url:
                        page.goto(base + url)
                    page.screenshot(path=str(out / f"{prefix}-{name}.png"), full_page=True)
                    print("saved", out / f"{prefix}-{name}.png")

                page.goto(base + "/sign-in")
                page.fill("#login", "13800000001")
                page.fill("#password", "yiban-demo-1")
                page.click("main button[type=submit]")
                shot("home", "/")
                shot("service", "/services/retirement")
                page.goto(base + "/apply/retirement/mobile")
                page.fill("#mobile", "1380000")
                page.click("main button[type=submit]")
                shot("question-error")
                page.goto(base + "/apply/retirement")  # answer what is left with valid answers
                for _ in range(30):
                    if page.url.endswith("/check"):
                        break
                    page.click("main button[type=submit]")
                    if page.locator(".error-summary").count():
                        fill_valid(page)
                        page.click("main button[type=submit]")
                shot("check")
                browser.close()
        finally:
            server.shutdown()
    return 0


def fill_valid(page) -> None:
    """Give the current question a valid answer (the prefilled ones already have one)."""
    for radio in page.locator("main input[type=radio]").all()[:1]:
        radio.check()
    for box in page.locator("main input[type=checkbox]").all()[:1]:
        box.check()
    if page.locator("input[type=file]").count():
        png = bytes.fromhex(
            "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
            "0000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
        page.set_input_files("input[type=file]", files=[{
            "name": "photo.png", "mimeType": "image/png", "buffer": png}])
    for name, value in (("-year", "1966"), ("-month", "10"), ("-day", "12")):
        for field in page.locator(f"input[id$='{name}']").all():
            if not field.input_value():
                field.fill(value)
    for field in page.locator("main input[type=text], main textarea").all():
        if not field.input_value():
            field.fill("示例")


if __name__ == "__main__":
    sys.exit(main())
