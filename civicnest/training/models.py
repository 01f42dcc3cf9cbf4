from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import RegionScoped
from civicnest.network.models import SocialWorkerLevel


class CourseTopic(models.TextChoices):
    POLICY = "policy", _("政策解读")
    REGISTRATION = "registration", _("登记与年检")
    FINANCE = "finance", _("财务管理")
    PROJECT_DESIGN = "project_design", _("项目设计")
    SOCIAL_WORK = "social_work", _("社会工作方法")
    GOVERNANCE = "governance", _("内部治理")
    OTHER = "other", _("其他")


class Course(RegionScoped):
    center = models.ForeignKey(
        "network.Center", on_delete=models.PROTECT, related_name="courses", verbose_name=_("中心")
    )
    title = models.CharField(_("课程名称"), max_length=200)
    topic = models.CharField(_("主题"), max_length=20, choices=CourseTopic.choices)
    description = models.TextField(_("简介"), blank=True)
    trainers = models.CharField(_("讲师"), max_length=200)
    is_published = models.BooleanField(_("已发布"), default=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:course-detail", kwargs={"pk": self.pk})


def new_token() -> str:
    return uuid.uuid4().hex


class Session(RegionScoped):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("课程")
    )
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    room = models.ForeignKey(
        "venues.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("场地"),
    )
    booking = models.OneToOneField(
        "venues.Booking", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    location = models.CharField(_("地点"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    checkin_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("培训场次")
        verbose_name_plural = _("培训场次")
        constraints = [
            models.CheckConstraint(
                name="session_ends_after_start",
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                violation_error_message=_("结束时间必须晚于开始时间。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.course.title} · {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.room_id is None and not (self.location or "").strip():
            raise ValidationError({"location": [_("请选择场地或填写地点。")]})

    def get_absolute_url(self) -> str:
        return reverse("training:session-detail", kwargs={"pk": self.pk})


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")


class Enrolment(RegionScoped):
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("场次")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("学员"),
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在组织"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="enrolment_once_per_session")
        ]

    @property
    def attended(self) -> bool:
        return self.checked_in_at is not None


class Feedback(RegionScoped):
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("报名")
    )
    rating = models.PositiveSmallIntegerField(
        _("满意度（1–5）"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("意见建议"), blank=True)

    class Meta:
        verbose_name = _("培训反馈")
        verbose_name_plural = _("培训反馈")


class EventKind(models.TextChoices):
    FORUM = "forum", _("公益论坛")
    SHOWCASE = "showcase", _("风采展示")
    EXCHANGE = "exchange", _("交流参访")
    FAIR = "fair", _("跨界对接会")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    PUBLISHED = "published", _("已发布")
    FINISHED = "finished", _("已结束")


class Event(RegionScoped):
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("主办中心"),
    )
    kind = models.CharField(_("类型"), max_length=12, choices=EventKind.choices)
    title = models.CharField(_("活动名称"), max_length=200)
    description = models.TextField(_("活动介绍"))
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    location = models.CharField(_("地点"), max_length=200)
    capacity = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    status = models.CharField(
        _("状态"), max_length=12, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    report = models.TextField(_("活动报道"), blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("交流展示活动")
        verbose_name_plural = _("交流展示活动")
        constraints = [
            models.CheckConstraint(
                name="event_ends_after_start",
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                violation_error_message=_("结束时间必须晚于开始时间。"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:event-detail", kwargs={"pk": self.pk})


class EventRegistration(RegionScoped):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("活动")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报名人"),
    )

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="event_registration_once")
        ]


class EventPhoto(RegionScoped):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="photos", verbose_name=_("活动")
    )
    image = models.FileField(_("照片"), upload_to="events/")
    caption = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")


class TalentKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿者")
    SOCIAL_WORKER = "social_worker", _("社会工作者")


class Volunteer(RegionScoped):
    """The talent pool: volunteers and social workers with their certificate level, skills and availability."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="talent_profile",
        verbose_name=_("账户"),
    )
    kind = models.CharField(
        _("类别"), max_length=16, choices=TalentKind.choices, default=TalentKind.VOLUNTEER
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    phone = models.CharField(_("手机号码"), max_length=11)
    certificate_level = models.CharField(
        _("社工职业资格"), max_length=16, choices=SocialWorkerLevel.choices, blank=True, default=""
    )
    skills = models.CharField(_("技能特长"), max_length=300, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=200, blank=True)
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属组织"),
    )

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("志愿者/社工")
        verbose_name_plural = _("志愿者/社工")

    def __str__(self) -> str:
        return self.name


class HourStatus(models.TextChoices):
    PENDING = "pending", _("待核验")
    VERIFIED = "verified", _("已核验")
    REJECTED = "rejected", _("未通过")


class ServiceHour(RegionScoped):
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="hours", verbose_name=_("志愿者")
    )
    activity = models.CharField(_("服务活动"), max_length=200)
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("活动"),
    )
    served_on = models.DateField(_("服务日期"))
    hours = models.DecimalField(
        _("时长（小时）"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))],
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=HourStatus.choices, default=HourStatus.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核验人"),
    )

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")


class Placement(RegionScoped):
    """Practice base (实践基地): a social worker's placement at a center, with hours."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="placements", verbose_name=_("社工")
    )
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        related_name="placements",
        verbose_name=_("实践基地"),
    )
    starts_on = models.DateField(_("开始"))
    ends_on = models.DateField(_("结束"))
    hours = models.DecimalField(_("实践时数"), max_digits=6, decimal_places=1, default=Decimal("0"))
    supervisor = models.CharField(_("督导"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("实践安排")
        verbose_name_plural = _("实践安排")
        constraints = [
            models.CheckConstraint(
                name="placement_ends_after_start",
                condition=models.Q(ends_on__gte=models.F("starts_on")),
            )
        ]
