"""党建 (W 四(二), S 二·一): party organizations of social organizations and centers, the 党建指导员 a
street assigns, and the activities (三会一课, 主题党日…) a party organization holds.

Every row stores the region code of what it belongs to (`region`), so the one jurisdiction filter
applies. Names of secretaries, guides and attendees are personal political data: the selectors mask them
for anyone who does not need them (see `permissions.can_see_personal`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.accounts.models import mobile_validator
from civicnest.core.models import TimeStampedModel

# A party branch (党支部) needs at least three full members (党章 第三十条); a 功能型党小组 needs fewer.
BRANCH_MIN_MEMBERS = 3


class PartyOrgKind(models.TextChoices):
    INDEPENDENT = "independent", _("独立党支部")
    JOINT = "joint", _("联合党支部")
    FUNCTIONAL = "functional", _("功能型党小组")


class PartyOrganization(TimeStampedModel):
    """The party organization of one social organization or one center; a joint branch (联合党支部)
    also covers other organizations that have too few members of their own."""

    name = models.CharField(_("党组织名称"), max_length=120)
    kind = models.CharField(_("组织形式"), max_length=16, choices=PartyOrgKind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区划")
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_organizations",
        verbose_name=_("所在社会组织"),
    )
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_organizations",
        verbose_name=_("所在中心"),
    )
    covered_organizations = models.ManyToManyField(
        "registry.SocialOrganization",
        blank=True,
        related_name="joint_party_organizations",
        verbose_name=_("联合覆盖的社会组织"),
    )
    secretary_name = models.CharField(_("书记（负责人）"), max_length=50)
    member_count = models.PositiveIntegerField(_("党员人数"))
    founded_on = models.DateField(_("成立日期"))
    superior = models.CharField(_("上级党组织"), max_length=120, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [models.Index(fields=["region", "kind"], name="party_org_region_kind_idx")]
        constraints = [
            models.CheckConstraint(
                name="party_org_one_host",
                condition=(Q(organization__isnull=False) & Q(center__isnull=True))
                | (Q(organization__isnull=True) & Q(center__isnull=False)),
                violation_error_message=_("党组织须建在一家社会组织或一个中心。"),
            ),
            models.CheckConstraint(
                name="party_org_branch_has_three",
                condition=Q(kind="functional") | Q(member_count__gte=BRANCH_MIN_MEMBERS),
                violation_error_message=_(
                    "党支部须有3名以上党员；不足3人的可建立功能型党小组或联合党支部。"
                ),
            ),
            models.CheckConstraint(
                name="party_org_group_has_member",
                condition=Q(member_count__gte=1),
                violation_error_message=_("党员人数至少为1。"),
            ),
            models.CheckConstraint(
                name="party_org_dissolved_after_founded",
                condition=Q(dissolved_on__isnull=True)
                | Q(dissolved_on__gte=models.F("founded_on")),
                violation_error_message=_("撤销日期不能早于成立日期。"),
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(dissolved_on__isnull=True, organization__isnull=False),
                name="party_org_one_active_per_org",
                violation_error_message=_("该社会组织已有党组织。"),
            ),
            models.UniqueConstraint(
                fields=["center"],
                condition=Q(dissolved_on__isnull=True, center__isnull=False),
                name="party_org_one_active_per_center",
                violation_error_message=_("该中心已有党组织。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.founded_on and self.founded_on > timezone.localdate():
            raise ValidationError({"founded_on": [_("成立日期不能晚于今天。")]})

    def get_absolute_url(self) -> str:
        return reverse("party:org-detail", kwargs={"pk": self.pk})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None

    @property
    def host_name(self) -> str:
        host = self.organization or self.center
        return str(host) if host else ""


class PartyGuide(TimeStampedModel):
    """A 党建指导员 a street assigns to the social organizations in its area, for a term."""

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(
        _("联系电话"), max_length=11, blank=True, validators=[mobile_validator]
    )
    affiliation = models.CharField(_("工作单位及职务"), max_length=120, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("派驻街道")
    )
    organizations = models.ManyToManyField(
        "registry.SocialOrganization",
        related_name="party_guides",
        verbose_name=_("联系指导的社会组织"),
    )
    starts_on = models.DateField(_("派驻日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("选派人"),
    )

    class Meta:
        ordering = ["region_id", "-starts_on", "pk"]
        verbose_name = _("党建指导员")
        verbose_name_plural = _("党建指导员")
        constraints = [
            models.CheckConstraint(
                name="party_guide_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                violation_error_message=_("结束日期不能早于派驻日期。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("party:guide-detail", kwargs={"pk": self.pk})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)


class ActivityKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", _("支部党员大会")
    COMMITTEE = "committee", _("支部委员会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    APPRAISAL = "appraisal", _("民主评议党员")
    OTHER = "other", _("其他")


# The four that make up 三会一课.
SANHUI_YIKE = (
    ActivityKind.GENERAL_MEETING,
    ActivityKind.COMMITTEE,
    ActivityKind.GROUP_MEETING,
    ActivityKind.LECTURE,
)


class PartyActivity(TimeStampedModel):
    party_org = models.ForeignKey(
        PartyOrganization,
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("党组织"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区划")
    )
    kind = models.CharField(_("活动类型"), max_length=20, choices=ActivityKind.choices)
    held_on = models.DateField(_("活动日期"))
    topic = models.CharField(_("主题"), max_length=150)
    attendance = models.PositiveIntegerField(_("出席人数"))
    attendees = models.TextField(_("出席人员"), blank=True, help_text=_("姓名，用逗号或顿号分隔"))
    summary = models.TextField(_("活动内容"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("党组织活动")
        verbose_name_plural = _("党组织活动")
        indexes = [models.Index(fields=["region", "held_on"], name="party_activity_region_idx")]
        constraints = [
            models.CheckConstraint(
                name="party_activity_someone_attended",
                condition=Q(attendance__gte=1),
                violation_error_message=_("出席人数至少为1。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"

    def clean(self) -> None:
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": [_("活动日期不能晚于今天（请在活动结束后记录）。")]})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}
