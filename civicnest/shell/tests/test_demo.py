from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from civicnest.accounts.models import User
from civicnest.network.models import Center
from civicnest.shell.demo import demo_counts

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_city_and_is_idempotent(settings) -> None:
    settings.CIVICNEST_DEMO_PASSWORD = "Demo-Password-2026"
    call_command("seed_demo", stdout=io.StringIO())
    first = demo_counts()
    audit_rows = LogEntry.objects.count()
    assert Center.objects.filter(level="district").count() == 13
    assert Center.objects.filter(level="city").count() == 3
    assert Center.objects.filter(level="street").exists()
    assert Center.objects.filter(level="community").exists()
    for username in (
        "admin",
        "city_officer",
        "jiangan_officer",
        "wuchang_staff",
        "jiangan_resident",
    ):
        assert User.objects.get(username=username).check_password("Demo-Password-2026")
    roles = set(
        User.objects.filter(username__startswith="jiangan_").values_list(
            "role_assignments__role", flat=True
        )
    )
    assert roles == {
        "bureau_officer",
        "center_staff",
        "org_rep",
        "funder",
        "expert",
        "resident",
        "volunteer",
    }

    call_command("seed_demo", stdout=io.StringIO())
    assert demo_counts() == first
    assert LogEntry.objects.count() == audit_rows
