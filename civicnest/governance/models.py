from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import RegionScoped


class TopicStage(models.TextChoices):
    COLLECTING = "collecting", _("征集意见")
    DELIBERATION = "deliberation", _("议事协商")
    DECIDED = "decided", _("形成决议")
    FOLLOW_UP = "follow_up", _("落实跟进")
    CLOSED = "closed", _("已办结")


class Participant(models.TextChoices):
    RESIDENTS = "residents", _("本区域居民")
    ORGANIZATIONS = "organizations", _("服务本区域的社会组织")
    COMMITTEE = "committee", _("社区两委与工作人员")


class Topic(RegionScoped):
    """A consultation topic (协商议事) opened by a street or community center for one region."""

    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        related_name="topics",
        verbose_name=_("发起中心"),
    )
    title = models.CharField(_("议题"), max_length=120)
    background = models.TextField(_("背景"))
    participants = models.JSONField(_("参与对象"), default=list)
    stage = models.CharField(
        _("阶段"), max_length=16, choices=TopicStage.choices, default=TopicStage.COLLECTING
    )
    collect_until = models.DateField(_("意见征集截止"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("协商议题")
        verbose_name_plural = _("协商议题")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:topic-detail", kwargs={"pk": self.pk})


class Opinion(RegionScoped):
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="opinions", verbose_name=_("议题")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发表人"),
    )
    body = models.TextField(_("意见"))
    is_hidden = models.BooleanField(_("已屏蔽"), default=False)
    hidden_reason = models.CharField(_("屏蔽原因"), max_length=200, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    need = models.ForeignKey(
        "matching.Need",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转为需求"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("居民意见")
        verbose_name_plural = _("居民意见")

    def __str__(self) -> str:
        return self.body[:30]


class Support(models.Model):
    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="supports")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opinion", "person"], name="support_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.opinion_id}"


class Meeting(RegionScoped):
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("议题")
    )
    held_at = models.DateTimeField(_("时间"))
    location = models.CharField(_("地点"), max_length=200)
    participants = models.TextField(_("参会人员（社区、社会组织、社工）"))
    agenda = models.TextField(_("议程"))
    minutes = models.TextField(_("会议纪要"), blank=True)

    class Meta:
        ordering = ["-held_at"]
        verbose_name = _("议事会议")
        verbose_name_plural = _("议事会议")

    def __str__(self) -> str:
        return f"{self.topic} {self.held_at:%Y-%m-%d}"


class ResolutionStatus(models.TextChoices):
    PENDING = "pending", _("待落实")
    IN_PROGRESS = "in_progress", _("落实中")
    DONE = "done", _("已完成")


class Resolution(RegionScoped):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="resolutions", verbose_name=_("会议")
    )
    text = models.TextField(_("决议内容"))
    votes_for = models.PositiveIntegerField(_("赞成"), default=0)
    votes_against = models.PositiveIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权"), default=0)
    owner = models.CharField(_("落实责任方"), max_length=120)
    due_on = models.DateField(_("完成时限"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ResolutionStatus.choices, default=ResolutionStatus.PENDING
    )

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("议事决议")
        verbose_name_plural = _("议事决议")


class ResolutionUpdate(RegionScoped):
    resolution = models.ForeignKey(
        Resolution, on_delete=models.CASCADE, related_name="updates", verbose_name=_("决议")
    )
    note = models.TextField(_("进展"))
    status = models.CharField(_("状态"), max_length=12, choices=ResolutionStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("落实进展")
        verbose_name_plural = _("落实进展")
