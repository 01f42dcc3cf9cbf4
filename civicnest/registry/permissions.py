"""Named predicates for the registry. Visibility is the selectors' job; these decide who may act."""

from __future__ import annotations

from typing import Any

from civicnest.accounts.roles import Role
from civicnest.network.models import Center, CenterLevel
from civicnest.regions.scoping import Scope
from civicnest.registry.models import ActivityTeam, CreditKind, SocialOrganization

STAFF = (Role.BUREAU_OFFICER, Role.CENTER_STAFF)
# Roles whose holders may file a team for the region they live or work in.
FILERS = (Role.RESIDENT, Role.VOLUNTEER, Role.ORG_REP)
# Listing on or off the abnormal-activity list is an act of the registration authority.
BUREAU_ONLY_CREDIT = {CreditKind.ABNORMAL_LISTED, CreditKind.ABNORMAL_REMOVED, CreditKind.SERIOUS}


def is_org_member(user: Any, org: SocialOrganization) -> bool:
    scope = Scope.for_user(user)
    return any(g.role == Role.ORG_REP and g.organization_id == org.pk for g in scope.grants)


def can_manage_org(user: Any, org: SocialOrganization) -> bool:
    """Staff whose jurisdiction covers the organization keep its record."""
    return Scope.for_user(user).covers(org.region_id, roles=STAFF)


def can_edit_org_profile(user: Any, org: SocialOrganization) -> bool:
    return can_manage_org(user, org) or is_org_member(user, org)


def can_see_contacts(user: Any, org: SocialOrganization) -> bool:
    """Phones are shown in full to the organization itself and to the centers and bureau serving it."""
    return can_edit_org_profile(user, org)


def can_create_org(user: Any, region_code: str) -> bool:
    return Scope.for_user(user).covers(region_code, roles=STAFF)


def can_set_grade(user: Any, org: SocialOrganization) -> bool:
    return Scope.for_user(user).covers(org.region_id, roles=[Role.BUREAU_OFFICER])


def can_record_credit(user: Any, org: SocialOrganization, kind: str) -> bool:
    roles = [Role.BUREAU_OFFICER] if kind in BUREAU_ONLY_CREDIT else STAFF
    return Scope.for_user(user).covers(org.region_id, roles=roles)


def can_submit_annual_report(user: Any, org: SocialOrganization) -> bool:
    return is_org_member(user, org) or can_manage_org(user, org)


def can_file_team(user: Any, region_code: str) -> bool:
    scope = Scope.for_user(user)
    return scope.covers(region_code, roles=STAFF) or scope.covers(region_code, roles=FILERS)


def can_review_team(user: Any, team: ActivityTeam) -> bool:
    """Street and community centers review filings in their area; the bureau may too."""
    scope = Scope.for_user(user)
    if scope.covers(team.region_id, roles=[Role.BUREAU_OFFICER]):
        return True
    if not scope.covers(team.region_id, roles=[Role.CENTER_STAFF]):
        return False

    levels = set(
        Center.objects.filter(pk__in=scope.center_ids(roles=[Role.CENTER_STAFF])).values_list(
            "level", flat=True
        )
    )
    return bool(levels & {CenterLevel.STREET, CenterLevel.COMMUNITY})


def can_resubmit_team(user: Any, team: ActivityTeam) -> bool:
    return team.submitted_by_id == getattr(user, "pk", None) or can_file_team(user, team.region_id)
