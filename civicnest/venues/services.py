"""Room bookings: the one rule that matters is that confirmed bookings of one room never overlap."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.selectors import center_staff_of
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.services import notify
from civicnest.core.uploads import IMAGE, store_upload, validate_upload
from civicnest.network.models import Center
from civicnest.venues import permissions
from civicnest.venues.models import Booking, BookingStatus, Room, RoomPhoto

MAX_HOURS = 12
MAX_WEEKS = 26
ROOM_FIELDS = (
    "name",
    "area",
    "capacity",
    "equipment",
    "opens_at",
    "closes_at",
    "open_weekdays",
    "open_to",
    "requires_approval",
    "is_active",
)


@transaction.atomic
def room_create(*, actor: User, center: Center, data: dict[str, Any]) -> Room:
    room = Room(
        center=center,
        region_id=center.region_id,
        **{k: v for k, v in data.items() if k in ROOM_FIELDS},
    )
    if not permissions.can_manage_room(actor, room):
        raise PermissionDenied(_("您无权管理该中心的场地。"))
    room.full_clean()
    with acting_as(actor):
        room.save(force_insert=True)
    return room


@transaction.atomic
def room_update(*, actor: User, room: Room, data: dict[str, Any]) -> Room:
    locked = Room.objects.select_for_update(of=("self",)).select_related("center").get(pk=room.pk)
    if not permissions.can_manage_room(actor, locked):
        raise PermissionDenied(_("您无权管理该场地。"))
    changed = [k for k, v in data.items() if k in ROOM_FIELDS and getattr(locked, k) != v]
    for key in changed:
        setattr(locked, key, data[key])
    locked.full_clean()
    if changed:
        with acting_as(actor):
            locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic
def room_photo_add(*, actor: User, room: Room, upload: Any, caption: str = "") -> RoomPhoto:
    if not permissions.can_manage_room(actor, room):
        raise PermissionDenied(_("您无权管理该场地。"))
    try:
        validate_upload(upload, IMAGE)
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from exc
    photo = RoomPhoto(room=room, region_id=room.region_id, caption=caption.strip())
    store_upload(photo.image, upload.name, upload, field="image")
    try:
        with acting_as(actor):
            photo.save(force_insert=True)
    except Exception:
        photo.image.delete(save=False)
        raise
    return photo


# Bookings open this far ahead (a year, so a weekly series of 26 weeks always fits).
BOOKING_HORIZON_DAYS = 366


def _check_slot(
    room: Room, start: datetime.datetime, end: datetime.datetime, attendance: int
) -> None:
    errors: dict[str, list[str]] = {}
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if end <= start:
        errors["end"] = [_("结束时间必须晚于开始时间。")]
    elif end - start > datetime.timedelta(hours=MAX_HOURS):
        errors["end"] = [_("单次预约不能超过 %(h)d 小时。") % {"h": MAX_HOURS}]
    elif not room.is_open(local_start, local_end):
        errors["start"] = [
            _("该时段不在场地开放时间内（%(days)s，%(a)s–%(b)s）。")
            % {
                "days": weekday_names(room.open_weekdays),
                "a": room.opens_at.strftime("%H:%M"),
                "b": room.closes_at.strftime("%H:%M"),
            }
        ]
    if start < timezone.now():
        errors["start"] = [_("开始时间已过。")]
    elif local_start.date() > timezone.localdate() + datetime.timedelta(days=BOOKING_HORIZON_DAYS):
        errors["start"] = [_("最多只能预约 %(d)d 天以内的场地。") % {"d": BOOKING_HORIZON_DAYS}]
    if attendance > room.capacity:
        errors["attendance"] = [
            _("预计人数 %(n)d 超过场地容量 %(c)d。") % {"n": attendance, "c": room.capacity}
        ]
    if not room.is_active:
        errors["room"] = [_("该场地暂停预约。")]
    if errors:
        raise ValidationError(errors)


def weekday_names(digits: str) -> str:
    names = dict(
        zip(
            "1234567",
            [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")],
            strict=True,
        )
    )
    return _("、").join(names[d] for d in sorted(digits))


def _conflict(
    room: Room, start: datetime.datetime, end: datetime.datetime, exclude_pk: int | None = None
) -> Booking | None:
    qs = Booking.objects.filter(
        room=room, status=BookingStatus.CONFIRMED, start__lt=end, end__gt=start
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("start").first()


def _conflict_message(booking: Booking) -> str:
    start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
    return _("%(room)s 在 %(d)s %(a)s–%(b)s 已有确认的预约，时间冲突。") % {
        "room": booking.room.name,
        "d": start.strftime("%Y-%m-%d"),
        "a": start.strftime("%H:%M"),
        "b": end.strftime("%H:%M"),
    }


def _lock_room(room: Room) -> Room:
    # Serialises confirmations of one room. On SQLite the IMMEDIATE transaction already holds the write lock.
    try:
        return Room.objects.select_for_update().select_related("center").get(pk=room.pk)
    except OperationalError as exc:  # SQLite busy beyond its timeout
        raise ConflictError(_("预约人数较多，请稍后重试。")) from exc


def _insert(actor: User, booking: Booking) -> Booking:
    booking.full_clean()
    try:
        with transaction.atomic(), acting_as(actor):
            booking.save(force_insert=True)
    except IntegrityError as exc:  # PostgreSQL's exclusion constraint caught an overlap
        raise ConflictError(_("该时段已被预约。")) from exc
    return booking


@transaction.atomic
def booking_create(
    *,
    actor: User,
    room: Room,
    start: datetime.datetime,
    end: datetime.datetime,
    purpose: str,
    attendance: int = 1,
    organization: Any = None,
    series: str = "",
) -> Booking:
    locked = _lock_room(room)
    if not permissions.can_book(actor, locked):
        raise PermissionDenied(_("该场地不向您开放预约。"))
    if not (purpose or "").strip():
        raise ValidationError({"purpose": [_("请填写用途。")]})
    _check_slot(locked, start, end, attendance)
    status = (
        BookingStatus.PENDING
        if permissions.needs_approval(actor, locked)
        else BookingStatus.CONFIRMED
    )
    if status == BookingStatus.CONFIRMED:
        clash = _conflict(locked, start, end)
        if clash is not None:
            raise ConflictError(
                _conflict_message(clash),
                extra={
                    "conflict": {"start": clash.start.isoformat(), "end": clash.end.isoformat()}
                },
            )
    booking = _insert(
        actor,
        Booking(
            room=locked,
            region_id=locked.region_id,
            booked_by=actor,
            organization=organization,
            start=start,
            end=end,
            purpose=purpose.strip(),
            attendance=attendance,
            status=status,
            series=series,
        ),
    )
    if status == BookingStatus.PENDING:
        notify(
            event="booking.pending",
            recipients=center_staff_of(locked.center_id),
            url=locked.get_absolute_url(),
            title=_("新的场地预约待审批：%(room)s") % {"room": locked.name},
        )
    return booking


@transaction.atomic
def booking_series_create(
    *,
    actor: User,
    room: Room,
    start: datetime.datetime,
    end: datetime.datetime,
    weeks: int,
    purpose: str,
    attendance: int = 1,
    organization: Any = None,
) -> list[Booking]:
    """Weekly for `weeks` weeks: every occurrence is checked first; one conflict refuses the whole series."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError({"weeks": [_("周期预约为 1–%(n)d 周。") % {"n": MAX_WEEKS}]})
    locked = _lock_room(room)
    occurrences = [
        (start + datetime.timedelta(weeks=i), end + datetime.timedelta(weeks=i))
        for i in range(weeks)
    ]
    problems: list[str] = []
    for index, (s, e) in enumerate(occurrences, 1):
        try:
            _check_slot(locked, s, e, attendance)
        except ValidationError as exc:
            problems.append(
                _("第 %(i)d 次（%(d)s）：%(why)s")
                % {
                    "i": index,
                    "d": timezone.localtime(s).strftime("%Y-%m-%d"),
                    "why": "；".join(exc.messages),
                }
            )
            continue
        clash = _conflict(locked, s, e)
        if clash is not None:
            problems.append(
                _("第 %(i)d 次（%(d)s）：%(why)s")
                % {
                    "i": index,
                    "d": timezone.localtime(s).strftime("%Y-%m-%d"),
                    "why": _conflict_message(clash),
                }
            )
    if problems:
        raise ConflictError(
            _("周期预约未保存，以下场次不可预约：") + "；".join(problems),
            extra={"conflicts": problems},
        )
    series = uuid.uuid4().hex
    return [
        booking_create(
            actor=actor,
            room=locked,
            start=s,
            end=e,
            purpose=purpose,
            attendance=attendance,
            organization=organization,
            series=series,
        )
        for s, e in occurrences
    ]


@transaction.atomic
def booking_decide(*, actor: User, booking: Booking, approve: bool, note: str = "") -> Booking:
    locked_room = _lock_room(booking.room)
    if not permissions.can_manage_room(actor, locked_room):
        raise PermissionDenied(_("您无权审批该场地的预约。"))
    locked = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
    if locked.status != BookingStatus.PENDING:
        raise ApplicationError(_("该预约不是待审批状态。"))
    if approve:
        clash = _conflict(locked_room, locked.start, locked.end, exclude_pk=locked.pk)
        if clash is not None:
            raise ConflictError(_conflict_message(clash))
    locked.status = BookingStatus.CONFIRMED if approve else BookingStatus.REJECTED
    locked.decided_by, locked.note = actor, note.strip()
    try:
        with transaction.atomic(), acting_as(actor):
            locked.save(update_fields=["status", "decided_by", "note", "updated_at"])
    except IntegrityError as exc:
        raise ConflictError(_("该时段已被预约。")) from exc
    notify(
        event=f"booking.{locked.status}",
        recipients=[locked.booked_by],
        url=locked_room.get_absolute_url(),
        title=_("场地预约%(s)s：%(room)s")
        % {"s": locked.get_status_display(), "room": locked_room.name},
        body=locked.note,
    )
    return locked


@transaction.atomic
def booking_cancel(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    locked = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("room__center")
        .get(pk=booking.pk)
    )
    if not permissions.can_cancel(actor, locked):
        raise PermissionDenied(_("只有预约人或场地管理人员可以取消。"))
    if locked.status not in {BookingStatus.PENDING, BookingStatus.CONFIRMED}:
        raise ApplicationError(_("该预约已是“%(s)s”状态。") % {"s": locked.get_status_display()})
    locked.status, locked.note = BookingStatus.CANCELLED, reason.strip()
    with acting_as(actor):
        locked.save(update_fields=["status", "note", "updated_at"])
    if locked.booked_by_id != actor.pk:
        notify(
            event="booking.cancelled",
            recipients=[locked.booked_by],
            url=locked.room.get_absolute_url(),
            title=_("您的场地预约已被取消：%(room)s") % {"room": locked.room.name},
            body=locked.note,
        )
    return locked
