from __future__ import annotations

import pytest

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.philanthropy.demo import seed_philanthropy
from civicnest.philanthropy.models import FundingProgram, LedgerEntry, Project, Proposal
from civicnest.philanthropy.services import fund_totals
from civicnest.philanthropy.tests.factories import user_with
from civicnest.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_demo_has_proposals_at_every_stage_and_is_idempotent(jiangan_staff: User) -> None:
    user_with(Role.EXPERT, "420102", username="jiangan_expert")
    user_with(Role.FUNDER, "420102", username="jiangan_funder")
    for _ in range(9):
        OrganizationFactory.create(region_id="420102002")
    first = seed_philanthropy(jiangan_staff)
    assert first["funding_programs"] == 2
    statuses = set(Proposal.objects.values_list("status", flat=True))
    assert statuses == {
        "draft",
        "submitted",
        "ineligible",
        "eligible",
        "not_selected",
        "shortlisted",
        "published",
    }
    assert set(Project.objects.values_list("status", flat=True)) == {
        "published",
        "contracted",
        "completed",
    }
    entries = LedgerEntry.objects.count()
    assert seed_philanthropy(jiangan_staff) == first
    assert LedgerEntry.objects.count() == entries
    fund = FundingProgram.objects.get(name__contains="公益创投").fund
    assert fund_totals(fund)["available"] > 0
