from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicnest.core.models import TimeStampedModel


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")


# Length of the stored code at each level. Province and city codes are stored without the
# trailing zeros of their 6-digit GB/T 2260 form, so that every code is a prefix of its children's.
CODE_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.DISTRICT: 6,
    RegionLevel.STREET: 9,
    RegionLevel.COMMUNITY: 12,
}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class Region(TimeStampedModel):
    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级区划"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        indexes = [models.Index(fields=["level", "code"], name="region_level_code_idx")]
        constraints = [
            models.CheckConstraint(
                name="region_code_length_matches_level",
                condition=(
                    models.Q(level="province", code__regex=r"^[0-9]{2}$")
                    | models.Q(level="city", code__regex=r"^[0-9]{4}$")
                    | models.Q(level="district", code__regex=r"^[0-9]{6}$")
                    | models.Q(level="street", code__regex=r"^[0-9]{9}$")
                    | models.Q(level="community", code__regex=r"^[0-9]{12}$")
                ),
                violation_error_message=_("区划代码的位数与层级不符。"),
            ),
            models.CheckConstraint(
                name="region_code_starts_with_parent",
                condition=models.Q(parent__isnull=True)
                | models.Q(code__startswith=models.F("parent")),
                violation_error_message=_("区划代码必须以上级区划代码开头。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.code}

    @property
    def gb_code(self) -> str:
        """The official 6/9/12-digit form (GB/T 2260 pads province and city codes with zeros)."""
        return self.code.ljust(6, "0") if len(self.code) < 6 else self.code
