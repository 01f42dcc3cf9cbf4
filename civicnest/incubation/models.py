from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.accounts.models import mobile_validator
from civicnest.core.models import RegionScoped, TimeStampedModel
from civicnest.registry.models import Category, Stage


class ProgramKind(models.TextChoices):
    INCUBATION = "incubation", _("社会组织孵化")
    URGENT_PROJECT = "urgent_project", _("民生需求迫切的社会服务项目")
    GRASSROOTS = "grassroots", _("基层孵化（社区社会组织与活动团队）")


class IncubationProgram(RegionScoped):
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        related_name="incubation_programs",
        verbose_name=_("中心"),
    )
    name = models.CharField(_("项目名称"), max_length=120)
    kind = models.CharField(
        _("类型"), max_length=20, choices=ProgramKind.choices, default=ProgramKind.INCUBATION
    )
    description = models.TextField(_("说明"), blank=True)
    services_offered = models.TextField(_("提供的服务"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("孵化项目")
        verbose_name_plural = _("孵化项目")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "name"], name="program_unique_name_per_center"
            )
        ]

    def __str__(self) -> str:
        return self.name


class IntakeRound(RegionScoped):
    program = models.ForeignKey(
        IncubationProgram,
        on_delete=models.CASCADE,
        related_name="rounds",
        verbose_name=_("孵化项目"),
    )
    name = models.CharField(_("批次名称"), max_length=120)
    opens_on = models.DateField(_("开始受理"))
    closes_on = models.DateField(_("截止受理"))
    capacity = models.PositiveIntegerField(_("入驻名额"), validators=[MinValueValidator(1)])
    criteria = models.TextField(_("入驻条件"), blank=True)
    target_stages = models.JSONField(_("面向阶段"), default=list, blank=True)
    target_categories = models.JSONField(_("面向领域"), default=list, blank=True)
    period_months = models.PositiveIntegerField(
        _("孵化期（月）"), default=12, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )

    class Meta:
        ordering = ["-opens_on", "pk"]
        verbose_name = _("入驻批次")
        verbose_name_plural = _("入驻批次")
        constraints = [
            models.CheckConstraint(
                name="round_closes_after_opening",
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                violation_error_message=_("截止日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.program.name} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("incubation:round-detail", kwargs={"pk": self.pk})


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已申请")
    ELIGIBLE = "eligible", _("资格审核通过")
    INELIGIBLE = "ineligible", _("不符合条件")
    WAITLISTED = "waitlisted", _("候补")
    REJECTED = "rejected", _("未入选")
    ADMITTED = "admitted", _("已入选")
    INCUBATING = "incubating", _("孵化中")
    EXTENDED = "extended", _("延期孵化")
    GRADUATED = "graduated", _("已出壳")
    EXITED = "exited", _("已退出")


# Statuses that hold a place in a round's capacity.
PLACE_HOLDING = (
    ApplicationStatus.ADMITTED,
    ApplicationStatus.INCUBATING,
    ApplicationStatus.EXTENDED,
    ApplicationStatus.GRADUATED,
)


class Application(RegionScoped):
    """An application to an intake round; once admitted it is the incubatee's record until graduation."""

    round = models.ForeignKey(
        IntakeRound, on_delete=models.PROTECT, related_name="applications", verbose_name=_("批次")
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incubations",
        verbose_name=_("社会组织"),
    )
    team = models.ForeignKey(
        "registry.ActivityTeam",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incubations",
        verbose_name=_("备案团队"),
    )
    founding_team = models.CharField(_("发起团队名称（未登记）"), max_length=120, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=11, validators=[mobile_validator])
    project_title = models.CharField(_("项目/计划名称"), max_length=200)
    plan = models.TextField(_("发展计划"))
    category = models.CharField(_("服务领域"), max_length=20, choices=Category.choices)
    stage = models.CharField(_("发展阶段"), max_length=16, choices=Stage.choices)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    decision_reason = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定人"),
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    graduated_on = models.DateField(_("出壳日期"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("入驻申请/孵化对象")
        verbose_name_plural = _("入驻申请/孵化对象")
        indexes = [models.Index(fields=["region", "status"], name="application_region_status_idx")]
        constraints = [
            models.CheckConstraint(
                name="application_names_an_applicant",
                condition=models.Q(organization__isnull=False)
                | models.Q(team__isnull=False)
                | ~models.Q(founding_team=""),
                violation_error_message=_("请选择社会组织、备案团队，或填写发起团队名称。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant_name} · {self.project_title}"

    def get_absolute_url(self) -> str:
        return reverse("incubation:application-detail", kwargs={"pk": self.pk})

    @property
    def applicant_name(self) -> str:
        if self.organization_id:
            return self.organization.name  # type: ignore[union-attr]
        if self.team_id:
            return self.team.name  # type: ignore[union-attr]
        return self.founding_team


REVIEW_CRITERIA = (
    ("need", _("需求迫切性"), 25),
    ("feasibility", _("方案可行性"), 25),
    ("capacity", _("团队能力"), 25),
    ("impact", _("社会效益"), 25),
)


class ApplicationReview(TimeStampedModel):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("申请")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评审人"),
    )
    scores = models.JSONField(_("评分"))
    total = models.DecimalField(_("总分"), max_digits=5, decimal_places=1)
    comment = models.TextField(_("评审意见"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("入驻评审")
        verbose_name_plural = _("入驻评审")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="review_once_per_reviewer"
            ),
            models.CheckConstraint(
                name="review_total_in_range", condition=models.Q(total__gte=0, total__lte=100)
            ),
        ]

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.application.region_id}


class Agreement(TimeStampedModel):
    """The incubation agreement (入驻协议): period, obligations and services granted."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("孵化对象")
    )
    number = models.CharField(_("协议编号"), max_length=32, unique=True)
    starts_on = models.DateField(_("孵化开始"))
    ends_on = models.DateField(_("孵化结束"))
    obligations = models.TextField(_("双方义务"))
    services_granted = models.JSONField(_("提供的服务"), default=list, blank=True)
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )

    class Meta:
        verbose_name = _("孵化协议")
        verbose_name_plural = _("孵化协议")
        constraints = [
            models.CheckConstraint(
                name="agreement_ends_after_start",
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                violation_error_message=_("结束日期必须晚于开始日期。"),
            ),
        ]

    def clean(self) -> None:
        if self.signed_on and self.signed_on > timezone.localdate():
            raise ValidationError({"signed_on": [_("签订日期不能晚于今天。")]})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.application.region_id}


class DeskKind(models.TextChoices):
    DESK = "desk", _("工位")
    OFFICE = "office", _("独立办公室")


class Desk(RegionScoped):
    center = models.ForeignKey(
        "network.Center", on_delete=models.PROTECT, related_name="desks", verbose_name=_("中心")
    )
    code = models.CharField(_("编号"), max_length=20)
    kind = models.CharField(
        _("类型"), max_length=10, choices=DeskKind.choices, default=DeskKind.DESK
    )
    area = models.DecimalField(
        _("面积（平方米）"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["center_id", "code"]
        verbose_name = _("工位/办公室")
        verbose_name_plural = _("工位/办公室")
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="desk_unique_code_per_center")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class Tenancy(RegionScoped):
    """A desk given to an incubatee for [starts_on, ends_on); no two tenancies of one desk overlap.

    PostgreSQL holds the rule with an exclusion constraint (migration 0002); the service checks it too,
    inside a transaction that locks the desk, which is what holds it on SQLite.
    """

    desk = models.ForeignKey(
        Desk, on_delete=models.PROTECT, related_name="tenancies", verbose_name=_("工位")
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="tenancies", verbose_name=_("孵化对象")
    )
    starts_on = models.DateField(_("入驻日期"))
    ends_on = models.DateField(_("到期日期"))
    moved_out_on = models.DateField(_("退驻日期"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("入驻工位")
        verbose_name_plural = _("入驻工位")
        constraints = [
            models.CheckConstraint(
                name="tenancy_ends_after_start",
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                violation_error_message=_("到期日期必须晚于入驻日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.desk} · {self.starts_on}–{self.ends_on}"


class ServiceType(models.TextChoices):
    TRAINING = "training", _("培训")
    CONSULT_INFO = "consult_info", _("信息咨询")
    CONSULT_POLICY = "consult_policy", _("政策咨询")
    CONSULT_REGISTRATION = "consult_registration", _("登记指导")
    CAPACITY = "capacity", _("能力辅导")
    PROJECT_DESIGN = "project_design", _("项目设计")
    FINANCE = "finance", _("财务指导")
    BRAND = "brand", _("品牌建设")
    EXCHANGE = "exchange", _("交流展示")
    RESOURCES = "resources", _("资源链接")


class ServiceRecord(RegionScoped):
    """One entry of the one-stop service log (一站式服务)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="services", verbose_name=_("孵化对象")
    )
    service_type = models.CharField(_("服务类型"), max_length=24, choices=ServiceType.choices)
    served_on = models.DateField(_("日期"))
    hours = models.DecimalField(
        _("时长（小时）"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("服务人员"),
    )
    topic = models.CharField(_("主题"), max_length=200)
    outcome = models.TextField(_("成效"), blank=True)

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")


class MilestoneKind(models.TextChoices):
    REGISTERED = "registered", _("完成登记")
    FIRST_FUNDED = "first_funded", _("首个项目获得资助")
    BOARD = "board", _("理事会组建")
    FIRST_REPORT = "first_report", _("完成首份年报")
    OTHER = "other", _("其他")


class Milestone(RegionScoped):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("孵化对象")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=MilestoneKind.choices)
    title = models.CharField(_("里程碑"), max_length=200)
    due_on = models.DateField(_("计划完成"))
    achieved_on = models.DateField(_("实际完成"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("发展里程碑")
        verbose_name_plural = _("发展里程碑")


class Mentorship(RegionScoped):
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="mentorships",
        verbose_name=_("孵化对象"),
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("导师")
    )
    since = models.DateField(_("起始日期"))
    focus = models.CharField(_("辅导方向"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("导师")
        verbose_name_plural = _("导师")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "mentor"], name="mentor_once_per_incubatee"
            )
        ]


class ProgressReview(RegionScoped):
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="progress_reviews",
        verbose_name=_("孵化对象"),
    )
    quarter = models.CharField(_("季度"), max_length=7)  # e.g. 2026Q3
    reviewed_on = models.DateField(_("评估日期"))
    rating = models.PositiveSmallIntegerField(
        _("进展评价（1–5）"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    summary = models.TextField(_("进展摘要"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评估人"),
    )

    class Meta:
        ordering = ["-quarter"]
        verbose_name = _("季度进展评估")
        verbose_name_plural = _("季度进展评估")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "quarter"], name="progress_once_per_quarter"
            ),
            models.CheckConstraint(
                name="progress_quarter_format",
                condition=models.Q(quarter__regex=r"^20[0-9]{2}Q[1-4]$"),
                violation_error_message=_("季度格式应为 2026Q3。"),
            ),
        ]


class AssessmentOutcome(models.TextChoices):
    GRADUATE = "graduate", _("准予出壳")
    EXTEND = "extend", _("延期孵化")
    EXIT = "exit", _("退出孵化")


class GraduationAssessment(RegionScoped):
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("孵化对象"),
    )
    assessed_on = models.DateField(_("评估日期"))
    score = models.DecimalField(
        _("评估得分"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    milestones_met = models.PositiveIntegerField(_("达成里程碑数"))
    summary = models.TextField(_("评估意见"))
    outcome = models.CharField(_("结论"), max_length=10, choices=AssessmentOutcome.choices)
    extend_until = models.DateField(_("延期至"), null=True, blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评估人"),
    )

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("出壳评估")
        verbose_name_plural = _("出壳评估")
        constraints = [
            models.CheckConstraint(
                name="assessment_extension_has_date",
                condition=~models.Q(outcome="extend") | models.Q(extend_until__isnull=False),
                violation_error_message=_("延期孵化须填写延期至的日期。"),
            )
        ]


class FollowUp(RegionScoped):
    """Alumni follow-up: each graduate is visited again within 12 months."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("孵化对象")
    )
    due_on = models.DateField(_("回访期限"))
    done_on = models.DateField(_("回访日期"), null=True, blank=True)
    note = models.TextField(_("回访情况"), blank=True)

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("出壳回访")
        verbose_name_plural = _("出壳回访")
