from __future__ import annotations

import datetime
import shutil
import subprocess
from collections.abc import Callable

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.governance import selectors, services
from civicnest.governance.models import Opinion, Support, Topic
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory
from civicnest.regions.models import Region
from civicnest.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
COMMUNITY = "420102002003"


@pytest.fixture
def street_center(jiangan_center: Center) -> Center:
    return CenterFactory.create(
        region_id="420102002", level="street", parent=jiangan_center, name="大智街道中心"
    )


@pytest.fixture
def street_staff(make_user: Callable[..., User], street_center: Center) -> User:
    return make_user(Role.CENTER_STAFF, "420102002", center=street_center, username="street_staff")


@pytest.fixture
def topic(street_staff: User, street_center: Center) -> Topic:
    return services.topic_open(
        actor=street_staff,
        center=street_center,
        data={
            "title": "老旧小区加装电梯",
            "background": "保成社区 12 栋老楼居民提出加装电梯。",
            "region": Region.objects.get(code=COMMUNITY),
            "participants": ["residents", "organizations", "committee"],
            "collect_until": timezone.localdate() + datetime.timedelta(days=14),
        },
    )


def test_only_eligible_people_post(topic: Topic, make_user: Callable[..., User]) -> None:
    resident = make_user(Role.RESIDENT, COMMUNITY)
    elsewhere = make_user(Role.RESIDENT, "420102002004")
    opinion = services.opinion_post(
        actor=resident, topic=topic, body="支持加装电梯，低楼层可以适当补偿。"
    )
    assert opinion.pk
    with pytest.raises(PermissionDenied):
        services.opinion_post(actor=elsewhere, topic=topic, body="我也想说")
    org_user = make_user()
    RoleAssignment.objects.create(
        user=org_user,
        role=Role.ORG_REP,
        region_id="420102",
        organization=OrganizationFactory.create(),
    )
    services.opinion_post(actor=org_user, topic=topic, body="本机构可协助开展居民协商。")
    with pytest.raises(ValidationError, match="请写下"):
        services.opinion_post(actor=resident, topic=topic, body="  ")
    residents_only = Topic.objects.create(
        center=topic.center,
        region_id=COMMUNITY,
        title="仅居民",
        background="b",
        participants=["residents"],
        collect_until=topic.collect_until,
        created_by=topic.created_by,
    )
    with pytest.raises(PermissionDenied):
        services.opinion_post(actor=org_user, topic=residents_only, body="x")


def test_supports_are_counted_once(topic: Topic, make_user: Callable[..., User]) -> None:
    author, neighbour = make_user(Role.RESIDENT, COMMUNITY), make_user(Role.RESIDENT, COMMUNITY)
    opinion = services.opinion_post(actor=author, topic=topic, body="建议先做结构安全评估")
    assert services.opinion_support(actor=neighbour, opinion=opinion) == 1
    assert services.opinion_support(actor=neighbour, opinion=opinion) == 1
    assert services.opinion_support(actor=author, opinion=opinion) == 2
    assert Support.objects.count() == 2


def test_moderation_hides_keeps_text_and_audits(
    topic: Topic, street_staff: User, make_user: Callable[..., User]
) -> None:
    resident = make_user(Role.RESIDENT, COMMUNITY)
    opinion = services.opinion_post(
        actor=resident, topic=topic, body="某某某家里有钱为什么不出钱（人身攻击）"
    )
    with pytest.raises(ValidationError, match="原因"):
        services.opinion_hide(actor=street_staff, opinion=opinion, reason="")
    with pytest.raises(PermissionDenied):
        services.opinion_hide(actor=resident, opinion=opinion, reason="x")
    services.opinion_hide(actor=street_staff, opinion=opinion, reason="含人身攻击")
    opinion.refresh_from_db()
    assert opinion.is_hidden and opinion.body.startswith("某某某")  # never deleted
    entry = LogEntry.objects.get_for_object(opinion).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == street_staff and "hidden_reason" in entry.changes_dict
    assert opinion not in selectors.topic_opinions(user=resident, topic=topic)
    assert opinion in selectors.topic_opinions(user=street_staff, topic=topic)
    with pytest.raises(ApplicationError, match="已被屏蔽"):
        services.opinion_support(actor=resident, opinion=opinion)


def test_opinion_becomes_a_need_with_its_link(
    topic: Topic, street_staff: User, make_user: Callable[..., User]
) -> None:
    opinion = services.opinion_post(
        actor=make_user(Role.RESIDENT, COMMUNITY),
        topic=topic,
        body="楼里好几个老人上下楼困难，希望有人帮忙买菜",
    )
    need = services.opinion_to_need(actor=street_staff, opinion=opinion)
    opinion.refresh_from_db()
    assert opinion.need == need and need.region_id == COMMUNITY and need.description == opinion.body
    with pytest.raises(ApplicationError, match="已转为需求"):
        services.opinion_to_need(actor=street_staff, opinion=opinion)


def test_meeting_resolution_and_follow_up_visible_to_residents(
    topic: Topic, street_staff: User, make_user: Callable[..., User], client
) -> None:
    meeting = services.meeting_record(
        actor=street_staff,
        topic=topic,
        data={
            "held_at": timezone.now(),
            "location": "社区议事厅",
            "participants": "社区书记、居民代表 12 人、暖心社工",
            "agenda": "讨论加装电梯方案",
            "minutes": "同意按楼栋推进",
        },
    )
    resolution = services.resolution_add(
        actor=street_staff,
        meeting=meeting,
        data={
            "text": "12 栋先行试点加装电梯",
            "votes_for": 10,
            "votes_against": 1,
            "votes_abstain": 1,
            "owner": "社区居委会、12 栋楼长",
            "due_on": timezone.localdate() + datetime.timedelta(days=90),
        },
    )
    with pytest.raises(ValidationError):
        services.resolution_progress(
            actor=street_staff, resolution=resolution, note="", status="in_progress"
        )
    services.resolution_progress(
        actor=street_staff, resolution=resolution, note="已完成入户意见征询", status="in_progress"
    )
    with pytest.raises(ApplicationError):
        services.topic_advance(actor=street_staff, topic=topic, stage="follow_up")
    services.topic_advance(actor=street_staff, topic=topic, stage="deliberation")
    resident = make_user(Role.RESIDENT, COMMUNITY)
    client.force_login(resident)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "12 栋先行试点加装电梯" in page and "已完成入户意见征询" in page
    outsider = make_user(Role.RESIDENT, "420106002003")
    client.force_login(outsider)
    assert client.get(topic.get_absolute_url()).status_code == 404


def test_topics_open_only_at_street_or_community(
    jiangan_staff: User, jiangan_center: Center
) -> None:
    with pytest.raises(ValidationError, match="街道或社区"):
        services.topic_open(
            actor=jiangan_staff,
            center=jiangan_center,
            data={
                "title": "x",
                "background": "y",
                "region": Region.objects.get(code=COMMUNITY),
                "participants": ["residents"],
                "collect_until": timezone.localdate(),
            },
        )


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is installed by scripts/setup.sh test"
)
def test_public_sentiment_report(
    topic: Topic, street_staff: User, make_user: Callable[..., User], client, tmp_path
) -> None:
    for body in (
        "加装电梯费用怎么分摊，低楼层不同意",
        "电梯费用分摊要公平",
        "停车位太少，电梯施工期间车停哪里",
        "施工噪音影响休息",
    ):
        services.opinion_post(actor=make_user(Role.RESIDENT, COMMUNITY), topic=topic, body=body)
    opinions = list(selectors.topic_opinions(user=street_staff, topic=topic))
    themes = selectors.opinion_themes(opinions)
    assert sum(len(ops) for _t, ops in themes) == 4
    client.force_login(street_staff)
    assert client.get(f"/governance/topics/{topic.pk}/report/").status_code == 200
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(client.get(f"/governance/topics/{topic.pk}/report/?format=pdf").content)
    text = "".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "社情民意报告" in text and "老旧小区加装电梯" in text and "电梯费用分摊要公平" in text
    client.force_login(make_user(Role.RESIDENT, COMMUNITY))
    assert client.get(f"/governance/topics/{topic.pk}/report/").status_code == 403


def test_api(api_client, topic: Topic, make_user: Callable[..., User]) -> None:
    resident = make_user(Role.RESIDENT, COMMUNITY)
    api_client.force_authenticate(resident)
    assert api_client.get("/api/v1/topics/").json()["count"] == 1
    assert (
        api_client.post(
            "/api/v1/opinions/", {"topic": topic.pk, "body": "同意"}, format="json"
        ).status_code
        == 201
    )
    assert (
        api_client.post(
            "/api/v1/opinions/", {"topic": topic.pk, "body": ""}, format="json"
        ).status_code
        == 400
    )
    assert api_client.get("/api/v1/opinions/").json()["count"] == 1
    assert api_client.get("/api/v1/meetings/").json()["count"] == 0
    assert Opinion.objects.count() == 1
