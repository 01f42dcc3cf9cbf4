"""Consultation: topics, opinions and supports, moderation that hides but never deletes, meetings and resolutions."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError
from civicnest.core.saving import save_new
from civicnest.governance import permissions
from civicnest.governance.models import (
    Meeting,
    Opinion,
    Participant,
    Resolution,
    ResolutionStatus,
    ResolutionUpdate,
    Support,
    Topic,
    TopicStage,
)
from civicnest.matching.models import Need
from civicnest.matching.services import need_submit
from civicnest.network.models import Center, CenterLevel
from civicnest.network.permissions import can_edit_center
from civicnest.regions.models import Region

MAX_OPINION = 2000


@transaction.atomic
def topic_open(*, actor: User, center: Center, data: dict[str, Any]) -> Topic:
    if center.level not in {CenterLevel.STREET, CenterLevel.COMMUNITY}:
        raise ValidationError({"center": [_("协商议题由街道或社区中心发起。")]})
    if not can_edit_center(actor, center):
        raise PermissionDenied(_("您无权以该中心名义发起议题。"))
    region: Region = data["region"]
    if not region.code.startswith(center.region_id):
        raise ValidationError({"region": [_("议题涉及的区域必须在该中心的范围内。")]})
    participants = list(data.get("participants") or [])
    if not participants or any(p not in Participant.values for p in participants):
        raise ValidationError({"participants": [_("请选择参与对象。")]})
    return save_new(
        actor,
        Topic(
            center=center,
            region=region,
            title=data["title"].strip(),
            background=data["background"].strip(),
            participants=participants,
            collect_until=data["collect_until"],
            created_by=actor,
        ),
    )


@transaction.atomic
def topic_advance(*, actor: User, topic: Topic, stage: str) -> Topic:
    if not permissions.can_run_topic(actor, topic):
        raise PermissionDenied(_("只有发起中心可以推进议题。"))
    order = list(TopicStage.values)
    if stage not in order or order.index(stage) != order.index(topic.stage) + 1:
        raise ApplicationError(
            _("议题只能按“征集意见 → 议事协商 → 形成决议 → 落实跟进 → 已办结”依次推进。")
        )
    topic.stage = stage
    with acting_as(actor):
        topic.save(update_fields=["stage", "updated_at"])
    return topic


@transaction.atomic
def opinion_post(*, actor: User, topic: Topic, body: str) -> Opinion:
    if not permissions.can_take_part(actor, topic):
        raise PermissionDenied(_("只有本议题的参与对象可以发表意见。"))
    if topic.stage != TopicStage.COLLECTING:
        raise ApplicationError(_("意见征集已结束。"))
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": [_("请写下您的意见。")]})
    if len(text) > MAX_OPINION:
        raise ValidationError({"body": [_("意见不能超过 %(n)d 字。") % {"n": MAX_OPINION}]})
    return save_new(actor, Opinion(topic=topic, region_id=topic.region_id, author=actor, body=text))


@transaction.atomic
def opinion_support(*, actor: User, opinion: Opinion) -> int:
    """One support per person: a second click changes nothing. Returns the count."""
    if not permissions.can_take_part(actor, opinion.topic):
        raise PermissionDenied(_("只有本议题的参与对象可以附议。"))
    if opinion.is_hidden:
        raise ApplicationError(_("该意见已被屏蔽。"))
    try:
        with transaction.atomic():
            Support.objects.create(opinion=opinion, person=actor)
    except IntegrityError:
        pass  # already supported: idempotent
    return opinion.supports.count()


@transaction.atomic
def opinion_hide(*, actor: User, opinion: Opinion, reason: str) -> Opinion:
    """Moderation hides an opinion with a recorded reason; the text stays (and the audit keeps the change)."""
    locked = (
        Opinion.objects.select_for_update(of=("self",))
        .select_related("topic__center")
        .get(pk=opinion.pk)
    )
    if not permissions.can_run_topic(actor, locked.topic):
        raise PermissionDenied(_("只有发起中心可以处理意见。"))
    if not reason.strip():
        raise ValidationError({"reason": [_("屏蔽时必须说明原因。")]})
    locked.is_hidden, locked.hidden_reason, locked.hidden_by = True, reason.strip(), actor
    with acting_as(actor):
        locked.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "updated_at"])
    return locked


@transaction.atomic
def opinion_to_need(*, actor: User, opinion: Opinion, region: Region | None = None) -> Need:
    locked = (
        Opinion.objects.select_for_update(of=("self",))
        .select_related("topic__center", "topic__region")
        .get(pk=opinion.pk)
    )
    if not permissions.can_run_topic(actor, locked.topic):
        raise PermissionDenied(_("只有发起中心可以把意见转为需求。"))
    if locked.need_id:
        raise ApplicationError(_("该意见已转为需求。"))
    target = region or locked.topic.region
    need = need_submit(
        actor=actor,
        data={
            "title": locked.topic.title[:60] + _("（居民意见）"),
            "description": locked.body,
            "region": target,
            "submitter_kind": "center",
        },
    )
    locked.need = need
    with acting_as(actor):
        locked.save(update_fields=["need", "updated_at"])
    return need


@transaction.atomic
def meeting_record(*, actor: User, topic: Topic, data: dict[str, Any]) -> Meeting:
    if not permissions.can_run_topic(actor, topic):
        raise PermissionDenied(_("只有发起中心可以记录议事会议。"))
    return save_new(
        actor,
        Meeting(
            topic=topic,
            region_id=topic.region_id,
            **{
                k: data[k]
                for k in ("held_at", "location", "participants", "agenda", "minutes")
                if k in data
            },
        ),
    )


@transaction.atomic
def resolution_add(*, actor: User, meeting: Meeting, data: dict[str, Any]) -> Resolution:
    if not permissions.can_run_topic(actor, meeting.topic):
        raise PermissionDenied(_("只有发起中心可以记录决议。"))
    return save_new(
        actor,
        Resolution(
            meeting=meeting,
            region_id=meeting.region_id,
            **{
                k: data[k]
                for k in ("text", "votes_for", "votes_against", "votes_abstain", "owner", "due_on")
                if k in data
            },
        ),
    )


@transaction.atomic
def resolution_progress(
    *, actor: User, resolution: Resolution, note: str, status: str
) -> ResolutionUpdate:
    locked = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("meeting__topic__center")
        .get(pk=resolution.pk)
    )
    if not permissions.can_run_topic(actor, locked.meeting.topic):
        raise PermissionDenied(_("只有发起中心可以更新落实进展。"))
    if status not in ResolutionStatus.values:
        raise ValidationError({"status": [_("无效的状态。")]})
    if not note.strip():
        raise ValidationError({"note": [_("请填写进展情况。")]})
    update = save_new(
        actor,
        ResolutionUpdate(
            resolution=locked,
            region_id=locked.region_id,
            note=note.strip(),
            status=status,
            recorded_by=actor,
        ),
    )
    locked.status = status
    with acting_as(actor):
        locked.save(update_fields=["status", "updated_at"])
    return update


def default_collect_until() -> datetime.date:

    return timezone.localdate() + datetime.timedelta(days=14)
