"""Compliance: breach acknowledgements (整改), the yearly compliance parameters and the network's targets."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.core.exceptions import ApplicationError
from civicnest.core.saving import save_changes, save_new
from civicnest.evaluation import compliance, permissions, selectors
from civicnest.evaluation.models import BreachAcknowledgement, ComplianceParameters, NetworkTarget
from civicnest.network.models import Center
from civicnest.regions.models import Region

PARAMETER_FIELDS = (
    "min_premises_area",
    "served_per_staff",
    "social_worker_share",
    "city_average_wage",
)


@transaction.atomic
def breach_acknowledge(
    *, actor: User, center: Center, rule: str, plan: str, due_on: datetime.date
) -> BreachAcknowledgement:
    if not permissions.can_acknowledge_breach(actor, center):
        raise PermissionDenied(_("只有本中心或上级可以登记整改计划。"))
    if rule not in compliance.RULES_BY_CODE:
        raise ValidationError({"rule": [_("未知的规则。")]})
    errors: dict[str, list[str]] = {}
    if not plan.strip():
        errors["plan"] = [_("请填写整改计划。")]
    if due_on < timezone.localdate():
        errors["due_on"] = [_("整改期限不能早于今天。")]
    if errors:
        raise ValidationError(errors)
    report = selectors.compliance_report(user=actor, center_ids=[center.pk], rule=rule)
    if not report.breaches:
        raise ApplicationError(_("该中心目前符合这条规则，无需整改。"))
    BreachAcknowledgement.objects.filter(center=center, rule=rule, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    return save_new(
        actor,
        BreachAcknowledgement(
            center=center,
            region_id=center.region_id,
            rule=rule,
            plan=plan.strip(),
            due_on=due_on,
            acknowledged_by=actor,
        ),
    )


@transaction.atomic
def parameters_set(*, actor: User, data: dict[str, Any]) -> ComplianceParameters:
    if not permissions.can_set_parameters(actor):
        raise PermissionDenied(_("只有市民政局可以设置合规参数。"))
    row = selectors.parameters_row(year=data["year"]) or ComplianceParameters(year=data["year"])
    for key in PARAMETER_FIELDS:
        if key in data:
            setattr(row, key, data[key])
    row.updated_by = actor
    if row.pk is None:
        return save_new(actor, row)
    return save_changes(actor, row, [*PARAMETER_FIELDS, "updated_by"])


@transaction.atomic
def target_set(*, actor: User, region: Region, data: dict[str, Any]) -> NetworkTarget:
    if not permissions.can_set_targets(actor, region.code):
        raise PermissionDenied(_("只有本辖区的民政局可以设置建设目标。"))
    target = selectors.target_row(
        region=region, year=data["year"], metric=data["metric"]
    ) or NetworkTarget(region=region, year=data["year"], metric=data["metric"])
    target.target_percent = data["target_percent"]
    target.note = data.get("note", "")
    if target.pk is None:
        return save_new(actor, target)
    return save_changes(actor, target, ["target_percent", "note"])
