"""Where the audit's time goes: seconds per phase (reaching a state, each engine, each
structure check, the browser's start), summed per process and printed at the end
(`python -m a11y_tests -v`), so a change to the audit's speed can be measured."""
from __future__ import annotations

import collections
import contextlib
import time

SECONDS: collections.Counter = collections.Counter()  # phase -> seconds in this process
COUNTS: collections.Counter = collections.Counter()  # phase -> how many times
MODE = {"id": None}  # the display mode being audited: phases are also summed per mode


@contextlib.contextmanager
def timed(phase: str):
    started = time.monotonic()
    try:
        yield
    finally:
        spent = time.monotonic() - started
        SECONDS[phase] += spent
        COUNTS[phase] += 1
        if MODE["id"]:
            SECONDS[f"{phase}@{MODE['id']}"] += spent


def snapshot() -> dict:
    return {"seconds": dict(SECONDS), "counts": dict(COUNTS)}


def merge(into: dict, part: dict) -> None:
    for kind in ("seconds", "counts"):
        target = into.setdefault(kind, {})
        for phase, value in part.get(kind, {}).items():
            target[phase] = target.get(phase, 0) + value


def lines(profile: dict) -> list[str]:
    seconds, counts = profile.get("seconds", {}), profile.get("counts", {})
    plain = sorted((p for p in seconds if "@" not in p), key=lambda p: -seconds[p])
    out = [f"  {p}: {seconds[p]:.1f} s over {counts.get(p, 0)} "
           f"({1000 * seconds[p] / max(1, counts.get(p, 0)):.0f} ms each)" for p in plain]
    modes = sorted({p.split("@", 1)[1] for p in seconds if "@" in p})
    for mode in modes:
        parts = sorted(((p.split("@")[0], v) for p, v in seconds.items()
                        if p.endswith("@" + mode)), key=lambda kv: -kv[1])
        out.append(f"  in {mode}: " + ", ".join(f"{p} {v:.1f} s" for p, v in parts))
    return out
