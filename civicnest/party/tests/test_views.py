"""党建 pages: anonymous visitors are sent to login, absurd ids never give a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from civicnest.accounts.models import User

PAGES = [
    "/party/",
    "/party/new/",
    "/party/1/",
    "/party/1/activities/",
    "/party/1/dissolve/",
    "/party/rule/",
    "/party/guides/",
    "/party/guides/new/",
    "/party/guides/1/",
    "/party/99999999999999999999/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "login" in response["Location"]


@pytest.mark.django_db
def test_another_districts_party_org_is_not_shown(client: Client, jiangan_officer: User) -> None:
    from civicnest.party.tests.factories import party_org
    from civicnest.registry.tests.factories import OrganizationFactory

    mine = OrganizationFactory.create(region_id="420102002")
    foreign = OrganizationFactory.create(region_id="420106002")
    own_org = party_org(organization=mine, by=jiangan_officer)
    foreign_org = party_org(organization=foreign, by=jiangan_officer)
    client.force_login(jiangan_officer)
    assert client.get(f"/party/{own_org.pk}/").status_code == 200
    assert client.get(f"/party/{foreign_org.pk}/").status_code in (403, 404)
    assert client.get("/party/99999999999999999999/").status_code == 404
    listing = client.get("/party/").content.decode()
    assert own_org.name in listing and foreign_org.name not in listing
