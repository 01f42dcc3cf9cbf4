"""The admission-to-graduation chain as data: allowed moves and what each move requires."""

from __future__ import annotations

from civicnest.incubation.models import ApplicationStatus as S

TRANSITIONS: dict[str, set[str]] = {
    S.SUBMITTED: {S.ELIGIBLE, S.INELIGIBLE},
    S.ELIGIBLE: {S.ADMITTED, S.WAITLISTED, S.REJECTED},
    S.WAITLISTED: {S.ADMITTED, S.REJECTED},
    S.ADMITTED: {S.INCUBATING, S.EXITED},  # incubating: by signing the agreement
    S.INCUBATING: {S.GRADUATED, S.EXTENDED, S.EXITED},  # by a graduation assessment
    S.EXTENDED: {S.GRADUATED, S.EXTENDED, S.EXITED},
}
NEEDS_REASON = {S.INELIGIBLE, S.REJECTED, S.EXITED}
# Columns of the pipeline board.
BOARD = [
    ("applied", (S.SUBMITTED, S.ELIGIBLE, S.WAITLISTED)),
    ("admitted", (S.ADMITTED,)),
    ("incubating", (S.INCUBATING, S.EXTENDED)),
    ("graduated", (S.GRADUATED,)),
]


def can_move(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, set())
