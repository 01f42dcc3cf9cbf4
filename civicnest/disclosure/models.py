"""What the public reads: announcements and policy documents, and each center's yearly disclosure."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import TimeStampedModel


class AnnouncementKind(models.TextChoices):
    NOTICE = "notice", _("通知公告")
    POLICY = "policy", _("政策文件")
    NEWS = "news", _("工作动态")


class PublishStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Announcement(TimeStampedModel):
    """Published by the bureau or a center; public once published and its publish time has come."""

    kind = models.CharField(_("类别"), max_length=10, choices=AnnouncementKind.choices)
    title = models.CharField(_("标题"), max_length=150)
    summary = models.CharField(_("摘要"), max_length=200, help_text=_("显示在列表和搜索结果中"))
    body = models.TextField(_("正文"))
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("发布单位区划")
    )
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announcements",
        verbose_name=_("发布中心"),
    )
    publisher = models.CharField(_("发布单位"), max_length=120)
    status = models.CharField(
        _("状态"), max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT
    )
    publish_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撰稿人"),
    )

    class Meta:
        ordering = ["-publish_at", "-pk"]
        verbose_name = _("公告与政策文件")
        verbose_name_plural = _("公告与政策文件")
        constraints = [
            models.CheckConstraint(
                name="announcement_published_has_time",
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                violation_error_message=_("发布时必须有发布时间。"),
            ),
            models.CheckConstraint(
                name="announcement_withdrawn_has_reason",
                condition=~Q(status="withdrawn") | ~Q(withdrawn_reason=""),
                violation_error_message=_("撤回须说明原因。"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="announcement_public_idx"),
            models.Index(fields=["region", "-created_at"], name="announcement_region_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:announcement-detail", kwargs={"pk": self.pk})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}

    @property
    def is_public(self) -> bool:
        return (
            self.status == PublishStatus.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return self.status == PublishStatus.PUBLISHED and not self.is_public


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    return f"disclosure/{instance.announcement_id}/{filename[-80:]}"


class Attachment(TimeStampedModel):
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("公告")
    )
    file = models.FileField(_("附件"), upload_to=attachment_upload_to)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小（字节）"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.announcement.region_id}


def disclosure_upload_to(instance: CenterDisclosure, filename: str) -> str:
    return f"disclosure/centers/{instance.center_id}/{instance.year}-{filename[-80:]}"


class CenterDisclosure(TimeStampedModel):
    """A center's yearly disclosure (S 四四): governance, work report and a summary of its finances."""

    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        related_name="disclosures",
        verbose_name=_("中心"),
    )
    year = models.PositiveIntegerField(_("年度"))
    governance = models.TextField(
        _("治理结构"), help_text=_("理事会/管理委员会、运营方式、管理制度等")
    )
    work_report = models.TextField(_("年度工作报告"))
    income = models.DecimalField(
        _("年度收入（元）"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    government_funding = models.DecimalField(
        _("其中政府资金（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    expenditure = models.DecimalField(
        _("年度支出（元）"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    report_file = models.FileField(_("年度报告文件"), upload_to=disclosure_upload_to, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT
    )
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("中心年度公开")
        verbose_name_plural = _("中心年度公开")
        constraints = [
            models.UniqueConstraint(fields=["center", "year"], name="disclosure_one_per_year"),
            models.CheckConstraint(
                name="disclosure_amounts_not_negative",
                condition=Q(income__gte=0) & Q(expenditure__gte=0) & Q(government_funding__gte=0),
                violation_error_message=_("金额不能为负数。"),
            ),
            models.CheckConstraint(
                name="disclosure_government_within_income",
                condition=Q(government_funding__lte=models.F("income")),
                violation_error_message=_("政府资金不能超过年度收入。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.center} {self.year}"

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.center.region_id}
