"""How an application moves in the embedded platform: one part per department (a
bundle's matters grouped by the department that handles them), each with its own
status and promised date; requests for more (补正) and their answers; and the
owner's rating (好差评) once it is closed.

These functions work on rows inside the caller's session; `EmbeddedPlatform` wraps
them into the `PlatformClient` methods and the back office that the CLI drives."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from .. import PART_OPEN, RATING_LEVELS, condition_holds
from .models import ApplicationRow, EventRow, PartRow, SupplementRow

# The key under which the front sends the optional matters the citizen chose (the
# answer of its "which of these shall we do" page; docs/form-schema.md).
MATTERS_KEY = "matters"
# A rating may be changed for this long after it was first given (a demo policy; the
# national 好差评 rules leave the window to each province).
RATING_EDIT_WINDOW = timedelta(days=7)
CLOSED_FOR_RATING = ("done", "rejected")


class BackOfficeError(ValueError):
    """A back-office command that cannot be carried out (no such part, part closed …);
    the message says why, for the operator."""


def _chinese(value) -> str:
    return value["zh_Hans_CN"] if isinstance(value, dict) else str(value)


def active_matters(doc: dict, answers: dict) -> list[dict]:
    """The bundle's matters this application is for: every required matter whose
    `applies_if` holds, and every optional one the citizen chose."""
    chosen = answers.get(MATTERS_KEY) or []
    return [m for m in doc.get("matters", [])
            if (not m.get("optional") or m.get("key") in chosen)
            and condition_holds(m.get("applies_if"), answers)]


def plan_parts(doc: dict, promise_days: int, answers: dict) -> list[dict]:
    """One part per department, in the service's department order, with the names of
    its matters and its working days: the slowest of its matters (the application's
    promise is then its slowest part's). A single matter (or a bundle none of whose matters applies)
    gets a part for each of its departments, promised like the whole."""
    matters = active_matters(doc, answers)
    departments = list(doc.get("departments", []))
    if not matters:
        return [{"department": d, "matters": [], "days": promise_days} for d in departments]
    grouped: dict[str, list[dict]] = {}
    for matter in matters:
        grouped.setdefault(_chinese(matter.get("department", "")), []).append(matter)
    order = [d for d in departments if d in grouped] + [d for d in grouped if d not in departments]
    return [{"department": d, "matters": [_chinese(m["name"]) for m in grouped[d]],
             "days": max(int(m.get("days", 0)) for m in grouped[d])}
            for d in order]


def derive_status(row: ApplicationRow) -> str:
    """The whole application's status from its parts."""
    statuses = [p.status for p in row.parts]
    if not statuses:
        return row.status
    if not any(s in PART_OPEN for s in statuses):
        if "done" in statuses:
            return "done"
        return "withdrawn" if all(s == "withdrawn" for s in statuses) else "rejected"
    if all(s == "submitted" for s in statuses):
        return "submitted"
    if all(s in ("submitted", "accepted") for s in statuses):
        return "accepted"
    return "in_progress"


def settle(row: ApplicationRow, now: datetime) -> None:
    """Set the status from the parts; say so in the timeline when it has closed."""
    before, after = row.status, derive_status(row)
    row.status = after
    if after != before and after in ("done", "rejected"):
        row.events.append(EventRow(at=now, kind=after))


def find_part(row: ApplicationRow, department: str | None) -> PartRow:
    if department is None:
        if len(row.parts) == 1:
            return row.parts[0]
        raise BackOfficeError(f"{row.number} has {len(row.parts)} parts: name one with --part "
                              f"({', '.join(p.department for p in row.parts)})")
    part = next((p for p in row.parts if p.department == department), None)
    if part is None:
        raise BackOfficeError(f"{row.number} has no part for {department} "
                              f"({', '.join(p.department for p in row.parts)})")
    return part


def accept_all(row: ApplicationRow, now: datetime) -> None:
    """The service centre accepts (受理) the application: every part at once."""
    for part in row.parts:
        if part.status == "submitted":
            part.status, part.accepted_at, part.updated_at = "accepted", now, now
    row.status = "accepted"
    row.events.append(EventRow(at=now, kind="accepted"))


def finish_next(row: ApplicationRow, now: datetime) -> bool:
    """The next department still working (not waiting for the citizen) finishes its
    part. False when none can move."""
    part = next((p for p in row.parts if p.status in ("accepted", "in_review", "submitted")),
                None)
    if part is None:
        return False
    finish(row, part, now)
    return True


def finish(row: ApplicationRow, part: PartRow, now: datetime) -> None:
    part.status, part.finished_at, part.updated_at = "done", now, now
    part.accepted_at = part.accepted_at or now
    row.events.append(EventRow(at=now, kind="department", department=part.department))
    row.status = "in_progress"
    settle(row, now)


def step_part(row: ApplicationRow, part: PartRow, now: datetime) -> None:
    """One department moves its own part one step: accepted, in review, done."""
    if part.status == "submitted":
        part.status, part.accepted_at, part.updated_at = "accepted", now, now
        row.events.append(EventRow(at=now, kind="part_accepted", department=part.department))
        settle(row, now)
    elif part.status == "accepted":
        part.status, part.updated_at = "in_review", now
        row.events.append(EventRow(at=now, kind="part_in_review", department=part.department))
        settle(row, now)
    elif part.status == "in_review":
        finish(row, part, now)
    elif part.status == "supplement":
        raise BackOfficeError(f"{part.department} is waiting for the citizen's supplement on "
                              f"{row.number}")
    else:
        raise BackOfficeError(f"the {part.department} part of {row.number} is closed "
                              f"({part.status})")


def refuse_part(row: ApplicationRow, part: PartRow, reason: str, now: datetime) -> None:
    if part.status not in PART_OPEN:
        raise BackOfficeError(f"the {part.department} part of {row.number} is closed "
                              f"({part.status})")
    part.status, part.refusal_reason = "rejected", reason
    part.finished_at = part.updated_at = now
    row.events.append(EventRow(at=now, kind="part_rejected", department=part.department,
                               note=reason))
    settle(row, now)


def refuse_all(row: ApplicationRow, reason: str, now: datetime) -> None:
    for part in row.parts:
        if part.status in PART_OPEN:
            part.status, part.refusal_reason = "rejected", reason
            part.finished_at = part.updated_at = now
    row.status = "rejected"
    row.events.append(EventRow(at=now, kind="rejected", note=reason))


def withdraw_parts(row: ApplicationRow, now: datetime) -> None:
    for part in row.parts:
        if part.status in PART_OPEN:
            part.status, part.updated_at = "withdrawn", now


def raise_supplement(row: ApplicationRow, part: PartRow, ask: str, deadline: date | None,
                     wants_file: bool, now: datetime) -> SupplementRow:
    if part.status not in PART_OPEN:
        raise BackOfficeError(f"the {part.department} part of {row.number} is closed "
                              f"({part.status})")
    if not ask.strip():
        raise BackOfficeError("say what the citizen should supply (--ask)")
    supplement = SupplementRow(department=part.department, ask=ask.strip(), deadline=deadline,
                               wants_file=wants_file, raised_at=now)
    row.supplements.append(supplement)
    part.status, part.updated_at = "supplement", now
    part.accepted_at = part.accepted_at or now
    row.events.append(EventRow(at=now, kind="supplement_requested", department=part.department,
                               note=supplement.ask, supplement=supplement))
    settle(row, now)
    return supplement


def answer_supplement(row: ApplicationRow, supplement: SupplementRow, answer: dict,
                      acted_by: str | None, now: datetime) -> None:
    supplement.answer, supplement.answered_at, supplement.answered_by = answer, now, acted_by
    still_waiting = any(s.answered_at is None and s.department == supplement.department
                        for s in row.supplements if s is not supplement)
    part = next((p for p in row.parts if p.department == supplement.department), None)
    if part is not None and part.status == "supplement" and not still_waiting:
        part.status, part.updated_at = "in_review", now
    row.events.append(EventRow(at=now, kind="supplement_answered",
                               department=supplement.department, acted_by=acted_by,
                               supplement=supplement))
    settle(row, now)


def check_level(level) -> int:
    if isinstance(level, bool) or level not in RATING_LEVELS:
        raise ValueError(f"a rating is one of {RATING_LEVELS}")
    return int(level)


def rating_editable(rated_at: datetime, now: datetime) -> bool:
    return now - rated_at <= RATING_EDIT_WINDOW
