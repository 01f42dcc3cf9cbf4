from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import TimeStampedModel


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


def report_upload_to(instance: StatReport, filename: str) -> str:
    return f"stats/reports/{instance.region_id}/{instance.pk}-{filename}"


class StatReport(TimeStampedModel):
    """A 情况专报 of one jurisdiction and period, generated in the background as PDF and xlsx."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    period_key = models.CharField(_("统计期"), max_length=7)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    step = models.CharField(_("当前步骤"), max_length=60, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=report_upload_to, blank=True)
    xlsx = models.FileField(_("Excel"), upload_to=report_upload_to, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("情况专报")
        verbose_name_plural = _("情况专报")
        constraints = [
            models.CheckConstraint(
                name="statreport_progress_0_100", condition=Q(progress__lte=100)
            ),
            models.CheckConstraint(
                name="statreport_done_has_files",
                condition=~Q(status="done") | (~Q(pdf="") & ~Q(xlsx="")),
                violation_error_message=_("已完成的专报必须同时有 PDF 和 Excel 文件。"),
            ),
        ]
        indexes = [models.Index(fields=["region", "-created_at"], name="statreport_region_idx")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.period_key}"

    def get_absolute_url(self) -> str:
        return reverse("stats:report-list")

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}

    @property
    def is_active(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)
