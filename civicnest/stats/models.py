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


class MonthlyFigure(models.Model):
    """One figure of one region (city, district or street) in one month: the roll-up the dashboards
    read instead of scanning the source tables (see stats.rollup). Written only by the refresh job."""

    region = models.CharField(_("区划代码"), max_length=12)
    month = models.DateField(_("月份"))  # the first day
    key = models.CharField(_("指标"), max_length=80)  # a figure, or "<distribution>:<value>"
    num = models.DecimalField(_("分子"), max_digits=24, decimal_places=6)
    den = models.DecimalField(_("分母"), max_digits=24, decimal_places=6, default=0)

    class Meta:
        verbose_name = _("月度汇总指标")
        verbose_name_plural = _("月度汇总指标")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "month", "key"], name="monthlyfigure_region_month_key"
            ),
        ]
        indexes = [models.Index(fields=["month"], name="monthlyfigure_month_idx")]

    def __str__(self) -> str:
        return f"{self.region} {self.month:%Y-%m} {self.key}"


class RollupMonth(models.Model):
    """A month the roll-up holds, and when it was computed; a month without a row is computed live."""

    month = models.DateField(_("月份"), unique=True)
    computed_at = models.DateTimeField(_("计算时间"))
    # The present-state figures (in incubation, compliance) were computed with this month.
    with_current = models.BooleanField(_("含当前状态指标"), default=False)
    seconds = models.DecimalField(_("耗时（秒）"), max_digits=8, decimal_places=2, default=0)

    class Meta:
        ordering = ["month"]
        verbose_name = _("汇总月份")
        verbose_name_plural = _("汇总月份")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
