from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.core.models import Notification
from civicnest.matching import selectors, services
from civicnest.matching.engine import Index, NeedQuery, concepts, make_doc
from civicnest.matching.live_index import live_index
from civicnest.matching.models import Match, MatchStatus, Need, NeedStatus
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory
from civicnest.registry.services import credit_record_add
from civicnest.registry.tests.factories import OrganizationFactory

COMMUNITY = "420102002003"  # 江岸区 大智街道 保成社区


def test_synonyms_and_typos_collapse_to_concepts() -> None:
    assert concepts("爹爹婆婆吃饭难") == concepts("老年人助餐")
    assert "心理" in concepts("想预约心里咨询")
    assert "课业辅导" in concepts("娃作业没人补导")


def test_index_ranks_by_service_and_geography_with_reasons() -> None:
    index = Index(
        [
            make_doc(
                id=1,
                title="长者助餐配送",
                description="为独居老人送餐上门",
                categories=["elderly"],
                beneficiaries=["elderly"],
                areas=["420102002"],
            ),
            make_doc(
                id=2,
                title="老年健康讲座",
                description="老年人慢病知识讲座",
                categories=["elderly"],
                beneficiaries=["elderly"],
                areas=[COMMUNITY],
            ),
            make_doc(
                id=3,
                title="长者助餐",
                description="老年食堂送饭",
                categories=["elderly"],
                beneficiaries=["elderly"],
                areas=["420106"],
            ),
            make_doc(
                id=4,
                title="社区助餐点",
                description="老人午餐",
                categories=["elderly"],
                beneficiaries=["elderly"],
                areas=["420102"],
                excluded=True,
            ),
        ]
    )
    ranked = index.rank(
        NeedQuery(
            text="楼下爹爹一个人住 吃饭是个问题 能不能有人送饭",
            region=COMMUNITY,
            beneficiaries=["elderly"],
        )
    )
    assert [s.offering for s in ranked] == [
        1,
        2,
    ]  # 3 serves another district, 4 is on the abnormal list
    assert "同一街道" in ranked[0].reasons
    assert "服务对象匹配: 老年人" in ranked[0].reasons
    assert any(r.startswith("关键词: ") and "助餐" in r for r in ranked[0].reasons)


@pytest.fixture
def org_rep(make_user: Callable[..., User]):
    org = OrganizationFactory.create(region_id="420102002", name="江岸区暖心为老服务中心")
    user = make_user(username="org_rep", full_name="暖心负责人")
    RoleAssignment.objects.create(
        user=user, role=Role.ORG_REP, region_id="420102", organization=org
    )
    return user


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(
        Role.RESIDENT,
        COMMUNITY,
        username="resident",
        full_name="王居民",
        email="resident@example.org",
    )


def _offering(org_rep: User, **overrides: object):
    org = org_rep.role_assignments.get().organization
    data: dict[str, object] = {
        "title": "独居老人助餐配送",
        "description": "为社区独居、失能老人每天送午餐",
        "categories": ["elderly"],
        "area_codes": ["420102002"],
        "beneficiaries": ["elderly"],
        "capacity": 30,
    }
    data.update(overrides)
    return services.offering_save(actor=org_rep, organization=org, data=data)


@pytest.mark.django_db
def test_the_whole_workflow(org_rep: User, resident: User, jiangan_staff: User) -> None:
    offering = _offering(org_rep)
    need = services.need_submit(
        actor=resident,
        data={
            "title": "老人吃饭难",
            "description": "我家爹爹八十多了一个人在家，中午没人做饭",
            "region": COMMUNITY,
            "beneficiaries": ["elderly"],
        },
    )
    suggested = services.suggestions_refresh(need=need)
    assert suggested[0].offering == offering and suggested[0].reasons
    with pytest.raises(PermissionDenied):
        services.match_offer(actor=resident, need=need, offering=offering)
    match = services.match_offer(actor=jiangan_staff, need=need, offering=offering)
    assert Notification.objects.filter(recipient=org_rep, event="match.offered").exists()
    need.refresh_from_db()
    assert need.status == NeedStatus.MATCHING
    with pytest.raises(PermissionDenied):
        services.match_respond(actor=jiangan_staff, match=match, accept=True)
    match = services.match_respond(actor=org_rep, match=match, accept=True)
    match = services.match_schedule(actor=org_rep, match=match, day=timezone.localdate())
    with pytest.raises(ValidationError):
        services.match_deliver(
            actor=org_rep,
            match=match,
            delivered_on=timezone.localdate() + datetime.timedelta(days=2),
            hours=Decimal(2),
            people_served=1,
        )
    match = services.match_deliver(
        actor=org_rep,
        match=match,
        delivered_on=timezone.localdate(),
        hours=Decimal("1.5"),
        people_served=1,
    )
    with pytest.raises(PermissionDenied):
        services.match_rate(actor=org_rep, match=match, rating=5)
    match = services.match_rate(actor=resident, match=match, rating=5, comment="饭菜可口，很准时")
    with pytest.raises(ApplicationError):
        services.match_rate(actor=resident, match=match, rating=4)
    services.match_close(actor=jiangan_staff, match=match)
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED


@pytest.mark.django_db
def test_declining_needs_a_reason(org_rep: User, resident: User, jiangan_staff: User) -> None:
    offering = _offering(org_rep)
    need = services.need_submit(
        actor=resident, data={"title": "送餐", "description": "老人送餐", "region": COMMUNITY}
    )
    match = services.match_offer(actor=jiangan_staff, need=need, offering=offering)
    with pytest.raises(ValidationError, match="原因"):
        services.match_respond(actor=org_rep, match=match, accept=False)
    assert (
        services.match_respond(
            actor=org_rep, match=match, accept=False, reason="本月名额已满"
        ).status
        == MatchStatus.DECLINED
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"region": "999999999999"}, "region", "区划代码不存在"),
        ({"region": "42x"}, "region", "只能由数字"),
        ({"region": "420102"}, "region", "街道或社区"),
        ({"description": "   "}, "description", "请描述需求"),
        ({"category": "cooking"}, "category", "不在可选范围内"),
        ({"beneficiaries": ["aliens"]}, "beneficiaries", "不在可选范围内"),
    ],
)
def test_bad_need_input(resident: User, data: dict[str, object], field: str, message: str) -> None:
    payload = {"title": "求助", "description": "老人送餐", "region": COMMUNITY, **data}
    with pytest.raises(ValidationError) as exc:
        services.need_submit(actor=resident, data=payload)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_resident_cannot_submit_for_another_community(resident: User) -> None:
    with pytest.raises(PermissionDenied):
        services.need_submit(
            actor=resident, data={"title": "x", "description": "老人送餐", "region": "420106002003"}
        )


@pytest.mark.django_db
def test_duplicates_are_flagged_not_refused(resident: User, make_user: Callable[..., User]) -> None:
    first = services.need_submit(
        actor=resident,
        data={"title": "独居老人吃饭难", "description": "独居老人需要送餐", "region": COMMUNITY},
    )
    neighbour = make_user(Role.RESIDENT, COMMUNITY)
    second = services.need_submit(
        actor=neighbour,
        data={"title": "老人吃饭难", "description": "独居老人需要助餐", "region": COMMUNITY},
    )
    assert second.duplicate_of == first
    other = services.need_submit(
        actor=neighbour,
        data={"title": "孩子作业辅导", "description": "小学生作业没人辅导", "region": COMMUNITY},
    )
    assert other.duplicate_of is None


@pytest.mark.django_db
def test_abnormal_organizations_are_excluded_immediately(
    org_rep: User, resident: User, jiangan_officer: User
) -> None:
    offering = _offering(org_rep)
    need = services.need_submit(
        actor=resident, data={"title": "送餐", "description": "老人送餐", "region": COMMUNITY}
    )
    assert [s.offering for s in live_index.rank(need)] == [offering.pk]
    credit_record_add(
        actor=jiangan_officer,
        organization=offering.organization,
        kind="abnormal_listed",
        occurred_on=timezone.localdate(),
        reason="未年检",
    )
    assert live_index.rank(need) == []
    with pytest.raises(ApplicationError, match="异常名录"):
        services.match_offer(actor=jiangan_officer, need=need, offering=offering)


@pytest.mark.django_db
def test_new_offering_is_visible_to_the_next_query(org_rep: User, resident: User) -> None:
    need = services.need_submit(
        actor=resident,
        data={"title": "法律", "description": "被拖欠工资想咨询律师", "region": COMMUNITY},
    )
    assert live_index.rank(need) == []
    offering = _offering(
        org_rep,
        title="农民工讨薪法律援助",
        description="为外来务工人员提供劳动争议法律咨询",
        categories=["legal"],
    )
    assert [s.offering for s in live_index.rank(need)] == [offering.pk]


@pytest.mark.django_db
def test_live_index_applies_edits_and_deletions_without_rebuilding(
    org_rep: User, resident: User
) -> None:
    need = services.need_submit(
        actor=resident,
        data={"title": "法律", "description": "被拖欠工资想咨询律师", "region": COMMUNITY},
    )
    meals = _offering(org_rep)
    index = live_index.sync()
    assert live_index.rank(need) == []

    legal = _offering(
        org_rep,
        title="农民工讨薪法律援助",
        description="为外来务工人员提供劳动争议法律咨询",
        categories=["legal"],
    )
    assert [s.offering for s in live_index.rank(need)] == [legal.pk]
    assert live_index.sync() is index  # added in place, not rebuilt

    services.offering_save(
        actor=org_rep,
        organization=legal.organization,
        offering=legal,
        data={
            "title": "农民工讨薪法律援助",
            "description": "为外来务工人员提供劳动争议法律咨询",
            "categories": ["legal"],
            "area_codes": ["420102002"],
            "beneficiaries": [],
            "capacity": 30,
            "is_active": False,
        },
    )
    assert live_index.rank(need) == []
    assert legal.pk not in index.docs

    meals.delete()
    assert meals.pk not in live_index.sync().docs
    assert live_index.sync() is index


@pytest.mark.django_db
def test_escalation_to_the_parent_center(
    resident: User, jiangan_center: Center, make_user: Callable[..., User], settings
) -> None:
    settings.MATCHING_ESCALATE_DAYS = 7
    CenterFactory.create(
        region_id="420102002", level="street", parent=jiangan_center, name="大智街道中心"
    )
    district_staff = make_user(Role.CENTER_STAFF, "420102", center=jiangan_center)
    need = services.need_submit(
        actor=resident, data={"title": "求助", "description": "老人送餐", "region": COMMUNITY}
    )
    assert services.escalate_stale_needs(now=timezone.now() + datetime.timedelta(days=3)) == 0
    assert services.escalate_stale_needs(now=timezone.now() + datetime.timedelta(days=8)) == 1
    need.refresh_from_db()
    assert need.escalated_to == jiangan_center
    assert Notification.objects.filter(recipient=district_staff, event="need.escalated").exists()
    assert (
        services.escalate_stale_needs(now=timezone.now() + datetime.timedelta(days=9)) == 0
    )  # only once


@pytest.mark.django_db
def test_nightly_batch_command(org_rep: User, resident: User) -> None:
    _offering(org_rep)
    services.need_submit(
        actor=resident, data={"title": "送餐", "description": "老人送餐", "region": COMMUNITY}
    )
    call_command("matching_nightly", stdout=io.StringIO())
    assert Match.objects.filter(status=MatchStatus.SUGGESTED).count() == 1


@pytest.mark.django_db
def test_visibility(
    org_rep: User, resident: User, jiangan_staff: User, make_user: Callable[..., User]
) -> None:
    offering = _offering(org_rep)
    need = services.need_submit(
        actor=resident, data={"title": "送餐", "description": "老人送餐", "region": COMMUNITY}
    )
    services.suggestions_refresh(need=need)
    assert need not in selectors.needs_visible_to(
        org_rep
    )  # a suggestion alone shows nothing to the organization
    services.match_offer(actor=jiangan_staff, need=need, offering=offering)
    assert need in selectors.needs_visible_to(org_rep)
    neighbour = make_user(Role.RESIDENT, COMMUNITY)
    assert need not in selectors.needs_visible_to(neighbour)
    outsider = make_user(Role.BUREAU_OFFICER, "420106")
    assert need not in selectors.needs_visible_to(outsider)


@pytest.mark.django_db
def test_api_with_exact_names(api_client, org_rep: User, resident: User) -> None:
    assert {"code": "elderly", "label": "养老"} in api_client.get("/api/v1/categories/").json()
    assert {"code": "elderly", "label": "老年人"} in api_client.get("/api/v1/beneficiaries/").json()
    api_client.force_authenticate(org_rep)
    org_id = org_rep.role_assignments.get().organization_id
    created = api_client.post(
        "/api/v1/services/",
        {
            "organization": org_id,
            "title": "长者助餐",
            "description": "为老人送午餐",
            "categories": ["elderly"],
            "regions": ["420102002"],
            "beneficiaries": ["elderly"],
            "capacity": 40,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    bad = api_client.post(
        "/api/v1/services/",
        {
            "organization": org_id,
            "title": "x",
            "description": "",
            "categories": ["nope"],
            "regions": ["42x"],
        },
        format="json",
    )
    assert bad.status_code == 400
    fields = bad.json()["extra"]["fields"]
    assert "description" in fields and "regions" in fields
    api_client.force_authenticate(resident)
    need = api_client.post(
        "/api/v1/needs/",
        {
            "title": "老人吃饭",
            "description": "爹爹一个人住，中午没饭吃",
            "region": COMMUNITY,
            "beneficiaries": ["elderly"],
        },
        format="json",
    )
    assert need.status_code == 201
    for body, field in (
        ({"region": "000000000000"}, "region"),
        ({"description": ""}, "description"),
        ({"category": "x"}, "category"),
    ):
        response = api_client.post(
            "/api/v1/needs/",
            {"title": "t", "description": "老人送餐", "region": COMMUNITY, **body},
            format="json",
        )
        assert response.status_code == 400
        assert field in response.json()["extra"]["fields"]
    ranked = api_client.get(f"/api/v1/needs/{need.json()['id']}/matches/", {"limit": 10}).json()
    assert ranked[0]["service"] == created.json()["id"]
    assert isinstance(ranked[0]["score"], float) and ranked[0]["reasons"]


@pytest.mark.django_db
def test_pages(client, org_rep: User, resident: User, jiangan_staff: User) -> None:
    offering = _offering(org_rep)
    client.force_login(resident)
    response = client.post(
        "/matching/needs/new/",
        {
            "title": "老人吃饭难",
            "description": "",
            "region": COMMUNITY,
            "people_count": 1,
            "urgency": "normal",
        },
    )
    assert "请描述需求" in response.content.decode()
    response = client.post(
        "/matching/needs/new/",
        {
            "title": "老人吃饭难",
            "description": "爹爹中午没饭吃",
            "region": COMMUNITY,
            "people_count": 1,
            "urgency": "normal",
            "beneficiaries": ["elderly"],
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302
    client.force_login(jiangan_staff)
    board = client.get("/matching/").content.decode()
    assert "老人吃饭难" in board and offering.title in board
    client.post(f"/matching/needs/{need.pk}/offer/", {"offering": offering.pk})
    client.force_login(org_rep)
    assert "老人吃饭难" in client.get("/matching/inbox/").content.decode()
    match = Match.objects.get(status="offered")
    client.post(f"/matching/matches/{match.pk}/respond/", {"accept": "1"})
    client.post(
        f"/matching/matches/{match.pk}/deliver/",
        {"delivered_on": timezone.localdate().isoformat(), "hours": "2", "people_served": 1},
    )
    client.force_login(resident)
    assert client.get(f"/matching/matches/{match.pk}/rate/").status_code == 200
    client.post(f"/matching/matches/{match.pk}/rate/", {"rating": 4, "comment": "很好"})
    match.refresh_from_db()
    assert (match.status, match.rating) == ("rated", 4)
