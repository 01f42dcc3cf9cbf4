from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU_OFFICER = "bureau_officer", _("民政局工作人员")
    CENTER_STAFF = "center_staff", _("中心工作人员")
    ORG_REP = "org_rep", _("社会组织负责人")
    FUNDER = "funder", _("资助方")
    EXPERT = "expert", _("评审专家")
    RESIDENT = "resident", _("居民")
    VOLUNTEER = "volunteer", _("志愿者/社工")


# Roles whose grant lets them see everything inside their region subtree.
STAFF_ROLES: frozenset[str] = frozenset({Role.BUREAU_OFFICER, Role.CENTER_STAFF})
