"""Information exchange: work notices from the bureau to centers and organizations, or from a center to
the organizations it serves, each recipient with a read receipt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import TimeStampedModel


class Audience(models.TextChoices):
    CENTERS = "centers", _("各中心")
    ORGANIZATIONS = "organizations", _("社会组织")
    BOTH = "both", _("中心和社会组织")


class Notice(TimeStampedModel):
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发送人"),
    )
    sender_name = models.CharField(_("发送单位"), max_length=120)
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("以中心名义"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("发送范围")
    )
    audience = models.CharField(_("接收对象"), max_length=16, choices=Audience.choices)
    title = models.CharField(_("标题"), max_length=150)
    body = models.TextField(_("内容"))
    reply_by = models.DateField(_("回复/办理期限"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("工作通知")
        verbose_name_plural = _("工作通知")
        indexes = [models.Index(fields=["region", "-created_at"], name="notice_region_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notices:detail", kwargs={"pk": self.pk})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}


class Receipt(models.Model):
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("通知")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_receipts",
        verbose_name=_("接收人"),
    )
    unit_name = models.CharField(_("所在单位"), max_length=120)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["unit_name", "pk"]
        verbose_name = _("阅读回执")
        verbose_name_plural = _("阅读回执")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "recipient"], name="receipt_one_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="receipt_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.recipient_id}"
