"""The team filing (备案) workflow as data: which status may move to which, and who decides."""

from __future__ import annotations

from civicnest.registry.models import FilingStatus

# from-status → {to-status: name of the permission predicate in registry.permissions}
TEAM_TRANSITIONS: dict[str, dict[str, str]] = {
    FilingStatus.SUBMITTED: {
        FilingStatus.FILED: "can_review_team",
        FilingStatus.RETURNED: "can_review_team",
    },
    FilingStatus.RETURNED: {FilingStatus.SUBMITTED: "can_resubmit_team"},
    FilingStatus.FILED: {FilingStatus.REVOKED: "can_review_team"},
}


def allowed_targets(status: str) -> list[str]:
    return list(TEAM_TRANSITIONS.get(status, {}))
