"""python -m a11y_tests: audit every page state of the site, in every display mode and
language, and write a report.

Without --base-url the app is started here on a fresh temporary data folder (with the
demo citizens), like the pytest suite's live server. Exits 1 when any finding is not
accepted by the baseline, 0 otherwise (2 on bad arguments)."""
from __future__ import annotations

import argparse
import sys

from .modes import DEFAULT_LOCALES, DEFAULT_MODES, LOCALES, MODES, pick
from .engines import ENGINES, pick_engines
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
    parser.add_argument("--modes", default=",".join(DEFAULT_MODES),
                        help="comma-separated display modes (default: "
                        + ",".join(DEFAULT_MODES) + "; also: "
                        + ",".join(m for m in MODES if m not in DEFAULT_MODES)
                        + ", which emulate the device's settings instead of a cookie)")
    parser.add_argument("--locales", default=",".join(DEFAULT_LOCALES),
                        help="comma-separated languages, set by the yiban_lang cookie and "
                        "Accept-Language (default: " + ",".join(DEFAULT_LOCALES) + ")")
    parser.add_argument("--crawl", choices=["standard", "all", "none"], default="standard",
                        help="also follow every link from / and /my/ and audit the pages "
                        "no scripted state covers, and report broken links, in the "
                        "standard display mode: once per JS setting in the first language "
                        "(default), in every language, or not")
    parser.add_argument("--workers", type=int, default=None,
                        help="audit processes sharing the matrix (default: one more "
                        "than the cores, at most 4, on the local app; 1 with --base-url)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated checkers (default: all of "
                        + ",".join(ENGINES) + "): axe-core and IBM Equal Access in each "
                        "page, the Nu HTML Checker once over every page's HTML, the "
                        "site's own structure checks")
    parser.add_argument("--shard", default="1/1", metavar="K/N",
                        help="audit only the K-th of N equal parts of the page states "
                        "(every language, mode and JS setting of them); N runs with "
                        "K = 1..N cover the matrix once (default: 1/1)")
    parser.add_argument("--budget", type=float, metavar="SECONDS",
                        help="with --shard K/N: audit the K-th part, then go on with the "
                        "next parts in turn (K+1, …, N, 1, …) while time allows: no part "
                        "is begun SECONDS after the audit began (one already begun is "
                        "finished). The report counts the page views left for time; "
                        "they are not findings. CI gives part 2 what is left of its "
                        "20 minutes this way")
    parser.add_argument("--states", help="audit only the page states whose ids match "
                        "these comma-separated globs, e.g. 'offline-*,question-*' "
                        "(default: every state of states.py)")
    parser.add_argument("--tags", help="comma-separated axe tags (default: "
                        + ",".join(AXE_TAGS) + ")")
    parser.add_argument("--report", default="a11y-report",
                        help="folder for index.html, report.json, junit.xml and shots/ "
                        "(default: a11y-report)")
    parser.add_argument("--baseline", help="YAML list of accepted findings: "
                        "{rule, state (or *), js, mode, locale, engine (optional, globs), reason, "
                        "expires: YYYY-MM-DD}")
    parser.add_argument("--sharing", choices=["on", "off", "verify"], default="on",
                        help="the rules of axe and IBM that read only the DOM run once "
                        "per distinct DOM and their result is shared by the other display "
                        "modes of that page, where only the rendering rules run (on, the "
                        "default); every rule in every view (off); or every rule in every "
                        "view and each shared result compared, listing any rule that "
                        "differs (verify: the evidence that sharing is sound)")
    parser.add_argument("--seeded-data", metavar="DIR",
                        help="the local app's seeded history (the applicant's sent "
                        "applications, answers, consents), made once through the real "
                        "pages and copied to each worker: keep it in DIR and reuse it if "
                        "DIR already holds today's (default: a temporary folder per run)")
    parser.add_argument("--seed-only", action="store_true",
                        help="only seed the history into --seeded-data for the --js "
                        "settings and exit, e.g. in the background while something else "
                        "runs (./test.sh --quick seeds while pytest runs)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each state as it is audited")
    args = parser.parse_args(argv)
    tags = [t.strip() for t in args.tags.split(",") if t.strip()] if args.tags else None
    try:
        modes = pick(args.modes, MODES, "display mode")
        locales = pick(args.locales, LOCALES, "language")
        engines = pick_engines(args.engines)
        shard = parse_shard(args.shard)
        states = pick_states(args.states) if args.states else None
    except ValueError as error:
        parser.error(str(error))
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.budget is not None and args.budget < 0:
        parser.error("--budget must be at least 0")
    if args.seed_only and not args.seeded_data:
        parser.error("--seed-only needs --seeded-data DIR")
    if args.seed_only and args.base_url:
        parser.error("--seed-only seeds the local app's history, not a deployment's")

    if args.seed_only:
        from pathlib import Path

        from .audit import seeded_once
        seeded_once(Path(args.seeded_data), ["on", "off"] if args.js == "both" else [args.js])
        print(f"seeded: {args.seeded_data}", flush=True)
        return 0

    from .audit import run
    try:
        return run(base_url=args.base_url, js=args.js, tags=tags, report=args.report,
                   baseline=args.baseline, verbose=args.verbose, modes=modes,
                   locales=locales, workers=args.workers,
                   crawl=args.crawl, engines=engines, shard=shard, states=states,
                   sharing=args.sharing, seeded_data=args.seeded_data,
                   budget=args.budget)
    except (OSError, ValueError) as error:
        print(f"python -m a11y_tests: {error}", file=sys.stderr)
        return 2


def pick_states(text: str) -> list:
    from fnmatch import fnmatchcase

    from .states import STATES
    globs = [g.strip() for g in text.split(",") if g.strip()]
    chosen = [s for s in STATES if any(fnmatchcase(s.id, g) for g in globs)]
    if not chosen:
        raise ValueError(f"--states {text}: no page state matches")
    return chosen


def parse_shard(text: str) -> tuple[int, int]:
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise ValueError(f"--shard {text}: want K/N with 1 <= K <= N, e.g. 2/3")
    return int(k), int(n)


if __name__ == "__main__":
    sys.exit(main())
