"""python -m a11y_tests: audit every page state of the site and write a report.

Without --base-url the app is started here on a fresh temporary data folder (with the
demo citizens), like the pytest suite's live server. Exits 1 when any finding is not
accepted by the baseline, 0 otherwise (2 on bad arguments)."""
from __future__ import annotations

import argparse
import sys

from .support import AXE_TAGS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m a11y_tests",
        description="Accessibility audit of every page state (axe + structure checks), "
                    "with an HTML/JSON/JUnit report.")
    parser.add_argument("--base-url", help="audit this running site (default: start the "
                        "app locally on a temporary data folder); it must have the demo "
                        "citizens")
    parser.add_argument("--js", choices=["on", "off", "both"], default="both",
                        help="JavaScript mode(s) to audit (default: both)")
    parser.add_argument("--tags", help="comma-separated axe tags (default: "
                        + ",".join(AXE_TAGS) + ")")
    parser.add_argument("--report", default="a11y-report",
                        help="folder for index.html, report.json, junit.xml and shots/ "
                        "(default: a11y-report)")
    parser.add_argument("--baseline", help="YAML list of accepted findings: "
                        "{rule, state (or *), js (optional), reason, expires: YYYY-MM-DD}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each state as it is audited")
    args = parser.parse_args(argv)
    tags = [t.strip() for t in args.tags.split(",") if t.strip()] if args.tags else None

    from .audit import run
    try:
        return run(base_url=args.base_url, js=args.js, tags=tags, report=args.report,
                   baseline=args.baseline, verbose=args.verbose)
    except (OSError, ValueError) as error:
        print(f"python -m a11y_tests: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
