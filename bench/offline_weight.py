"""The weight of offline entry (离线录入): the service worker and its page module,
gzip -9 as a server would send them, against the 8 KB budget, and as a ratio of what
a first visit already loads (the page's other scripts).

    .venv/bin/python -m bench.offline_weight
"""
from __future__ import annotations

import gzip
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
OFFLINE = ("js/offline.js", "js/sw.js")
OTHERS = ("js/yiban.js", "js/speech.js", "vendor/htmx.min.js")
BUDGET = 8 * 1024


def gzipped(path: str) -> int:
    return len(gzip.compress((STATIC / path).read_bytes(), 9))


def main() -> None:
    offline = {p: gzipped(p) for p in OFFLINE}
    others = {p: gzipped(p) for p in OTHERS if (STATIC / p).exists()}
    for path, size in {**offline, **others}.items():
        print(f"{path:24} {size:6d} B gzip")
    total = sum(offline.values())
    print(f"offline entry total      {total:6d} B gzip = {total / BUDGET:.0%} of the 8 KB budget;"
          f" {total / max(1, sum(others.values())):.2f}× the other scripts (loaded after them)")


if __name__ == "__main__":
    main()
