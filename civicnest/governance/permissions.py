"""Who may take part in a consultation topic, and who runs it."""

from __future__ import annotations

from typing import Any

from civicnest.accounts.roles import Role
from civicnest.governance.models import Participant, Topic
from civicnest.network.permissions import can_edit_center
from civicnest.regions.scoping import Scope


def can_run_topic(user: Any, topic: Topic) -> bool:
    return bool(can_edit_center(user, topic.center))


def lives_in(user: Any, region_code: str) -> bool:
    """A resident or volunteer bound to the topic's region or a place inside it."""
    return any(
        g.role in (Role.RESIDENT, Role.VOLUNTEER) and g.region_code.startswith(region_code)
        for g in Scope.for_user(user).grants
    )


def serves(user: Any, region_code: str) -> bool:
    """An organization representative whose organization works in the topic's district."""
    return any(
        g.role == Role.ORG_REP and region_code.startswith(g.region_code[:6])
        for g in Scope.for_user(user).grants
    )


def can_take_part(user: Any, topic: Topic) -> bool:
    allowed = set(topic.participants)
    return (
        (Participant.RESIDENTS in allowed and lives_in(user, topic.region_id))
        or (Participant.ORGANIZATIONS in allowed and serves(user, topic.region_id))
        or (Participant.COMMITTEE in allowed and Scope.for_user(user).covers(topic.region_id))
    )


def can_see_topic(user: Any, topic: Topic) -> bool:
    return (
        can_take_part(user, topic)
        or Scope.for_user(user).covers(topic.region_id)
        or lives_in(user, topic.region_id)
    )
