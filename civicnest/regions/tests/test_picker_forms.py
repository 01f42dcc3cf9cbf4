"""The picker on the organization form: an out-of-scope region is a field error, all other input kept."""

from __future__ import annotations

import pytest

from civicnest.accounts.models import User
from civicnest.registry.models import SocialOrganization


def _org_post(region: str) -> dict[str, object]:
    return {
        "name": "武汉市江岸区测试保留社工服务中心",
        "uscc": "",
        "org_type": "social_service",
        "legal_representative": "张保留",
        "registration_authority": "江岸区民政局",
        "registered_on": "2021-03-15",
        "region": region,
        "category": "elderly",
        "stage": "growth",
        "staff_count": 0,
        "volunteer_count": 0,
        "party_member_count": 0,
        "contact_phone": "13800138000",
    }


@pytest.mark.django_db
def test_organization_form_offers_own_district_only(client, jiangan_officer: User) -> None:
    client.force_login(jiangan_officer)
    html = client.get("/registry/new/").content.decode()
    assert 'value="420102002"' in html  # 大智街道, by name
    assert "大智街道" in html
    assert 'value="420106' not in html  # 武昌区 is not offered


@pytest.mark.django_db
@pytest.mark.parametrize("region", ["420106001", "abc", "9" * 10_000])
def test_organization_out_of_scope_is_field_error_with_input_kept(
    client, jiangan_officer: User, region: str
) -> None:
    client.force_login(jiangan_officer)
    response = client.post("/registry/new/", _org_post(region))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-region"' in html or "is-invalid" in html
    assert "武汉市江岸区测试保留社工服务中心" in html and "张保留" in html
    assert not SocialOrganization.objects.filter(legal_representative="张保留").exists()
    if region == "420106001":
        assert "不在您可以办理的范围内" in html
