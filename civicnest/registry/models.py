from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.accounts.models import mobile_validator
from civicnest.core.models import TimeStampedModel


class OrgType(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SOCIAL_SERVICE = "social_service", _("社会服务机构（民办非企业单位）")
    FOUNDATION = "foundation", _("基金会")


class Category(models.TextChoices):
    ELDERLY = "elderly", _("养老")
    DISABILITY = "disability", _("助残")
    CHILDREN = "children", _("儿童青少年")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("医疗健康")
    PSYCHOLOGY = "psychology", _("心理")
    LEGAL = "legal", _("法律")
    MEDIATION = "mediation", _("调解")
    ENVIRONMENT = "environment", _("环保")
    CULTURE_SPORTS = "culture_sports", _("文体")
    VOLUNTEER = "volunteer", _("志愿")
    POVERTY = "poverty", _("扶贫济困")
    GOVERNANCE = "governance", _("社区治理")
    OTHER = "other", _("其他")


class Stage(models.TextChoices):
    STARTUP = "startup", _("初创期")
    GROWTH = "growth", _("成长期")
    MATURE = "mature", _("成熟期")
    TRANSITION = "transition", _("转型期")


class Grade(models.TextChoices):
    NONE = "", _("未评估")
    A1 = "1A", "1A"
    A2 = "2A", "2A"
    A3 = "3A", "3A"
    A4 = "4A", "4A"
    A5 = "5A", "5A"


class OrgStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    ABNORMAL = "abnormal", _("活动异常")
    DEREGISTERED = "deregistered", _("注销")


class SocialOrganization(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=120)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    org_type = models.CharField(_("组织类型"), max_length=20, choices=OrgType.choices)
    legal_representative = models.CharField(_("法定代表人"), max_length=50)
    registration_authority = models.CharField(_("登记管理机关"), max_length=100)
    registered_on = models.DateField(_("登记日期"))
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区划")
    )
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("服务中心"),
    )
    category = models.CharField(_("服务领域"), max_length=20, choices=Category.choices)
    stage = models.CharField(
        _("发展阶段"), max_length=16, choices=Stage.choices, default=Stage.STARTUP
    )
    grade = models.CharField(
        _("评估等级"), max_length=2, choices=Grade.choices, blank=True, default=""
    )
    grade_valid_until = models.DateField(_("等级有效期至"), null=True, blank=True)
    staff_count = models.PositiveIntegerField(_("专职人员数"), default=0)
    volunteer_count = models.PositiveIntegerField(_("志愿者数"), default=0)
    party_member_count = models.PositiveIntegerField(_("党员人数"), default=0)
    has_party_org = models.BooleanField(_("已建立党组织"), default=False)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("联系电话"), max_length=11, blank=True, validators=[mobile_validator]
    )
    address = models.CharField(_("住所"), max_length=200, blank=True)
    description = models.TextField(_("业务范围与简介"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=OrgStatus.choices, default=OrgStatus.NORMAL
    )
    # Search helpers kept in step with `name` by the services: full pinyin and initials ("hxsg" for 和谐社工).
    name_pinyin = models.CharField(max_length=400, blank=True, editable=False)
    name_initials = models.CharField(max_length=120, blank=True, editable=False)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        indexes = [
            models.Index(fields=["region", "status"], name="org_region_status_idx"),
            models.Index(fields=["category", "stage"], name="org_category_stage_idx"),
            models.Index(fields=["name_initials"], name="org_initials_idx"),
            models.Index(fields=["name"], name="org_name_idx"),
            # The matching index's staleness check reads MAX(updated_at) on every ranking.
            models.Index(fields=["updated_at"], name="org_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="org_uscc_is_18_chars",
                condition=models.Q(uscc__regex=r"^5[0-9A-Z]{17}$"),
                violation_error_message=_("统一社会信用代码格式不正确。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.registered_on and self.registered_on > timezone.localdate():
            raise ValidationError({"registered_on": [_("登记日期不能晚于今天。")]})

    def get_absolute_url(self) -> str:
        return reverse("registry:org-detail", kwargs={"pk": self.pk})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}


class TeamKind(models.TextChoices):
    ACTIVITY_TEAM = "activity_team", _("群众活动团队")
    COMMUNITY_ORG = "community_org", _("社区社会组织")


class FilingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    FILED = "filed", _("已备案")
    RETURNED = "returned", _("已退回")
    REVOKED = "revoked", _("已撤销")


class ActivityTeam(TimeStampedModel):
    """A community activity team or community social organization that is filed (备案), not registered."""

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(
        _("类别"), max_length=20, choices=TeamKind.choices, default=TeamKind.ACTIVITY_TEAM
    )
    category = models.CharField(_("活动领域"), max_length=20, choices=Category.choices)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在社区/街道"),
    )
    responsible_person = models.CharField(_("负责人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=11, validators=[mobile_validator])
    venue = models.CharField(_("活动场所"), max_length=200)
    charter = models.TextField(_("章程或活动规则"), blank=True)
    member_count = models.PositiveIntegerField(_("成员人数"), validators=[MinValueValidator(1)])
    funds = models.DecimalField(
        _("活动资金（元）"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    activity_area = models.CharField(_("活动范围"), max_length=200, blank=True)
    status = models.CharField(
        _("备案状态"), max_length=16, choices=FilingStatus.choices, default=FilingStatus.SUBMITTED
    )
    filing_number = models.CharField(
        _("备案编号"), max_length=32, unique=True, null=True, blank=True
    )
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    last_confirmed_year = models.PositiveIntegerField(_("最近年度确认"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("群众活动团队/社区社会组织")
        verbose_name_plural = _("群众活动团队/社区社会组织")
        indexes = [models.Index(fields=["region", "status"], name="team_region_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="team_unique_name_in_region"),
            models.CheckConstraint(
                name="team_filed_has_number",
                condition=~models.Q(status="filed") | models.Q(filing_number__isnull=False),
                violation_error_message=_("已备案的团队必须有备案编号。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:team-detail", kwargs={"pk": self.pk})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}


class RegistrationGuidance(TimeStampedModel):
    """A filed team on its way to registration: the center's guidance record."""

    team = models.ForeignKey(
        ActivityTeam, on_delete=models.CASCADE, related_name="guidance", verbose_name=_("团队")
    )
    target_type = models.CharField(_("拟登记类型"), max_length=20, choices=OrgType.choices)
    notes = models.TextField(_("指导内容"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("指导人"),
    )
    given_on = models.DateField(_("日期"))

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("登记指导记录")
        verbose_name_plural = _("登记指导记录")

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.team.region_id}


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    REVIEWED = "reviewed", _("已审核")


class InspectionResult(models.TextChoices):
    PASS = "pass", _("合格")
    BASIC = "basic", _("基本合格")
    FAIL = "fail", _("不合格")


class AnnualReport(TimeStampedModel):
    organization = models.ForeignKey(
        SocialOrganization,
        on_delete=models.CASCADE,
        related_name="annual_reports",
        verbose_name=_("社会组织"),
    )
    year = models.PositiveIntegerField(_("年度"))
    activities = models.TextField(_("年度业务活动"))
    income = models.DecimalField(
        _("收入（元）"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    expenses = models.DecimalField(
        _("支出（元）"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    net_assets = models.DecimalField(
        _("净资产（元）"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    staff_count = models.PositiveIntegerField(_("专职人员数"))
    member_count = models.PositiveIntegerField(_("会员数（单位/个人）"), default=0)
    status = models.CharField(
        _("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    result = models.CharField(
        _("检查结论"), max_length=8, choices=InspectionResult.choices, blank=True
    )
    result_note = models.TextField(_("结论说明"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "organization_id"]
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="annualreport_one_per_year"
            ),
            models.CheckConstraint(
                name="annualreport_reviewed_has_result",
                condition=~models.Q(status="reviewed") | ~models.Q(result=""),
                violation_error_message=_("已审核的年报必须有检查结论。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.organization.region_id}


class ConsultingSession(TimeStampedModel):
    """Annual-inspection consulting given by a center (年检/年报咨询)."""

    organization = models.ForeignKey(
        SocialOrganization,
        on_delete=models.CASCADE,
        related_name="consulting_sessions",
        verbose_name=_("社会组织"),
    )
    report = models.ForeignKey(
        AnnualReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consulting",
        verbose_name=_("年报"),
    )
    held_on = models.DateField(_("日期"))
    topic = models.CharField(_("咨询事项"), max_length=200)
    notes = models.TextField(_("记录"), blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("咨询人员"),
    )

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("年检咨询")
        verbose_name_plural = _("年检咨询")

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.organization.region_id}


class CreditKind(models.TextChoices):
    REWARD = "reward", _("表彰奖励")
    WARNING = "warning", _("警示")
    ABNORMAL_LISTED = "abnormal_listed", _("列入活动异常名录")
    ABNORMAL_REMOVED = "abnormal_removed", _("移出活动异常名录")
    SERIOUS = "serious", _("列入严重违法失信名单")


class CreditRecord(TimeStampedModel):
    organization = models.ForeignKey(
        SocialOrganization,
        on_delete=models.CASCADE,
        related_name="credit_records",
        verbose_name=_("社会组织"),
    )
    kind = models.CharField(_("类别"), max_length=20, choices=CreditKind.choices)
    occurred_on = models.DateField(_("日期"))
    reason = models.TextField(_("事由"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_kind_display()}"

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.organization.region_id}


class DocType(models.TextChoices):
    CHARTER = "charter", _("章程")
    CERTIFICATE = "certificate", _("登记证书")
    MINUTES = "minutes", _("会议纪要")
    FINANCIAL = "financial", _("财务报表")
    OTHER = "other", _("其他")


def archive_upload_to(instance: ArchiveDocument, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"archives/{instance.organization_id}/{instance.doc_type}/v{instance.version}.{suffix}"


class ArchiveDocument(TimeStampedModel):
    """Archive custody (档案托管): each upload of a document is a new version; nothing is overwritten."""

    organization = models.ForeignKey(
        SocialOrganization,
        on_delete=models.CASCADE,
        related_name="archives",
        verbose_name=_("社会组织"),
    )
    doc_type = models.CharField(_("档案类别"), max_length=20, choices=DocType.choices)
    title = models.CharField(_("标题"), max_length=200)
    version = models.PositiveIntegerField(_("版本"))
    file = models.FileField(_("文件"), upload_to=archive_upload_to, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )

    class Meta:
        ordering = ["doc_type", "-version"]
        verbose_name = _("托管档案")
        verbose_name_plural = _("托管档案")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "doc_type", "version"], name="archive_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.organization.region_id}


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    CHECKING = "checking", _("正在校验")
    WRITING = "writing", _("正在写入")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """One uploaded registry sheet, imported by the task worker (a 50,000-row sheet takes longer than a
    request may). The file is kept in the database, so a worker on another machine can read it, and
    dropped when the job ends; `errors` keeps each refused row's values for the error sheet."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("导入人"),
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    mode = models.CharField(_("导入方式"), max_length=8)
    content = models.BinaryField(editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("总行数"), default=0)
    processed = models.PositiveIntegerField(_("已校验行数"), default=0)
    imported = models.PositiveIntegerField(_("已导入行数"), default=0)
    # [{"row": 5, "column": "统一社会信用代码", "reason": "…"}], first MAX_STORED_ERRORS only.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    # {"5": ["名称", "5242…", …]}: the refused rows as uploaded, for the error sheet.
    error_rows = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=list, blank=True)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("registry:org-import-job", kwargs={"pk": self.pk})

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(self.processed * 90 / self.total) if self.total else 0

    @property
    def invalid_rows(self) -> int:
        return len(self.error_rows)
