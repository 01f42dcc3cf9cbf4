from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.core.models import Notification
from civicnest.core.validators import uscc_build
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory
from civicnest.regions.models import Region
from civicnest.registry import selectors, services
from civicnest.registry.models import (
    ActivityTeam,
    AnnualReport,
    ArchiveDocument,
    CreditRecord,
    FilingStatus,
    OrgStatus,
    SocialOrganization,
)
from civicnest.registry.tests.factories import AnnualReportFactory, OrganizationFactory, TeamFactory

pytestmark = pytest.mark.django_db


def org_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "武汉市江岸区和谐社工服务中心",
        "uscc": uscc_build(org_type="social_service", region_code="420102", body="MA4K3X7Q"),
        "org_type": "social_service",
        "legal_representative": "张和谐",
        "registration_authority": "江岸区民政局",
        "registered_on": datetime.date(2021, 3, 15),
        "region": Region.objects.get(code="420102002"),
        "category": "elderly",
        "stage": "growth",
        "contact_phone": "13800138000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def org_rep(make_user: Callable[..., User]) -> Callable[[SocialOrganization], User]:
    def make(org: SocialOrganization) -> User:
        user = make_user()
        RoleAssignment.objects.create(
            user=user, role=Role.ORG_REP, region_id=org.region_id[:6], organization=org
        )
        return user

    return make


@pytest.fixture
def street_staff(make_user: Callable[..., User], jiangan_center: Center) -> User:
    street = CenterFactory.create(
        region_id="420102002", level="street", parent=jiangan_center, name="大智街道促进中心"
    )
    return make_user(Role.CENTER_STAFF, "420102002", center=street, username="street_staff")


# -- organizations --------------------------------------------------------------------------------
def test_staff_registers_an_organization_with_pinyin_search(jiangan_officer: User) -> None:
    org = services.organization_create(actor=jiangan_officer, data=org_data())
    assert org.name_initials.startswith("whsjaqhxsg")
    for q in ("和谐", "谐", "hxsg", "hexie", org.uscc[:10]):
        assert list(selectors.organization_list(user=jiangan_officer, filters={"q": q})) == [org], q
    assert LogEntry.objects.get_for_object(org).get().actor == jiangan_officer


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"uscc": "52420102MA4K3X7Q6A"}, "uscc", "校验位不正确"),
        ({"org_type": "foundation"}, "uscc", "组织类型不符"),
        ({"region": "4201"}, "region", "区、街道或社区"),
        ({"contact_phone": "1380013800"}, "contact_phone", "手机号码"),
    ],
)
def test_bad_organization_input_is_refused(
    jiangan_officer: User, overrides: dict[str, object], field: str, message: str
) -> None:
    if overrides.get("region") == "4201":
        overrides["region"] = Region.objects.get(code="4201")
    with pytest.raises(ValidationError) as exc:
        services.organization_create(actor=jiangan_officer, data=org_data(**overrides))
    assert message in " ".join(exc.value.message_dict[field])
    assert not SocialOrganization.objects.exists()


def test_duplicate_code_is_refused(jiangan_officer: User) -> None:
    services.organization_create(actor=jiangan_officer, data=org_data())
    with pytest.raises(ValidationError) as exc:
        services.organization_create(actor=jiangan_officer, data=org_data(name="另一个"))
    assert "uscc" in exc.value.message_dict


def test_officer_cannot_register_in_another_district(jiangan_officer: User) -> None:
    data = org_data(
        region=Region.objects.get(code="420106002"),
        uscc=uscc_build(org_type="social_service", region_code="420106", body="MA000001"),
    )
    with pytest.raises(PermissionDenied):
        services.organization_create(actor=jiangan_officer, data=data)


def test_organization_edits_only_its_own_profile_fields(
    org_rep: Callable[[SocialOrganization], User],
) -> None:
    org = OrganizationFactory.create()
    rep = org_rep(org)
    services.organization_update(
        actor=rep, organization=org, data={"staff_count": 12, "address": "新住所"}
    )
    org.refresh_from_db()
    assert (org.staff_count, org.address) == (12, "新住所")
    with pytest.raises(PermissionDenied, match="不能修改这些字段"):
        services.organization_update(actor=rep, organization=org, data={"name": "改名"})
    other = OrganizationFactory.create()
    with pytest.raises(PermissionDenied):
        services.organization_update(actor=rep, organization=other, data={"staff_count": 1})


def test_org_rep_sees_only_its_own_organization(
    org_rep: Callable[[SocialOrganization], User],
) -> None:
    org, other = OrganizationFactory.create(), OrganizationFactory.create()
    rep = org_rep(org)
    assert list(selectors.organization_list(user=rep)) == [org]
    assert other not in selectors.organizations_visible_to(rep)


# -- credit ---------------------------------------------------------------------------------------
def test_abnormal_listing_is_for_the_bureau_and_changes_status(
    jiangan_officer: User, jiangan_staff: User
) -> None:
    org = OrganizationFactory.create()
    with pytest.raises(PermissionDenied):
        services.credit_record_add(
            actor=jiangan_staff,
            organization=org,
            kind="abnormal_listed",
            occurred_on=datetime.date(2026, 1, 5),
            reason="未按时年检",
        )
    services.credit_record_add(
        actor=jiangan_staff,
        organization=org,
        kind="reward",
        occurred_on=datetime.date(2025, 12, 1),
        reason="优秀社会组织",
    )
    services.credit_record_add(
        actor=jiangan_officer,
        organization=org,
        kind="abnormal_listed",
        occurred_on=datetime.date(2026, 1, 5),
        reason="未按时年检",
    )
    org.refresh_from_db()
    assert org.status == OrgStatus.ABNORMAL
    with pytest.raises(ApplicationError, match="已在活动异常名录"):
        services.credit_record_add(
            actor=jiangan_officer,
            organization=org,
            kind="abnormal_listed",
            occurred_on=datetime.date(2026, 1, 6),
            reason="重复",
        )
    assert org not in selectors.public_organization_list()
    services.credit_record_add(
        actor=jiangan_officer,
        organization=org,
        kind="abnormal_removed",
        occurred_on=datetime.date(2026, 3, 1),
        reason="已补报年报",
    )
    org.refresh_from_db()
    assert org.status == OrgStatus.NORMAL
    assert CreditRecord.objects.filter(organization=org).count() == 3


# -- team filing ----------------------------------------------------------------------------------
def team_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "保成社区夕阳红合唱团",
        "kind": "activity_team",
        "category": "culture_sports",
        "region": Region.objects.get(code="420102002003"),
        "responsible_person": "刘阿姨",
        "contact_phone": "13600001234",
        "venue": "保成社区活动中心二楼",
        "member_count": 32,
        "funds": Decimal("1200.00"),
    }
    data.update(overrides)
    return data


def test_team_filing_workflow(make_user: Callable[..., User], street_staff: User) -> None:
    resident = make_user(Role.RESIDENT, "420102002003")
    team = services.team_submit(actor=resident, data=team_data())
    assert team.status == FilingStatus.SUBMITTED
    assert Notification.objects.filter(recipient=street_staff, event="team.submitted").exists()
    with pytest.raises(PermissionDenied):
        services.team_transition(actor=resident, team=team, to=FilingStatus.FILED)
    with pytest.raises(ValidationError, match="必须填写原因"):
        services.team_transition(actor=street_staff, team=team, to=FilingStatus.RETURNED)
    team = services.team_transition(
        actor=street_staff, team=team, to=FilingStatus.RETURNED, reason="缺少成员名单"
    )
    assert Notification.objects.filter(
        recipient=resident, event="team.returned", body="缺少成员名单"
    ).exists()
    services.team_update(actor=resident, team=team, data={"member_count": 35})
    team = services.team_transition(actor=resident, team=team, to=FilingStatus.SUBMITTED)
    team = services.team_transition(actor=street_staff, team=team, to=FilingStatus.FILED)
    assert team.filing_number and team.filing_number.startswith("BA420102002")
    assert team.last_confirmed_year == team.filed_on.year  # type: ignore[union-attr]
    assert team in selectors.public_team_list()
    with pytest.raises(ApplicationError, match="不能变更"):
        services.team_transition(
            actor=street_staff, team=team, to=FilingStatus.RETURNED, reason="x"
        )
    with pytest.raises(ApplicationError, match="已确认"):
        services.team_confirm_year(
            actor=street_staff, team=team, year=team.last_confirmed_year or 0
        )
    services.team_confirm_year(
        actor=street_staff, team=team, year=(team.last_confirmed_year or 0) + 1
    )
    guidance = services.guidance_add(
        actor=street_staff,
        team=team,
        target_type="social_group",
        notes="指导准备章程与会员名单",
        given_on=datetime.date(2026, 11, 1),
    )
    assert guidance.team == team


def test_filing_numbers_are_sequential(street_staff: User, make_user: Callable[..., User]) -> None:
    resident = make_user(Role.RESIDENT, "420102002003")
    numbers = []
    for i in range(3):
        team = services.team_submit(actor=resident, data=team_data(name=f"队伍{i}"))
        numbers.append(
            services.team_transition(
                actor=street_staff, team=team, to=FilingStatus.FILED
            ).filing_number
        )
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]  # type: ignore[index]


def test_district_center_staff_do_not_review_filings(
    jiangan_staff: User, make_user: Callable[..., User]
) -> None:
    resident = make_user(Role.RESIDENT, "420102002003")
    team = services.team_submit(actor=resident, data=team_data())
    with pytest.raises(PermissionDenied):
        services.team_transition(actor=jiangan_staff, team=team, to=FilingStatus.FILED)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"member_count": 0}, "member_count"),
        ({"contact_phone": "123"}, "contact_phone"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_team_input(
    make_user: Callable[..., User], overrides: dict[str, object], field: str
) -> None:
    resident = make_user(Role.RESIDENT, "420102002003")
    with pytest.raises(ValidationError) as exc:
        services.team_submit(actor=resident, data=team_data(**overrides))
    assert field in exc.value.message_dict
    assert not ActivityTeam.objects.exists()


def test_team_must_be_filed_at_street_or_community(make_user: Callable[..., User]) -> None:
    resident = make_user(Role.RESIDENT, "420102")
    with pytest.raises(ValidationError, match="街道或社区"):
        services.team_submit(
            actor=resident, data=team_data(region=Region.objects.get(code="420102"))
        )


def test_resident_cannot_file_for_another_community(make_user: Callable[..., User]) -> None:
    resident = make_user(Role.RESIDENT, "420102002003")
    with pytest.raises(PermissionDenied):
        services.team_submit(
            actor=resident, data=team_data(region=Region.objects.get(code="420102002004"))
        )


# -- annual reports -------------------------------------------------------------------------------
def test_annual_report_submission_review_and_overdue(
    org_rep: Callable[[SocialOrganization], User], jiangan_staff: User
) -> None:
    org = OrganizationFactory.create(registered_on=datetime.date(2020, 1, 1))
    late = OrganizationFactory.create(registered_on=datetime.date(2020, 1, 1))
    young = OrganizationFactory.create(registered_on=datetime.date(2025, 2, 1))
    rep = org_rep(org)
    data = {
        "year": 2024,
        "activities": "为老服务 80 场",
        "income": Decimal("100000.00"),
        "expenses": Decimal("90000.10"),
        "staff_count": 5,
    }
    report = services.annual_report_submit(actor=rep, organization=org, data=data)
    with pytest.raises(ValidationError, match="已提交"):
        services.annual_report_submit(actor=rep, organization=org, data=data)
    with pytest.raises(ValidationError):
        services.annual_report_submit(actor=rep, organization=org, data={**data, "year": 2019})
    with pytest.raises(PermissionDenied):
        services.annual_report_submit(actor=rep, organization=late, data=data)
    with pytest.raises(PermissionDenied):
        services.annual_report_review(actor=rep, report=report, result="pass")
    services.annual_report_review(
        actor=jiangan_staff, report=report, result="basic", note="财务制度需完善"
    )
    report.refresh_from_db()
    assert (report.status, report.result) == ("reviewed", "basic")
    with pytest.raises(ApplicationError, match="已审核"):
        services.annual_report_review(actor=jiangan_staff, report=report, result="pass")
    overdue = set(
        selectors.overdue_organizations(
            user=jiangan_staff, year=2024, today=datetime.date(2025, 6, 1)
        )
    )
    assert late in overdue and org not in overdue and young not in overdue
    assert not selectors.overdue_organizations(
        user=jiangan_staff, year=2024, today=datetime.date(2025, 5, 1)
    ).exists()


def test_consulting_sessions_are_staff_only(
    org_rep: Callable[[SocialOrganization], User], jiangan_staff: User
) -> None:
    org = OrganizationFactory.create()
    services.consulting_add(
        actor=jiangan_staff,
        organization=org,
        held_on=datetime.date(2026, 4, 2),
        topic="年检材料辅导",
    )
    with pytest.raises(PermissionDenied):
        services.consulting_add(
            actor=org_rep(org), organization=org, held_on=datetime.date(2026, 4, 2), topic="x"
        )


# -- archives -------------------------------------------------------------------------------------
def test_archives_are_versioned_and_checked(
    org_rep: Callable[[SocialOrganization], User], client
) -> None:
    org = OrganizationFactory.create()
    rep = org_rep(org)
    first = services.archive_upload(
        actor=rep,
        organization=org,
        doc_type="charter",
        title="章程",
        upload=SimpleUploadedFile("章程.pdf", b"%PDF-1.4 one"),
    )
    second = services.archive_upload(
        actor=rep,
        organization=org,
        doc_type="charter",
        title="章程（修订）",
        upload=SimpleUploadedFile("章程2.pdf", b"%PDF-1.4 two"),
    )
    assert (first.version, second.version) == (1, 2)
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        services.archive_upload(
            actor=rep,
            organization=org,
            doc_type="other",
            title="脚本",
            upload=SimpleUploadedFile("run.exe", b"MZ"),
        )
    with pytest.raises(ValidationError, match="空的"):
        services.archive_upload(
            actor=rep,
            organization=org,
            doc_type="other",
            title="空",
            upload=SimpleUploadedFile("empty.pdf", b""),
        )
    with override_settings(), pytest.raises(ValidationError, match="20 MB"):
        big = SimpleUploadedFile("big.pdf", b"x")
        big.size = 21 * 1024 * 1024
        services.archive_upload(
            actor=rep, organization=org, doc_type="other", title="大", upload=big
        )
    assert ArchiveDocument.objects.count() == 2
    client.force_login(rep)
    response = client.get(f"/registry/archives/{first.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 one"
    other_rep = org_rep(OrganizationFactory.create())
    client.force_login(other_rep)
    assert client.get(f"/registry/archives/{first.pk}/download/").status_code == 404


# -- pages and API --------------------------------------------------------------------------------
def test_list_masks_phones_for_staff_outside_the_organization_jurisdiction(
    client, city_officer: User, org_rep: Callable[[SocialOrganization], User]
) -> None:
    OrganizationFactory.create(contact_phone="13712345678")
    client.force_login(city_officer)  # the city bureau covers it: full phone
    assert "13712345678" in client.get("/registry/").content.decode()
    rep_of_other = org_rep(OrganizationFactory.create())
    client.force_login(rep_of_other)
    assert "13712345678" not in client.get("/registry/").content.decode()


def test_organization_pages(client, jiangan_officer: User) -> None:
    client.force_login(jiangan_officer)
    response = client.post(
        "/registry/new/",
        {
            **{k: v for k, v in org_data().items() if k != "region"},
            "region": "420102002",
            "staff_count": 3,
            "volunteer_count": 10,
            "party_member_count": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org = SocialOrganization.objects.get()
    detail = client.get(org.get_absolute_url()).content.decode()
    assert org.name in detail and "13800138000" in detail
    bad = client.post(
        "/registry/new/",
        {
            **{k: v for k, v in org_data().items() if k != "region"},
            "region": "42x",
            "uscc": "123",
            "staff_count": 0,
            "volunteer_count": 0,
            "party_member_count": 0,
        },
    )
    assert "请从列表中选择区划" in bad.content.decode()
    assert client.get("/registry/?q=hxsg").content.decode().count(org.name) >= 1
    assert client.get("/registry/reports/").status_code == 200
    assert client.get("/registry/teams/").status_code == 200


def test_team_pages_from_submission_to_public_directory(
    client, make_user: Callable[..., User], street_staff: User
) -> None:
    resident = make_user(Role.RESIDENT, "420102002003")
    client.force_login(resident)
    response = client.post(
        "/registry/teams/new/",
        {
            "name": "保成社区书法社",
            "kind": "activity_team",
            "category": "culture_sports",
            "region": "420102002003",
            "responsible_person": "周老师",
            "contact_phone": "13600009999",
            "venue": "社区书画室",
            "member_count": 15,
            "funds": "0",
            "activity_area": "保成社区",
            "charter": "每周三下午活动",
        },
    )
    assert response.status_code == 302
    team = ActivityTeam.objects.get(name="保成社区书法社")
    client.force_login(street_staff)
    page = client.get(team.get_absolute_url()).content.decode()
    assert 'data-testid="approve"' in page
    client.post(f"/registry/teams/{team.pk}/transition/", {"to": "filed"})
    team.refresh_from_db()
    assert team.status == FilingStatus.FILED
    client.logout()
    assert "保成社区书法社" in client.get("/portal/organizations/").content.decode()


def test_organization_api(api_client, jiangan_officer: User) -> None:
    api_client.force_authenticate(jiangan_officer)
    payload = {
        **{k: v for k, v in org_data().items() if k != "region"},
        "region": "420102002",
        "registered_on": "2021-03-15",
    }
    created = api_client.post("/api/v1/organizations/", payload, format="json")
    assert created.status_code == 201, created.json()
    bad = api_client.post(
        "/api/v1/organizations/",
        {**payload, "uscc": "52420102MA4K3X7Q6A", "category": "xx", "region": "999999"},
        format="json",
    )
    assert bad.status_code == 400
    fields = bad.json()["extra"]["fields"]
    assert "category" in fields and "区划代码不存在" in fields["region"][0]
    wrong_code = api_client.post(
        "/api/v1/organizations/", {**payload, "uscc": "52420102MA4K3X7Q6A"}, format="json"
    )
    assert (
        wrong_code.status_code == 400
        and "校验位" in wrong_code.json()["extra"]["fields"]["uscc"][0]
    )
    listing = api_client.get(
        "/api/v1/organizations/", {"region": "420102", "category": "elderly", "q": "hxsg"}
    ).json()
    assert listing["count"] == 1
    assert api_client.get("/api/v1/organizations/", {"org_type": "foundation"}).json()["count"] == 0
    assert api_client.get("/api/v1/organizations/", {"region": "4x"}).status_code == 400
    reports = api_client.post(
        "/api/v1/annual-reports/",
        {
            "organization": created.json()["id"],
            "year": 2024,
            "activities": "活动",
            "income": "10.00",
            "expenses": "5.00",
            "staff_count": 2,
        },
        format="json",
    )
    assert reports.status_code == 201
    assert api_client.get("/api/v1/annual-reports/", {"year": 2024}).json()["count"] == 1


def test_team_api(api_client, make_user: Callable[..., User], street_staff: User) -> None:
    resident = make_user(Role.RESIDENT, "420102002003")
    api_client.force_authenticate(resident)
    body = {
        "name": "API 舞蹈队",
        "category": "culture_sports",
        "region": "420102002003",
        "responsible_person": "孙",
        "contact_phone": "13600001111",
        "venue": "广场",
        "member_count": 12,
    }
    created = api_client.post("/api/v1/teams/", body, format="json")
    assert created.status_code == 201
    assert (
        api_client.post("/api/v1/teams/", {**body, "member_count": 0}, format="json").status_code
        == 400
    )
    api_client.force_authenticate(street_staff)
    done = api_client.post(
        f"/api/v1/teams/{created.json()['id']}/transition/", {"to": "filed"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "filed"
    assert api_client.get("/api/v1/teams/", {"status": "filed"}).json()["count"] == 1


def test_org_list_query_count_is_flat(django_assert_max_num_queries, jiangan_officer: User) -> None:
    OrganizationFactory.create_batch(30)
    with django_assert_max_num_queries(2):
        rows = list(selectors.organization_list(user=jiangan_officer))
        _ = [(o.region.name, o.center) for o in rows]
    assert len(rows) == 30


def test_annual_report_factory_roundtrip() -> None:
    report = AnnualReportFactory.create()
    assert AnnualReport.objects.get(pk=report.pk).income == Decimal("350000.00")
    assert TeamFactory.create().status == FilingStatus.SUBMITTED
