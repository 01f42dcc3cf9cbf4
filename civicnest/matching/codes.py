"""The fixed code lists of the matching API (other tools rely on them: never rename a code)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicnest.registry.models import (
    Category,
)  # service categories are the registry's fields of service

__all__ = ["Beneficiary", "Category", "CostModel", "Urgency"]


class Beneficiary(models.TextChoices):
    ELDERLY = "elderly", _("老年人")
    CHILDREN = "children", _("儿童")
    DISABLED = "disabled", _("残疾人")
    NEEDY_FAMILIES = "needy_families", _("困境家庭")
    YOUTH = "youth", _("青少年")
    MIGRANT_WORKERS = "migrant_workers", _("外来务工人员")
    ALL_RESIDENTS = "all_residents", _("全体居民")
    WOMEN = "women", _("妇女")


class CostModel(models.TextChoices):
    FREE = "free", _("免费")
    LOW_COST = "low_cost", _("低偿")
    GOVERNMENT = "government", _("政府购买")
    PAID = "paid", _("收费")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("较急")
    CRITICAL = "critical", _("紧急")
