"""Screenshots for the README, made from the app itself so that they can be made again
whenever the pages change:

    .venv/bin/python -m a11y_tests.screenshots              # every one below
    .venv/bin/python -m a11y_tests.screenshots elder-mode   # just that one

Each is the 1280×900 viewport of one page in one display mode and language (modes.py),
with nobody signed in, on the app started here on a fresh temporary data folder (or on
a running site: --base-url), in the Debian Chromium the audits use.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from .modes import ELDER, LOCALES, Locale, Mode, apply, context_options
from .support import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Shot:
    file: str  # relative to the project
    path: str  # the page
    mode: Mode
    locale: Locale
    description: str


SHOTS = {shot.file.rsplit("/", 1)[-1].removesuffix(".png"): shot for shot in (
    Shot("docs/screenshots/elder-mode.png", "/services/retirement", ELDER,
         LOCALES["zh_Hans_CN"], "退休一件事 in elder mode (长辈版): larger text, high "
         "contrast, the simple layout with the start button first, speech controls"),
)}


def take(browser, base_url: str, shot: Shot, root: Path = ROOT) -> Path:
    context = browser.new_context(base_url=base_url, device_scale_factor=1,
                                  **{**context_options(shot.locale, shot.mode),
                                     "viewport": VIEWPORT})
    try:
        apply(context, base_url, shot.mode, shot.locale)
        page = context.new_page()
        page.emulate_media(**shot.mode.emulation())
        page.goto(shot.path)
        page.evaluate("() => document.fonts.ready")
        target = root / shot.file
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), animations="disabled", caret="hide")
        return target
    finally:
        context.close()


def make(names=None, base_url: str | None = None, root: Path = ROOT) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from .audit import local_app, serve

    shots = [SHOTS[name] for name in (names or SHOTS)]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            if base_url:
                return [take(browser, base_url.rstrip("/"), shot, root) for shot in shots]
            with local_app() as app, serve(app) as url:
                return [take(browser, url, shot, root) for shot in shots]
        finally:
            browser.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m a11y_tests.screenshots",
                                     description="Make the README's screenshots again.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="which ones (default: all): " + ", ".join(SHOTS))
    parser.add_argument("--base-url", help="take them on this running site (default: "
                        "start the app locally on a temporary data folder)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in SHOTS]
    if unknown:
        parser.error(f"unknown screenshot {', '.join(unknown)}; choose from {', '.join(SHOTS)}")
    for path in make(args.names, args.base_url):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
