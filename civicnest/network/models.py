from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicnest.accounts.models import mobile_validator
from civicnest.core.models import TimeStampedModel


class CenterLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道级")
    COMMUNITY = "community", _("社区级")


LEVEL_ORDER = [CenterLevel.CITY, CenterLevel.DISTRICT, CenterLevel.STREET, CenterLevel.COMMUNITY]


class CenterType(models.TextChoices):
    SERVICE_CENTER = "service_center", _("社会组织服务中心")
    INCUBATION_BASE = "incubation_base", _("社会组织孵化基地")
    PROMOTION_ASSOCIATION = "promotion_association", _("社会组织促进会")
    DEVELOPMENT_FOUNDATION = "development_foundation", _("社会组织发展基金会")
    NEIGHBORHOOD_STATION = "neighborhood_station", _("邻坊中心指导站")
    NEIGHBORHOOD_CENTER = "neighborhood_center", _("邻坊中心")
    STREET_PROMOTION_CENTER = "street_promotion_center", _("街道社会组织促进中心")
    COMMUNITY_SERVICE_CENTER = "community_service_center", _("社区社会组织服务中心")
    FEDERATION = "federation", _("社会组织服务中心联合会")
    OTHER = "other", _("其他")


class CenterStatus(models.TextChoices):
    PREPARING = "preparing", _("筹建中")
    ACTIVE = "active", _("运营中")
    SUSPENDED = "suspended", _("暂停服务")
    CLOSED = "closed", _("已撤销")


class OperationMode(models.TextChoices):
    GOVERNMENT = "government", _("政府主办")
    COMMISSIONED = "commissioned", _("委托社会组织运营")
    JOINT = "joint", _("政社合作")


class Center(TimeStampedModel):
    """A platform (孵化平台 / 社会组织服务中心) on one level of the network."""

    name = models.CharField(_("中心名称"), max_length=120)
    center_type = models.CharField(_("类型"), max_length=40, choices=CenterType.choices)
    level = models.CharField(_("层级"), max_length=16, choices=CenterLevel.choices)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="centers",
        verbose_name=_("所在区划"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级中心"),
    )
    operation_mode = models.CharField(
        _("运营方式"),
        max_length=20,
        choices=OperationMode.choices,
        default=OperationMode.GOVERNMENT,
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    premises_area = models.DecimalField(
        _("场地面积（平方米）"),
        max_digits=9,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("联系电话"), max_length=11, blank=True, validators=[mobile_validator]
    )
    email = models.EmailField(_("电子邮箱"), blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    opening_date = models.DateField(_("启用日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=CenterStatus.choices, default=CenterStatus.ACTIVE
    )
    description = models.TextField(_("简介与服务"), blank=True)
    # Facts the compliance rules read (S 三(二)(三)(四), W 四(二)); kept by the center's staff.
    premises_independent = models.BooleanField(_("场地固定且独立"), default=True)
    has_party_org = models.BooleanField(_("已建立党组织"), default=False)
    has_board = models.BooleanField(_("设有理事会"), default=False)
    has_supervisor = models.BooleanField(_("设有监事（会）"), default=False)
    has_financial_rules = models.BooleanField(_("财务管理制度已建立"), default=False)
    has_personnel_rules = models.BooleanField(_("人事管理制度已建立"), default=False)
    has_procedure_rules = models.BooleanField(_("议事规则已建立"), default=False)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("中心（平台）")
        verbose_name_plural = _("中心（平台）")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="center_unique_name_in_region"),
            models.CheckConstraint(
                name="center_premises_area_not_negative",
                condition=models.Q(premises_area__gte=0),
                violation_error_message=_("场地面积不能为负数。"),
            ),
            models.CheckConstraint(
                name="center_not_own_parent",
                condition=~models.Q(parent=models.F("pk")),
                violation_error_message=_("中心不能以自身为上级中心。"),
            ),
        ]
        indexes = [models.Index(fields=["level", "region"], name="center_level_region_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:center-detail", kwargs={"pk": self.pk})

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}


class StaffPosition(models.TextChoices):
    DIRECTOR = "director", _("主任")
    DEPUTY = "deputy", _("副主任")
    PROJECT_LEAD = "project_lead", _("项目主管")
    SOCIAL_WORKER = "social_worker", _("社工")
    ADMIN = "admin", _("行政")
    FINANCE = "finance", _("财务")
    OTHER = "other", _("其他")


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")


class SocialWorkerLevel(models.TextChoices):
    NONE = "", _("无")
    ASSISTANT = "assistant", _("助理社会工作师")
    INTERMEDIATE = "intermediate", _("社会工作师")
    SENIOR = "senior", _("高级社会工作师")


class CenterStaff(TimeStampedModel):
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="staff", verbose_name=_("中心")
    )
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("岗位"), max_length=20, choices=StaffPosition.choices)
    employment = models.CharField(_("用工形式"), max_length=16, choices=Employment.choices)
    social_worker_level = models.CharField(
        _("社工职业资格"), max_length=16, choices=SocialWorkerLevel.choices, blank=True, default=""
    )
    is_party_member = models.BooleanField(_("中共党员"), default=False)
    phone = models.CharField(
        _("手机号码"), max_length=11, blank=True, validators=[mobile_validator]
    )
    joined_on = models.DateField(_("入职日期"), null=True, blank=True)
    annual_pay = models.DecimalField(
        _("上年度收入（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        ordering = ["center_id", "position", "name"]
        verbose_name = _("中心工作人员")
        verbose_name_plural = _("中心工作人员")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.center.region_id}
