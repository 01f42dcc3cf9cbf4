"""Demo consultation for two streets: topics at different stages, opinions, a meeting with resolutions."""

from __future__ import annotations

import datetime

from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.governance import services
from civicnest.governance.models import Topic
from civicnest.network.models import Center, CenterLevel

TOPICS = [
    (
        "老旧小区加装电梯",
        "小区 6 栋、8 栋多为 6 层无电梯老楼，高龄老人上下楼困难，部分居民提出加装电梯，费用分摊和低楼层意见需要协商。",
        [
            "加装电梯费用怎么分摊？低楼层不受益，不应该出一样的钱。",
            "支持加装电梯，我家老人八十多了一年下不了几次楼。",
            "施工期间楼道要封多久？希望提前公示。",
            "电梯费用分摊要公平，建议按楼层递增。",
            "能不能申请政府补贴？",
        ],
    ),
    (
        "社区停车难问题",
        "晚上车位严重不足，占用消防通道现象突出，拟协商划线、错峰共享周边单位车位。",
        [
            "消防通道被占太危险了，必须管。",
            "周边学校晚上车位空着，能不能共享？",
            "建议按户分配车位，外来车辆收费。",
        ],
    ),
    (
        "垃圾分类督导",
        "垃圾分类投放点设置和督导志愿者排班需要居民共同商定。",
        ["投放点离我家窗户太近，夏天很臭。", "愿意报名做督导志愿者，周末可以。"],
    ),
]


def seed_governance(actor: User) -> int:
    if Topic.objects.exists():
        return 0
    count = 0
    streets = list(
        Center.objects.filter(level=CenterLevel.STREET, region__code__startswith="420102").order_by(
            "region_id"
        )[:1]
    ) + list(
        Center.objects.filter(level=CenterLevel.STREET, region__code__startswith="420106").order_by(
            "region_id"
        )[:1]
    )
    residents = list(User.objects.filter(role_assignments__role=Role.RESIDENT))
    for street in streets:
        community = street.region.children.order_by("code").first() or street.region
        for i, (title, background, opinions) in enumerate(TOPICS):
            topic = services.topic_open(
                actor=actor,
                center=street,
                data={
                    "title": title,
                    "background": background,
                    "region": community if i == 0 else street.region,
                    "participants": ["residents", "organizations", "committee"],
                    "collect_until": timezone.localdate() + datetime.timedelta(days=10 + i * 5),
                },
            )
            count += 1
            for body in opinions:
                services.opinion_post(actor=actor, topic=topic, body=body)
            for resident in residents:
                first = topic.opinions.order_by("pk").first()
                if (
                    first is not None
                    and resident.role_assignments.filter(
                        region__code__startswith=topic.region_id
                    ).exists()
                ):
                    services.opinion_support(actor=resident, opinion=first)
            if i == 0:
                services.topic_advance(actor=actor, topic=topic, stage="deliberation")
                meeting = services.meeting_record(
                    actor=actor,
                    topic=topic,
                    data={
                        "held_at": timezone.now() - datetime.timedelta(days=2),
                        "location": f"{community.name}议事厅",
                        "participants": "社区书记、居民代表 15 人、物业公司、暖心社工服务中心社工 2 人",
                        "agenda": "讨论 6 栋加装电梯方案与费用分摊",
                        "minutes": "多数居民同意 6 栋先行试点；费用按楼层系数分摊，一楼不出资。",
                    },
                )
                resolution = services.resolution_add(
                    actor=actor,
                    meeting=meeting,
                    data={
                        "text": "6 栋先行试点加装电梯，费用按楼层系数分摊",
                        "votes_for": 12,
                        "votes_against": 2,
                        "votes_abstain": 1,
                        "owner": "社区居委会、6 栋楼长",
                        "due_on": timezone.localdate() + datetime.timedelta(days=90),
                    },
                )
                services.resolution_progress(
                    actor=actor,
                    resolution=resolution,
                    note="已完成入户意见征询，同意率 86%。",
                    status="in_progress",
                )
                services.topic_advance(actor=actor, topic=topic, stage="decided")
                services.topic_advance(actor=actor, topic=topic, stage="follow_up")
    return count
