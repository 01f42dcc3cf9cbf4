"""Training, events and the talent pool: every write checks rights, validates, saves and audits."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User, mobile_validator
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError
from civicnest.core.saving import save_new
from civicnest.core.services import notify
from civicnest.core.uploads import IMAGE, store_upload, validate_upload
from civicnest.core.validators import validate_id_number
from civicnest.network.models import Center
from civicnest.regions.scoping import Scope
from civicnest.training import permissions
from civicnest.training.models import (
    Course,
    Enrolment,
    EnrolmentStatus,
    Event,
    EventPhoto,
    EventRegistration,
    EventStatus,
    Feedback,
    HourStatus,
    Placement,
    ServiceHour,
    Session,
    Volunteer,
)
from civicnest.venues.services import booking_create

CHECKIN_EARLY = datetime.timedelta(minutes=30)


# -- courses and sessions -------------------------------------------------------------------------
@transaction.atomic
def course_create(*, actor: User, center: Center, data: dict[str, Any]) -> Course:
    if not permissions.can_run_training(actor, center):
        raise PermissionDenied(_("您无权为该中心开设课程。"))
    fields = ("title", "topic", "description", "trainers", "is_published")
    return save_new(
        actor,
        Course(
            center=center, region_id=center.region_id, **{k: data[k] for k in fields if k in data}
        ),
    )


@transaction.atomic
def session_create(*, actor: User, course: Course, data: dict[str, Any]) -> Session:
    if not permissions.can_run_training(actor, course.center):
        raise PermissionDenied(_("您无权管理该课程。"))
    starts, ends = data["starts_at"], data["ends_at"]
    if ends <= starts:
        raise ValidationError({"ends_at": [_("结束时间必须晚于开始时间。")]})
    hours = Decimal((ends - starts).total_seconds() / 3600).quantize(Decimal("0.1"))
    session = Session(
        course=course,
        region_id=course.region_id,
        starts_at=starts,
        ends_at=ends,
        capacity=data["capacity"],
        location=data.get("location", ""),
        room=data.get("room"),
        hours=hours,
    )
    if (
        session.room is not None
    ):  # the room is booked through the venues rules (overlaps refused with 409)
        session.booking = booking_create(
            actor=actor,
            room=session.room,
            start=starts,
            end=ends,
            purpose=_("培训：%(t)s") % {"t": course.title},
            attendance=min(session.capacity, session.room.capacity),
        )
        session.location = session.location or f"{session.room.center.name} {session.room.name}"
    return save_new(actor, session)


def _enrolled_count(session: Session) -> int:
    return session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()


@transaction.atomic
def enrol(*, actor: User, session: Session, organization: Any = None) -> Enrolment:
    """Enrol the actor; when the session is full they go on the waitlist, in order of arrival."""
    locked = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    if not locked.course.is_published:
        raise ApplicationError(_("该课程尚未发布。"))
    if locked.starts_at <= timezone.now():
        raise ApplicationError(_("该场次已开始，不能报名。"))
    existing = locked.enrolments.filter(person=actor).first()
    if existing is not None and existing.status != EnrolmentStatus.CANCELLED:
        raise ApplicationError(
            _("您已报名该场次（%(s)s）。") % {"s": existing.get_status_display()}
        )
    status = (
        EnrolmentStatus.ENROLLED
        if _enrolled_count(locked) < locked.capacity
        else EnrolmentStatus.WAITLISTED
    )
    if existing is not None:  # re-enrolling after a cancellation joins the end of the queue
        existing.status, existing.organization = status, organization
        existing.created_at = timezone.now()
        with acting_as(actor):
            existing.save(update_fields=["status", "organization", "created_at", "updated_at"])
        return existing
    return save_new(
        actor,
        Enrolment(
            session=locked,
            region_id=locked.region_id,
            person=actor,
            organization=organization,
            status=status,
        ),
    )


@transaction.atomic
def enrolment_cancel(*, actor: User, enrolment: Enrolment) -> Enrolment:
    session = (
        Session.objects.select_for_update()
        .select_related("course__center")
        .get(pk=enrolment.session_id)
    )
    locked = Enrolment.objects.select_for_update(of=("self",)).get(pk=enrolment.pk)
    if locked.person_id != actor.pk and not permissions.can_run_training(
        actor, session.course.center
    ):
        raise PermissionDenied(_("只能取消本人的报名。"))
    if locked.status == EnrolmentStatus.CANCELLED:
        raise ApplicationError(_("该报名已取消。"))
    if locked.checked_in_at:
        raise ApplicationError(_("已签到，不能取消。"))
    was_enrolled = locked.status == EnrolmentStatus.ENROLLED
    locked.status = EnrolmentStatus.CANCELLED
    with acting_as(actor):
        locked.save(update_fields=["status", "updated_at"])
    if was_enrolled:
        promoted = (
            session.enrolments.filter(status=EnrolmentStatus.WAITLISTED)
            .order_by("created_at", "pk")
            .first()
        )
        if promoted is not None:
            promoted.status = EnrolmentStatus.ENROLLED
            with acting_as(actor):
                promoted.save(update_fields=["status", "updated_at"])
            notify(
                event="training.promoted",
                recipients=[promoted.person],
                url=session.get_absolute_url(),
                sms=True,
                title=_("候补成功：您已获得“%(c)s”的名额") % {"c": session.course.title},
            )
    return locked


@transaction.atomic
def check_in(*, actor: User, token: str, now: datetime.datetime | None = None) -> Enrolment:
    now = now or timezone.now()
    session = Session.objects.filter(checkin_token=token).select_related("course").first()
    if session is None:
        raise ApplicationError(_("签到码无效。"))
    enrolment = session.enrolments.select_for_update().filter(person=actor).first()
    if enrolment is None or enrolment.status != EnrolmentStatus.ENROLLED:
        raise ApplicationError(_("您没有该场次的有效报名，不能签到。"))
    if not session.starts_at - CHECKIN_EARLY <= now <= session.ends_at:
        raise ApplicationError(_("签到时间为开课前 30 分钟至结束。"))
    if enrolment.checked_in_at:
        return enrolment
    enrolment.checked_in_at = now
    with acting_as(actor):
        enrolment.save(update_fields=["checked_in_at", "updated_at"])
    return enrolment


@transaction.atomic
def feedback_submit(
    *, actor: User, enrolment: Enrolment, rating: int, comment: str = ""
) -> Feedback:
    if enrolment.person_id != actor.pk:
        raise PermissionDenied(_("只能为本人参加的培训提交反馈。"))
    if not enrolment.checked_in_at:
        raise ApplicationError(_("签到后才能提交反馈。"))
    if Feedback.objects.filter(enrolment=enrolment).exists():
        raise ApplicationError(_("您已提交过反馈。"))
    return save_new(
        actor,
        Feedback(
            enrolment=enrolment,
            region_id=enrolment.region_id,
            rating=rating,
            comment=comment.strip(),
        ),
    )


# -- events ---------------------------------------------------------------------------------------
EVENT_FIELDS = ("kind", "title", "description", "starts_at", "ends_at", "location", "capacity")


@transaction.atomic
def event_create(*, actor: User, center: Center, data: dict[str, Any]) -> Event:
    if not permissions.can_run_training(actor, center):
        raise PermissionDenied(_("您无权为该中心组织活动。"))
    return save_new(
        actor,
        Event(
            center=center,
            region_id=center.region_id,
            **{k: data[k] for k in EVENT_FIELDS if k in data},
        ),
    )


@transaction.atomic
def event_update(*, actor: User, event: Event, data: dict[str, Any]) -> Event:
    locked = Event.objects.select_for_update(of=("self",)).select_related("center").get(pk=event.pk)
    if not permissions.can_run_training(actor, locked.center):
        raise PermissionDenied(_("您无权修改该活动。"))
    changed = [
        k
        for k, v in data.items()
        if k in (*EVENT_FIELDS, "status", "report") and getattr(locked, k) != v
    ]
    for key in changed:
        setattr(locked, key, data[key])
    if locked.status == EventStatus.FINISHED and not locked.report.strip():
        raise ValidationError({"report": [_("活动结束时请填写活动报道，以便在门户公开。")]})
    locked.full_clean()
    if changed:
        with acting_as(actor):
            locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic
def event_register(*, actor: User, event: Event) -> EventRegistration:
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.status != EventStatus.PUBLISHED or locked.starts_at <= timezone.now():
        raise ApplicationError(_("该活动不在报名期。"))
    if locked.registrations.filter(person=actor).exists():
        raise ApplicationError(_("您已报名该活动。"))
    if locked.registrations.count() >= locked.capacity:
        raise ApplicationError(_("活动名额已满。"))
    return save_new(
        actor, EventRegistration(event=locked, region_id=locked.region_id, person=actor)
    )


@transaction.atomic
def event_photo_add(*, actor: User, event: Event, upload: Any, caption: str = "") -> EventPhoto:
    if not permissions.can_run_training(actor, event.center):
        raise PermissionDenied(_("您无权为该活动上传照片。"))
    try:
        validate_upload(upload, IMAGE)
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from exc
    photo = EventPhoto(event=event, region_id=event.region_id, caption=caption.strip())
    store_upload(photo.image, upload.name, upload, field="image")
    try:
        with acting_as(actor):
            photo.save(force_insert=True)
    except Exception:
        photo.image.delete(save=False)
        raise
    return photo


# -- talent pool ----------------------------------------------------------------------------------
VOLUNTEER_FIELDS = (
    "kind",
    "name",
    "id_number",
    "phone",
    "certificate_level",
    "skills",
    "availability",
    "organization",
    "region",
)


@transaction.atomic
def volunteer_register(*, actor: User, data: dict[str, Any], user: Any = None) -> Volunteer:
    """Staff register people in their region; a volunteer may register themselves (user=actor)."""
    errors: dict[str, list[str]] = {}
    try:
        data["id_number"] = validate_id_number((data.get("id_number") or "").strip().upper())
    except ValidationError as exc:
        errors["id_number"] = list(exc.messages)
    try:
        mobile_validator(data.get("phone", ""))
    except ValidationError as exc:
        errors["phone"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    region = data["region"]
    scope = Scope.for_user(actor)
    if not (scope.covers(region.code) or (user is not None and user.pk == actor.pk)):
        raise PermissionDenied(_("您只能登记本辖区的志愿者和社工。"))
    volunteer = Volunteer(
        user=user,
        region_id=region.code,
        **{k: data[k] for k in VOLUNTEER_FIELDS if k in data and k != "region"},
    )
    try:
        with transaction.atomic():
            return save_new(actor, volunteer)
    except (IntegrityError, ValidationError) as exc:
        if Volunteer.objects.filter(id_number=data["id_number"]).exists():
            raise ValidationError({"id_number": [_("该身份证号已登记在人才库中。")]}) from exc
        raise


@transaction.atomic
def service_hour_record(*, actor: User, volunteer: Volunteer, data: dict[str, Any]) -> ServiceHour:
    if not (volunteer.user_id == actor.pk or permissions.can_manage_volunteer(actor, volunteer)):
        raise PermissionDenied(_("只能登记本人或本单位志愿者的服务时长。"))
    if data["served_on"] > timezone.localdate():
        raise ValidationError({"served_on": [_("服务日期不能晚于今天。")]})
    hour = ServiceHour(
        volunteer=volunteer,
        region_id=volunteer.region_id,
        recorded_by=actor,
        **{k: data[k] for k in ("activity", "event", "served_on", "hours") if k in data},
    )
    return save_new(actor, hour)


@transaction.atomic
def service_hour_verify(*, actor: User, hour: ServiceHour, approve: bool) -> ServiceHour:
    locked = (
        ServiceHour.objects.select_for_update(of=("self",))
        .select_related("volunteer")
        .get(pk=hour.pk)
    )
    if not permissions.can_verify_hours(actor, locked):
        raise PermissionDenied(_("服务时长须由活动组织方核验，且不能由登记人本人核验。"))
    if locked.status != HourStatus.PENDING:
        raise ApplicationError(_("该记录已核验。"))
    locked.status = HourStatus.VERIFIED if approve else HourStatus.REJECTED
    locked.verified_by = actor
    with acting_as(actor):
        locked.save(update_fields=["status", "verified_by", "updated_at"])
    return locked


@transaction.atomic
def placement_create(
    *, actor: User, volunteer: Volunteer, center: Center, data: dict[str, Any]
) -> Placement:
    if not permissions.can_run_training(actor, center):
        raise PermissionDenied(_("您无权安排该中心的实践。"))
    return save_new(
        actor,
        Placement(
            volunteer=volunteer,
            center=center,
            region_id=center.region_id,
            **{k: data[k] for k in ("starts_on", "ends_on", "hours", "supervisor") if k in data},
        ),
    )
