from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import RegionScoped
from civicnest.matching.codes import Category, CostModel, Urgency
from civicnest.network.models import CenterLevel


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
    # The level of the center now responsible and when, without an accepted match, it goes one level up.
    handling_level = models.CharField(
        _("当前负责层级"), max_length=16, choices=CenterLevel.choices, blank=True
    )
    deadline = models.DateTimeField(_("本级对接期限"), null=True, blank=True)
    # When suggestions were asked for and not yet written by the matching worker (None: up to date).
    suggestions_due = models.DateTimeField(_("推荐待生成"), null=True, blank=True, editable=False)

    # Set on the returned instance by `need_submit` when the submission was merged into this open need.
    merged: bool = False

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("需求")
        verbose_name_plural = _("需求")
        indexes = [
            models.Index(fields=["region", "status"], name="need_region_status_idx"),
            # The escalation job: open needs whose deadline has passed.
            models.Index(
                fields=["deadline"],
                condition=models.Q(deadline__isnull=False),
                name="need_deadline_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("matching:need-detail", kwargs={"pk": self.pk})


class NeedEventKind(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    MERGED = "merged", _("重复提交已合并")
    SUGGESTED = "suggested", _("系统已推荐")
    OFFERED = "offered", _("已推送给组织")
    DECLINED = "declined", _("组织婉拒")
    RETURNED = "returned", _("回到待对接")
    ACCEPTED = "accepted", _("组织已接受")
    SCHEDULED = "scheduled", _("已排期")
    DELIVERED = "delivered", _("已服务")
    RATED = "rated", _("已评价")
    CLOSED = "closed", _("已关闭")
    ESCALATED = "escalated", _("已上报")


class NeedEvent(models.Model):
    """One step of a need's life, as its submitter reads it on the need page (append-only).

    The audit log keeps field diffs for staff; this keeps the story: which organization, why it
    declined, which center the need went up to and until when. `data` holds the step's facts
    (organization, reason, center, level, day, deadline, count); `summary()` puts them in words.
    """

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="events", verbose_name=_("需求")
    )
    kind = models.CharField(_("事件"), max_length=12, choices=NeedEventKind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("需求进展")
        verbose_name_plural = _("需求进展")
        indexes = [models.Index(fields=["need", "at"], name="need_event_need_at_idx")]

    def __str__(self) -> str:
        return f"{self.need_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:  # a step of the story is never rewritten
            raise ValueError("NeedEvent rows are append-only.")
        super().save(*args, **kwargs)

    def summary(self) -> str:  # noqa: PLR0911 - one sentence per kind
        d = self.data
        k = NeedEventKind
        if self.kind == k.SUBMITTED:
            return str(_("需求已提交。"))
        if self.kind == k.MERGED:
            return str(_("您再次提交了相同的需求，已合并到这条需求。"))
        if self.kind == k.SUGGESTED:
            return str(
                _("系统找到 %(n)d 个可能合适的服务，工作人员正在挑选。") % {"n": d.get("count", 0)}
            )
        if self.kind == k.OFFERED:
            return str(_("已推送给“%(org)s”。") % {"org": d.get("organization", "")})
        if self.kind == k.DECLINED:
            return str(
                _("“%(org)s”婉拒了需求，原因：%(reason)s")
                % {"org": d.get("organization", ""), "reason": d.get("reason", "")}
            )
        if self.kind == k.RETURNED:
            return str(_("需求回到待对接，工作人员会为您另找服务。"))
        if self.kind == k.ACCEPTED:
            return str(_("“%(org)s”接受了需求。") % {"org": d.get("organization", "")})
        if self.kind == k.SCHEDULED:
            return str(
                _("“%(org)s”计划于 %(day)s 提供服务。")
                % {"org": d.get("organization", ""), "day": d.get("day", "")}
            )
        if self.kind == k.DELIVERED:
            return str(
                _("“%(org)s”已于 %(day)s 完成服务。")
                % {"org": d.get("organization", ""), "day": d.get("day", "")}
            )
        if self.kind == k.RATED:
            return str(_("已评价 %(n)d 星。") % {"n": d.get("rating", 0)})
        if self.kind == k.ESCALATED:
            return str(
                _("超过期限未对接，已上报至%(center)s（%(level)s），对接期限 %(deadline)s。")
                % {
                    "center": d.get("center", ""),
                    "level": CenterLevel(d["level"]).label
                    if d.get("level") in CenterLevel.values
                    else "",
                    "deadline": d.get("deadline") or _("无"),
                }
            )
        return str(self.get_kind_display())


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
