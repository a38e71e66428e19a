"""The citizen's access log read as visits: one line per visit (who, when, what they
looked at or changed), not one per page. A visit is a run of consecutive entries by
the same person, each within VISIT_GAP of the one before."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .consent import AccessEntry

VISIT_GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class Visit:
    actor_id: str
    actor_kind: str
    entries: tuple[AccessEntry, ...]  # oldest first

    @property
    def started(self) -> datetime:
        return self.entries[0].at

    @property
    def ended(self) -> datetime:
        return self.entries[-1].at

    def actions(self) -> list[tuple[str, int]]:
        """Each action done on the visit and how often, in the order first done."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.action] = counts.get(entry.action, 0) + 1
        return list(counts.items())


def visits(entries: list[AccessEntry], gap: timedelta = VISIT_GAP) -> list[Visit]:
    """Group a log (newest first, as `Consents.access_log_of` gives it) into visits,
    newest first."""
    runs: list[list[AccessEntry]] = []
    for entry in sorted(entries, key=lambda e: (e.at, e.id)):
        last = runs[-1][-1] if runs else None
        if (last is not None and (last.actor_kind, last.actor_id) == (entry.actor_kind, entry.actor_id)
                and entry.at - last.at <= gap):
            runs[-1].append(entry)
        else:
            runs.append([entry])
    return [Visit(run[0].actor_id, run[0].actor_kind, tuple(run)) for run in reversed(runs)]
