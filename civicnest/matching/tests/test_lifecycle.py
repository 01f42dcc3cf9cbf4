"""A need's life without holes: declines return it to the pool, deadlines escalate it level by level
(from the nightly job and from the task worker), every step is on the resident's timeline, and a
resident's repeated submission is merged into the open need."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.models import Notification
from civicnest.matching import selectors, services
from civicnest.matching.models import (
    Match,
    MatchStatus,
    Need,
    NeedEvent,
    NeedEventKind,
    NeedStatus,
    ServiceOffering,
)
from civicnest.matching.tasks import need_escalate as need_escalate_task
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory
from civicnest.registry.tests.factories import OrganizationFactory

COMMUNITY = "420102002003"  # 江岸区 大智街道 保成社区
STREET = "420102002"
DAY = datetime.timedelta(days=1)


def _rep(make_user: Callable[..., User], name: str) -> User:
    org = OrganizationFactory.create(region_id=STREET, name=name)
    user = make_user(full_name=name + "负责人")
    RoleAssignment.objects.create(
        user=user, role=Role.ORG_REP, region_id="420102", organization=org
    )
    return user


def _offering(rep: User, title: str, description: str) -> ServiceOffering:
    return services.offering_save(
        actor=rep,
        organization=rep.role_assignments.get().organization,
        data={
            "title": title,
            "description": description,
            "categories": ["elderly"],
            "area_codes": [STREET],
            "beneficiaries": ["elderly"],
            "capacity": 30,
        },
    )


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(Role.RESIDENT, COMMUNITY, username="resident", full_name="王居民")


@pytest.fixture
def warm(make_user: Callable[..., User]) -> User:
    return _rep(make_user, "暖心为老服务中心")


@pytest.fixture
def sunny(make_user: Callable[..., User]) -> User:
    return _rep(make_user, "阳光长者服务社")


@pytest.fixture
def centers(jiangan_center: Center) -> dict[str, Center]:
    """One active center on every level above the community: community → street → district → city."""
    city = CenterFactory.create(region_id="4201", level="city", name="武汉市社会组织服务中心")
    jiangan_center.parent = city
    jiangan_center.save(update_fields=["parent"])
    street = CenterFactory.create(
        region_id=STREET, level="street", parent=jiangan_center, name="大智街道社会组织促进中心"
    )
    community = CenterFactory.create(
        region_id=COMMUNITY, level="community", parent=street, name="保成社区服务站"
    )
    return {"community": community, "street": street, "district": jiangan_center, "city": city}


def _submit(
    actor: User, title: str = "老人吃饭难", description: str = "独居老人中午需要送餐"
) -> Need:
    return services.need_submit(
        actor=actor,
        data={
            "title": title,
            "description": description,
            "region": COMMUNITY,
            "beneficiaries": ["elderly"],
        },
    )


def _kinds(need: Need) -> list[str]:
    return list(NeedEvent.objects.filter(need=need).values_list("kind", flat=True))


# -- 1. a decline returns the need to the pool ---------------------------------------------------
@pytest.mark.django_db
def test_decline_returns_need_to_pool_and_the_organization_is_never_suggested_again(
    resident: User, warm: User, sunny: User, jiangan_staff: User, api_client: Any
) -> None:
    meals = _offering(warm, "独居老人助餐配送", "为独居老人每天送午餐上门")
    also_warm = _offering(warm, "长者食堂助餐", "老人午餐助餐")
    other = _offering(sunny, "长者送餐服务", "为老人送餐上门")
    need = _submit(resident)
    suggested = {m.offering_id for m in services.suggestions_refresh(need=need)}
    assert suggested == {meals.pk, also_warm.pk, other.pk}

    match = services.match_offer(actor=jiangan_staff, need=need, offering=meals)
    need.refresh_from_db()
    assert need.status == NeedStatus.MATCHING
    services.match_respond(actor=warm, match=match, accept=False, reason="本月名额已满")

    need.refresh_from_db()
    match.refresh_from_db()
    assert need.status == NeedStatus.OPEN  # back in the pool
    assert (match.status, match.decline_reason) == (MatchStatus.DECLINED, "本月名额已满")
    # The organization's other offering left the suggestions at once, and never comes back.
    assert set(need.matches.filter(status="suggested").values_list("offering_id", flat=True)) == {
        other.pk
    }
    assert [m.offering_id for m in services.suggestions_refresh(need=need)] == [other.pk]
    services.refresh_all_suggestions(workers=1)
    assert set(need.matches.filter(status="suggested").values_list("offering_id", flat=True)) == {
        other.pk
    }
    api_client.force_authenticate(jiangan_staff)
    ranked = api_client.get(f"/api/v1/needs/{need.pk}/matches/").json()
    assert [r["service"] for r in ranked] == [other.pk]

    assert _kinds(need)[-3:] == [
        NeedEventKind.OFFERED,
        NeedEventKind.DECLINED,
        NeedEventKind.RETURNED,
    ]
    declined = NeedEvent.objects.get(need=need, kind=NeedEventKind.DECLINED)
    assert declined.data == {"organization": "暖心为老服务中心", "reason": "本月名额已满"}
    assert Notification.objects.filter(recipient=jiangan_staff, event="need.returned").exists()


@pytest.mark.django_db
def test_decline_keeps_the_need_in_matching_while_another_organization_has_it(
    resident: User, warm: User, sunny: User, jiangan_staff: User
) -> None:
    meals = _offering(warm, "独居老人助餐配送", "为独居老人每天送午餐上门")
    other = _offering(sunny, "长者送餐服务", "为老人送餐上门")
    need = _submit(resident)
    first = services.match_offer(actor=jiangan_staff, need=need, offering=meals)
    services.match_offer(actor=jiangan_staff, need=need, offering=other)
    services.match_respond(actor=warm, match=first, accept=False, reason="人手不足")
    need.refresh_from_db()
    assert need.status == NeedStatus.MATCHING
    assert NeedEventKind.RETURNED not in _kinds(need)


@pytest.mark.django_db
def test_decline_reason_is_required_and_bounded_and_the_page_never_fails(
    client: Any, resident: User, warm: User, jiangan_staff: User
) -> None:
    meals = _offering(warm, "独居老人助餐配送", "为独居老人每天送午餐上门")
    need = _submit(resident)
    match = services.match_offer(actor=jiangan_staff, need=need, offering=meals)
    with pytest.raises(ValidationError, match="原因"):
        services.match_respond(actor=warm, match=match, accept=False, reason="   ")
    with pytest.raises(ValidationError, match="200"):
        services.match_respond(actor=warm, match=match, accept=False, reason="满" * 201)
    client.force_login(warm)
    for body in ({"accept": "0", "reason": "满" * 500}, {"accept": "0"}, {"accept": "x"}):
        response = client.post(f"/matching/matches/{match.pk}/respond/", body)
        assert response.status_code in {200, 302}
    assert client.post("/matching/matches/999999/respond/", {"accept": "1"}).status_code == 404


# -- 2. escalation, level by level ---------------------------------------------------------------
@pytest.mark.django_db
def test_escalation_walks_every_level_with_its_own_deadline(
    resident: User, warm: User, jiangan_staff: User, centers: dict[str, Center], make_user: Any
) -> None:
    street_staff = make_user(Role.CENTER_STAFF, STREET, center=centers["street"])
    city_staff = make_user(Role.CENTER_STAFF, "4201", center=centers["city"])
    start = timezone.now()
    need = _submit(resident)
    assert need.handling_level == "community"
    assert need.deadline is not None
    assert abs(need.deadline - (start + 3 * DAY)) < datetime.timedelta(minutes=1)

    assert services.escalate_stale_needs(now=start + 2 * DAY) == 0
    first = start + 3 * DAY + datetime.timedelta(minutes=5)
    assert services.escalate_stale_needs(now=first) == 1
    need.refresh_from_db()
    assert (need.handling_level, need.escalated_to) == ("street", centers["street"])
    assert need.deadline == first + 5 * DAY
    assert services.escalate_stale_needs(now=first + DAY) == 0  # one level per deadline
    assert Notification.objects.filter(recipient=street_staff, event="need.escalated").exists()

    # Offered and declined at the street level: back in the pool, the clock keeps running.
    meals = _offering(warm, "独居老人助餐配送", "为独居老人每天送午餐上门")
    match = services.match_offer(actor=jiangan_staff, need=need, offering=meals)
    services.match_respond(actor=warm, match=match, accept=False, reason="不在服务时间")
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN
    assert need.deadline == first + 5 * DAY

    second = first + 5 * DAY
    assert services.escalate_stale_needs(now=second) == 1
    need.refresh_from_db()
    assert (need.handling_level, need.escalated_to) == ("district", centers["district"])
    assert need.deadline == second + 7 * DAY

    third = second + 7 * DAY
    assert services.escalate_stale_needs(now=third) == 1
    need.refresh_from_db()
    assert (need.handling_level, need.escalated_to) == ("city", centers["city"])
    assert need.deadline == third + 10 * DAY
    assert Notification.objects.filter(recipient=city_staff, event="need.escalated").exists()

    # The city is the top: its deadline passes without anywhere further to go.
    assert services.escalate_stale_needs(now=third + 11 * DAY) == 0
    need.refresh_from_db()
    assert (need.handling_level, need.deadline) == ("city", None)

    escalated = NeedEvent.objects.filter(need=need, kind=NeedEventKind.ESCALATED)
    assert [e.data["center"] for e in escalated] == [
        "大智街道社会组织促进中心",
        "江岸区社会组织孵化中心",
        "武汉市社会组织服务中心",
    ]
    assert "已上报至大智街道社会组织促进中心（街道级），对接期限" in escalated[0].summary()
    assert Notification.objects.filter(recipient=resident, event="need.escalated").count() == 3


@pytest.mark.django_db
def test_days_per_level_come_from_the_setting_and_an_accepted_need_stops_the_clock(
    resident: User, warm: User, jiangan_staff: User, centers: dict[str, Center], settings: Any
) -> None:
    settings.NEED_ESCALATE_DAYS = {"community": 1, "street": 2}
    start = timezone.now()
    need = _submit(resident)
    assert need.deadline is not None
    assert abs(need.deadline - (start + DAY)) < datetime.timedelta(minutes=1)
    assert services.escalate_stale_needs(now=start + DAY + DAY / 24) == 1
    need.refresh_from_db()
    assert need.deadline == start + DAY + DAY / 24 + 2 * DAY

    meals = _offering(warm, "独居老人助餐配送", "为独居老人每天送午餐上门")
    match = services.match_offer(actor=jiangan_staff, need=need, offering=meals)
    services.match_respond(actor=warm, match=match, accept=True)
    need.refresh_from_db()
    assert need.deadline is None
    assert services.escalate_stale_needs(now=start + 30 * DAY) == 0
    assert need_escalate_task.call(need_id=need.pk) is False


@pytest.mark.django_db
def test_nightly_job_escalates_offered_needs_nobody_accepted_and_needs_from_before(
    resident: User, warm: User, jiangan_staff: User, centers: dict[str, Center]
) -> None:
    meals = _offering(warm, "独居老人助餐配送", "为独居老人每天送午餐上门")
    offered = _submit(resident)
    services.match_offer(actor=jiangan_staff, need=offered, offering=meals)
    legacy = _submit(resident, "孩子放学没人接", "小学生放学后需要托管")
    # A need without a clock (written before the lifecycle, or in bulk by a generator), 4 days old.
    Need.objects.filter(pk=legacy.pk).update(
        handling_level="", deadline=None, created_at=timezone.now() - 4 * DAY
    )
    Need.objects.filter(pk=offered.pk).update(deadline=timezone.now() - DAY)

    call_command("matching_nightly", stdout=io.StringIO())

    offered.refresh_from_db()
    legacy.refresh_from_db()
    assert (offered.status, offered.handling_level) == (NeedStatus.MATCHING, "street")
    assert legacy.handling_level == "street"  # its community deadline (3 days) had passed
    assert legacy.escalated_to == centers["street"]


@pytest.mark.django_db
def test_task_worker_escalates_at_the_deadline(
    resident: User,
    centers: dict[str, Center],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    need = _submit(resident)
    assert need_escalate_task.call(need_id=need.pk) is False  # not due yet
    Need.objects.filter(pk=need.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))
    assert need_escalate_task.call(need_id=need.pk) is True
    need.refresh_from_db()
    assert (need.handling_level, need.escalated_to) == ("street", centers["street"])
    assert need_escalate_task.call(need_id=need.pk) is False  # the next level's deadline is ahead
    assert need_escalate_task.call(need_id=987654) is False  # a need that does not exist

    # Through the queue: each deadline set queues the task to run at that deadline.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        second = _submit(resident, "孩子放学没人接", "小学生放学后需要托管")
    queued = need_escalate_task.get_backend().results  # type: ignore[attr-defined]
    assert [(r.task.name, r.task.queue_name, r.kwargs) for r in queued] == [
        ("need_suggest", "matching", {"need_id": second.pk}),
        ("need_escalate", "default", {"need_id": second.pk}),
    ]
    assert queued[1].task.run_after == second.deadline


# -- 3. the timeline ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_timeline_is_shown_to_the_resident_and_to_nobody_else(
    client: Any,
    resident: User,
    warm: User,
    jiangan_staff: User,
    centers: dict[str, Center],
    make_user: Any,
) -> None:
    meals = _offering(warm, "独居老人助餐配送", "为独居老人每天送午餐上门")
    need = _submit(resident)
    match = services.match_offer(actor=jiangan_staff, need=need, offering=meals)
    services.match_respond(actor=warm, match=match, accept=False, reason="本月名额已满")
    services.escalate_stale_needs(now=timezone.now() + 4 * DAY)

    client.force_login(resident)
    page = client.get(f"/matching/needs/{need.pk}/").content.decode()
    assert 'data-testid="timeline"' in page
    for text in (
        "需求已提交",
        "已推送给“暖心为老服务中心”",
        "“暖心为老服务中心”婉拒了需求，原因：本月名额已满",
        "需求回到待对接",
        "已上报至大智街道社会组织促进中心（街道级），对接期限",
        "系统",
        "您",
        "工作人员",
    ):
        assert text in page, text

    entries = selectors.need_timeline(user=resident, need=need)
    assert [e.what for e in entries] == [
        "已提交",
        "系统已推荐",  # the matching worker ranked at submit time
        "已推送给组织",
        "组织婉拒",
        "回到待对接",
        "已上报",
    ]
    assert [e.who for e in entries] == [
        "您",
        "系统",
        "工作人员",
        "暖心为老服务中心",
        "系统",
        "系统",
    ]
    staff_view = selectors.need_timeline(user=jiangan_staff, need=need)
    assert staff_view[2].who == jiangan_staff.display_name

    neighbour = make_user(Role.RESIDENT, COMMUNITY)
    client.force_login(neighbour)
    assert client.get(f"/matching/needs/{need.pk}/").status_code == 404
    assert selectors.need_timeline(user=neighbour, need=need) == []
    client.force_login(warm)  # the organization may open the need, not its story
    page = client.get(f"/matching/needs/{need.pk}/").content.decode()
    assert 'data-testid="timeline"' not in page
    assert "婉拒了需求" not in page and "已上报至大智街道" not in page


@pytest.mark.django_db
def test_events_are_append_only(resident: User) -> None:
    event = NeedEvent.objects.get(need=_submit(resident), kind=NeedEventKind.SUBMITTED)
    event.data = {"changed": True}
    with pytest.raises(ValueError, match="append-only"):
        event.save()


# -- 4. repeated submissions merge --------------------------------------------------------------
@pytest.mark.django_db
def test_a_repeat_of_ones_own_open_need_is_merged(resident: User, make_user: Any) -> None:
    first = _submit(resident, "老人吃饭难", "独居老人中午需要送餐。")
    again = _submit(resident, "老人吃饭难！", "独居老人 中午需要送餐")  # punctuation and spaces
    assert again.pk == first.pk and again.merged
    nearly = _submit(resident, "老人吃饭难", "独居老人中午需要人送餐")  # one character more
    assert nearly.pk == first.pk
    assert Need.objects.filter(submitter=resident).count() == 1
    merged = NeedEvent.objects.filter(need=first, kind=NeedEventKind.MERGED)
    assert merged.count() == 2
    assert merged[0].data["description"] == "独居老人 中午需要送餐"

    # Not merged: other numbers, another text, another person, a closed need, or after the window.
    assert _submit(resident, "3号楼老人吃饭难", "独居老人中午需要送餐").pk != first.pk
    assert _submit(resident, "孩子作业辅导", "小学生作业没人辅导").pk != first.pk
    neighbour = make_user(Role.RESIDENT, COMMUNITY)
    theirs = _submit(neighbour, "老人吃饭难", "独居老人中午需要送餐。")
    assert theirs.pk != first.pk and not theirs.merged
    assert theirs.duplicate_of_id is not None  # flagged for staff, as before
    Need.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    assert _submit(resident, "老人吃饭难", "独居老人中午需要送餐。").pk != first.pk


@pytest.mark.django_db
def test_merge_notice_on_the_page_and_200_from_the_api(
    client: Any, api_client: Any, resident: User
) -> None:
    form = {
        "title": "老人吃饭难",
        "description": "爹爹中午没饭吃",
        "region": COMMUNITY,
        "people_count": 1,
        "urgency": "normal",
    }
    client.force_login(resident)
    client.post("/matching/needs/new/", form)
    response = client.post("/matching/needs/new/", form, follow=True)
    need = Need.objects.get()
    assert response.redirect_chain[-1][0] == need.get_absolute_url()
    assert "您已提交过相同的需求，已合并" in response.content.decode()
    api_client.force_authenticate(resident)
    body = {"title": "老人吃饭难", "description": "爹爹中午没饭吃", "region": COMMUNITY}
    repeated = api_client.post("/api/v1/needs/", body, format="json")
    assert (repeated.status_code, repeated.json()["id"]) == (200, need.pk)
    assert Need.objects.count() == 1
    assert not Match.objects.filter(need=need, status="offered").exists()


@pytest.mark.django_db
def test_every_step_of_a_served_need_is_on_its_timeline(
    client: Any, resident: User, warm: User, jiangan_staff: User, centers: dict[str, Center]
) -> None:
    meals = _offering(warm, "独居老人助餐配送", "为独居老人每天送午餐上门")
    need = _submit(resident)
    services.suggestions_refresh(need=need)
    services.suggestions_refresh(need=need)  # the first suggestions only, not every refresh
    match = services.match_offer(actor=jiangan_staff, need=need, offering=meals)
    services.match_respond(actor=warm, match=match, accept=True)
    today = timezone.localdate()
    services.match_schedule(actor=warm, match=match, day=today)
    services.match_deliver(
        actor=warm, match=match, delivered_on=today, hours=Decimal("2"), people_served=1
    )
    services.match_rate(actor=resident, match=match, rating=5, comment="很好")
    services.match_close(actor=jiangan_staff, match=match)
    assert _kinds(need) == [
        NeedEventKind.SUBMITTED,
        NeedEventKind.SUGGESTED,
        NeedEventKind.OFFERED,
        NeedEventKind.ACCEPTED,
        NeedEventKind.SCHEDULED,
        NeedEventKind.DELIVERED,
        NeedEventKind.RATED,
        NeedEventKind.CLOSED,
    ]
    need.refresh_from_db()
    assert (need.status, need.deadline) == (NeedStatus.CLOSED, None)
    client.force_login(resident)
    page = client.get(f"/matching/needs/{need.pk}/").content.decode()
    day = today.isoformat()
    for text in (
        "系统找到 1 个可能合适的服务",
        "“暖心为老服务中心”接受了需求",
        f"“暖心为老服务中心”计划于 {day} 提供服务",
        f"“暖心为老服务中心”已于 {day} 完成服务",
        "已评价 5 星",
    ):
        assert text in page, text
    client.force_login(jiangan_staff)
    board = client.get("/matching/").content.decode()
    assert need.title not in board  # a closed need is off the board, its clock stopped


@pytest.mark.django_db
def test_the_board_shows_each_needs_level_and_deadline(
    client: Any, resident: User, jiangan_staff: User, centers: dict[str, Center]
) -> None:
    need = _submit(resident)
    assert need.deadline is not None
    client.force_login(jiangan_staff)
    board = client.get("/matching/").content.decode()
    local = timezone.localtime(need.deadline)
    assert "社区级期限 " + local.strftime("%m-%d") in board
