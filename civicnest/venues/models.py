from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import RegionScoped


class OpenTo(models.TextChoices):
    EVERYONE = "everyone", _("社会组织与居民团队")
    ORGANIZATIONS = "organizations", _("仅社会组织")
    STAFF = "staff", _("仅中心内部")


class Room(RegionScoped):
    center = models.ForeignKey(
        "network.Center", on_delete=models.PROTECT, related_name="rooms", verbose_name=_("中心")
    )
    name = models.CharField(_("名称"), max_length=100)
    area = models.DecimalField(
        _("面积（平方米）"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    capacity = models.PositiveIntegerField(_("容纳人数"), validators=[MinValueValidator(1)])
    equipment = models.CharField(_("设备"), max_length=300, blank=True)
    opens_at = models.TimeField(_("开放时间"), default=datetime.time(8, 30))
    closes_at = models.TimeField(_("关闭时间"), default=datetime.time(21, 0))
    open_weekdays = models.CharField(_("开放日（1=周一…7=周日）"), max_length=13, default="1234567")
    open_to = models.CharField(
        _("开放对象"), max_length=16, choices=OpenTo.choices, default=OpenTo.EVERYONE
    )
    requires_approval = models.BooleanField(_("预约需审批"), default=False)
    is_active = models.BooleanField(_("可预约"), default=True)

    class Meta:
        ordering = ["center_id", "name"]
        verbose_name = _("场地")
        verbose_name_plural = _("场地")
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="room_unique_name_per_center"),
            models.CheckConstraint(
                name="room_closes_after_opening",
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                violation_error_message=_("关闭时间必须晚于开放时间。"),
            ),
            models.CheckConstraint(
                name="room_weekdays_digits",
                condition=models.Q(open_weekdays__regex=r"^[1-7]{1,7}$"),
                violation_error_message=_("开放日只能由 1–7 组成。"),
            ),
        ]
        indexes = [models.Index(fields=["region", "capacity"], name="room_region_capacity_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("venues:room-detail", kwargs={"pk": self.pk})

    def is_open(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        """Whether [start, end) falls inside one opening period (local time, same day)."""
        return (
            start.date() == end.date()
            and str(start.isoweekday()) in self.open_weekdays
            and self.opens_at <= start.time()
            and end.time() <= self.closes_at
        )


def room_photo_upload_to(instance: RoomPhoto, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"rooms/{instance.room_id}/{instance.pk or 'new'}-{filename[:40]}.{suffix}"


class RoomPhoto(RegionScoped):
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="photos", verbose_name=_("场地")
    )
    image = models.FileField(_("照片"), upload_to=room_photo_upload_to)
    caption = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("场地照片")
        verbose_name_plural = _("场地照片")


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已取消")


class Booking(RegionScoped):
    """A room for [start, end). No two confirmed bookings of one room overlap: PostgreSQL holds it with an
    exclusion constraint (migration 0002); on SQLite the service checks inside a write-locked transaction."""

    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("场地")
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("预约人"),
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("预约单位"),
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    purpose = models.CharField(_("用途"), max_length=200)
    attendance = models.PositiveIntegerField(
        _("预计人数"), default=1, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    series = models.CharField(_("周期预约编号"), max_length=36, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("场地预约")
        verbose_name_plural = _("场地预约")
        constraints = [
            models.CheckConstraint(
                name="booking_ends_after_start",
                condition=models.Q(end__gt=models.F("start")),
                violation_error_message=_("结束时间必须晚于开始时间。"),
            ),
        ]
        indexes = [
            models.Index(fields=["room", "start"], name="booking_room_start_idx"),
            # Free-slot search compares end > window start; without this, a room's whole booking history is read (docs/benchmarks.md).
            models.Index(fields=["room", "end"], name="booking_room_end_idx"),
            models.Index(fields=["region", "start"], name="booking_region_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.start:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> Decimal:
        return Decimal((self.end - self.start).total_seconds() / 3600).quantize(Decimal("0.1"))
