from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import RegionScoped
from civicnest.matching.codes import Category, CostModel, Urgency


class SubmitterKind(models.TextChoices):
    RESIDENT = "resident", _("居民")
    COMMITTEE = "committee", _("社区居委会")
    CENTER = "center", _("服务中心")
    GOVERNMENT = "government", _("政府部门")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待对接")
    MATCHING = "matching", _("对接中")
    SERVED = "served", _("已服务")
    CLOSED = "closed", _("已关闭")


class Need(RegionScoped):
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("需求描述"))
    category = models.CharField(_("服务类别"), max_length=20, choices=Category.choices, blank=True)
    beneficiaries = models.JSONField(_("服务对象"), default=list, blank=True)
    people_count = models.PositiveIntegerField(
        _("涉及人数"), default=1, validators=[MinValueValidator(1)]
    )
    window_start = models.DateField(_("希望开始"), null=True, blank=True)
    window_end = models.DateField(_("希望结束"), null=True, blank=True)
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="needs",
        verbose_name=_("提交人"),
    )
    submitter_kind = models.CharField(
        _("提交方"), max_length=12, choices=SubmitterKind.choices, default=SubmitterKind.RESIDENT
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("疑似重复"),
    )
    escalated_to = models.ForeignKey(
        "network.Center",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("已上报至"),
    )
    escalated_at = models.DateTimeField(_("上报时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("需求")
        verbose_name_plural = _("需求")
        indexes = [models.Index(fields=["region", "status"], name="need_region_status_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("matching:need-detail", kwargs={"pk": self.pk})


class ServiceOffering(RegionScoped):
    """A service an organization offers; `region` is its home district, `areas` where it serves."""

    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.CASCADE,
        related_name="offerings",
        verbose_name=_("社会组织"),
    )
    title = models.CharField(_("服务名称"), max_length=120)
    description = models.TextField(_("服务内容"))
    categories = models.JSONField(_("服务类别"), default=list)
    areas = models.ManyToManyField("regions.Region", related_name="+", verbose_name=_("服务区域"))
    beneficiaries = models.JSONField(_("服务对象"), default=list, blank=True)
    capacity = models.PositiveIntegerField(
        _("每月服务能力（人次）"), default=20, validators=[MinValueValidator(1)]
    )
    schedule = models.CharField(_("服务时间"), max_length=200, blank=True)
    cost_model = models.CharField(
        _("收费方式"), max_length=12, choices=CostModel.choices, default=CostModel.FREE
    )
    is_active = models.BooleanField(_("提供中"), default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The live index's staleness check reads MAX(updated_at) on every ranking.
        indexes = [models.Index(fields=["updated_at"], name="offering_updated_idx")]
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("matching:offering-detail", kwargs={"pk": self.pk})


class ResourceKind(models.TextChoices):
    VENUE = "venue", _("场地")
    FUND = "fund", _("资金")
    VOLUNTEERS = "volunteers", _("志愿者")
    IN_KIND = "in_kind", _("物资捐赠")


class Resource(RegionScoped):
    kind = models.CharField(_("类型"), max_length=12, choices=ResourceKind.choices)
    title = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    quantity = models.CharField(_("数量"), max_length=100, blank=True)
    available_from = models.DateField(_("可用自"), null=True, blank=True)
    available_until = models.DateField(_("可用至"), null=True, blank=True)
    provider = models.CharField(_("提供方"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("社会资源")
        verbose_name_plural = _("社会资源")

    def __str__(self) -> str:
        return self.title


class MatchStatus(models.TextChoices):
    SUGGESTED = "suggested", _("系统推荐")
    OFFERED = "offered", _("已推送给组织")
    ACCEPTED = "accepted", _("组织已接受")
    DECLINED = "declined", _("组织已婉拒")
    SCHEDULED = "scheduled", _("已排期")
    DELIVERED = "delivered", _("已服务")
    RATED = "rated", _("已评价")
    CLOSED = "closed", _("已关闭")


class Match(RegionScoped):
    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="matches", verbose_name=_("需求")
    )
    offering = models.ForeignKey(
        ServiceOffering,
        on_delete=models.CASCADE,
        related_name="matches",
        verbose_name=_("服务项目"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=MatchStatus.choices, default=MatchStatus.SUGGESTED
    )
    score = models.FloatField(_("匹配得分"), default=0)
    reasons = models.JSONField(_("推荐理由"), default=list, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("推送人"),
    )
    decline_reason = models.CharField(_("婉拒原因"), max_length=200, blank=True)
    scheduled_for = models.DateField(_("计划服务日期"), null=True, blank=True)
    delivered_on = models.DateField(_("服务日期"), null=True, blank=True)
    hours = models.DecimalField(
        _("服务时长（小时）"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    people_served = models.PositiveIntegerField(_("服务人数"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("评价（1–5 星）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("评价意见"), blank=True)

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("对接记录")
        verbose_name_plural = _("对接记录")
        constraints = [
            models.UniqueConstraint(
                fields=["need", "offering"], name="match_once_per_need_offering"
            ),
            models.CheckConstraint(
                name="match_rated_has_rating",
                condition=~models.Q(status="rated") | models.Q(rating__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "need"], name="match_status_need_idx"),
            # The board's average rating per jurisdiction: an index-only scan of the rated matches.
            models.Index(
                fields=["region", "rating"],
                condition=models.Q(rating__isnull=False),
                name="match_rated_region_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} ↔ {self.offering}"
