"""Who may do what in 党建. Visibility is the selectors' job; these decide who acts and who reads names.

- Bureau officers and center staff whose jurisdiction covers a party organization keep its records.
- A 党建指导员 is assigned by the staff of the street (or the bureau above it).
- The organization's own representative sees its party organization in full and records its activities.
- Anyone else who can see a row (the representative of an organization a joint branch covers) reads
  the personal political data masked: secretaries', guides' and attendees' names.
"""

from __future__ import annotations

from typing import Any

from civicnest.accounts.roles import Role
from civicnest.party.models import PartyOrganization
from civicnest.regions.codes import STREET
from civicnest.regions.scoping import Scope

STAFF = (Role.BUREAU_OFFICER, Role.CENTER_STAFF)


def own_organization_ids(user: Any) -> set[int]:
    scope = Scope.for_user(user)
    return {g.organization_id for g in scope.grants if g.role == Role.ORG_REP and g.organization_id}


def can_manage_party(user: Any, region_code: str | None) -> bool:
    return Scope.for_user(user).covers(region_code, roles=STAFF)


def can_assign_guide(user: Any, region_code: str | None) -> bool:
    """A guide is sent by a street: the region must be a street, inside the actor's jurisdiction."""
    return (
        region_code is not None
        and len(region_code) == STREET
        and can_manage_party(user, region_code)
    )


def is_host_rep(user: Any, party_org: PartyOrganization) -> bool:
    return (
        party_org.organization_id is not None
        and party_org.organization_id in own_organization_ids(user)
    )


def can_see_personal(user: Any, party_org: PartyOrganization) -> bool:
    return can_manage_party(user, party_org.region_id) or is_host_rep(user, party_org)


def can_record_activity(user: Any, party_org: PartyOrganization) -> bool:
    return party_org.is_active and (
        can_manage_party(user, party_org.region_id) or is_host_rep(user, party_org)
    )
