"""The team filing table and its service agree: for every transition, status and user, the action is offered
(`TEAM_FILING.names`) exactly when `team_transition` accepts it."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory
from civicnest.registry import services
from civicnest.registry.models import ActivityTeam, FilingStatus
from civicnest.registry.tests.test_registry import team_data
from civicnest.registry.workflows import TEAM_FILING


class _Rollback(Exception):
    pass


def _accepted(user: User, team: ActivityTeam, to: str) -> bool:
    try:
        with transaction.atomic():
            services.team_transition(actor=user, team=team, to=to, reason="原因")
            raise _Rollback
    except _Rollback:
        return True
    except (ApplicationError, PermissionDenied):
        return False


def test_every_filing_action_is_offered_exactly_when_the_service_accepts_it(
    make_user: Callable[..., User], jiangan_center: Center, wuchang_officer: User
) -> None:
    street = CenterFactory.create(
        region_id="420102002", level="street", parent=jiangan_center, name="大智街道促进中心"
    )
    street_staff = make_user(Role.CENTER_STAFF, "420102002", center=street, username="st_staff")
    resident = make_user(Role.RESIDENT, "420102002003", username="res_a")
    neighbour = make_user(Role.RESIDENT, "420102002003", username="res_b")
    teams: dict[str, ActivityTeam] = {}
    status: str
    for status in (FilingStatus.SUBMITTED, FilingStatus.RETURNED, FilingStatus.FILED):
        team = services.team_submit(actor=resident, data=team_data(name=f"合唱团{status}"))
        if status == FilingStatus.RETURNED:
            services.team_transition(actor=street_staff, team=team, to=status, reason="补材料")
        elif status == FilingStatus.FILED:
            services.team_transition(actor=street_staff, team=team, to=status)
        teams[status] = ActivityTeam.objects.get(pk=team.pk)
    district_staff = make_user(
        Role.CENTER_STAFF, "420102", center=jiangan_center, username="district_staff"
    )  # district centers do not review street filings; only street and community centers do
    users = [street_staff, resident, neighbour, wuchang_officer, district_staff]
    mismatches: list[str] = []
    seen: dict[str, set[bool]] = {t.action: set() for t in TEAM_FILING.transitions}
    for transition in TEAM_FILING.transitions:
        for status, team in teams.items():
            for user in users:
                fresh = ActivityTeam.objects.get(pk=team.pk)
                offered = transition.action in TEAM_FILING.names(fresh, user)
                accepted = _accepted(user, fresh, transition.target)
                seen[transition.action].add(accepted)
                if offered != accepted:
                    mismatches.append(f"{transition.action} on {status} for {user.username}")
    assert not mismatches, mismatches
    assert all(v == {True, False} for v in seen.values()), seen
