"""Indicator templates: created with their tree, edited in place while unused, versioned once used."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError
from civicnest.core.saving import save_new
from civicnest.evaluation import permissions
from civicnest.evaluation.models import Indicator, IndicatorTemplate
from civicnest.evaluation.selectors import template_in_use

INDICATOR_FIELDS = ("code", "name", "weight", "guidance", "source", "position")


def _editable(actor: User, template: IndicatorTemplate) -> tuple[IndicatorTemplate, dict[int, int]]:
    """The template itself while unused; once used, a new current version (a copy) and the id mapping."""
    if not permissions.can_edit_templates(actor):
        raise PermissionDenied(_("只有市民政局可以修改指标模板。"))
    locked = IndicatorTemplate.objects.select_for_update().get(pk=template.pk)
    if not locked.is_current:
        raise ApplicationError(_("这是历史版本，请在当前版本上修改。"))
    indicators = list(locked.indicators.order_by("pk"))
    if not template_in_use(locked):
        return locked, {i.pk: i.pk for i in indicators}
    next_version = (
        IndicatorTemplate.objects.filter(family=locked.family).aggregate(v=Max("version"))["v"] + 1
    )
    locked.is_current = False
    with acting_as(actor):
        locked.save(update_fields=["is_current", "updated_at"])
    copy = IndicatorTemplate(
        family=locked.family,
        version=next_version,
        name=locked.name,
        kind=locked.kind,
        org_type=locked.org_type,
        full_score=locked.full_score,
        note=locked.note,
        created_by=actor,
    )
    save_new(actor, copy)
    mapping: dict[int, int] = {}
    pending = indicators
    while pending:  # parents before children
        rest = []
        for old in pending:
            if old.parent_id is not None and old.parent_id not in mapping:
                rest.append(old)
                continue
            new = Indicator.objects.create(
                template=copy,
                parent_id=mapping.get(old.parent_id) if old.parent_id else None,
                code=old.code,
                name=old.name,
                weight=old.weight,
                guidance=old.guidance,
                source=old.source,
                position=old.position,
            )
            mapping[old.pk] = new.pk
        pending = rest
    return copy, mapping


@transaction.atomic
def indicator_update(*, actor: User, indicator: Indicator, data: dict[str, Any]) -> Indicator:
    template, mapping = _editable(actor, indicator.template)
    target = Indicator.objects.get(pk=mapping[indicator.pk])
    for key in INDICATOR_FIELDS:
        if key in data:
            setattr(target, key, data[key])
    target.full_clean()
    target.save()
    template.save(update_fields=["updated_at"])
    return target


@transaction.atomic
def indicator_add(
    *, actor: User, template: IndicatorTemplate, parent: Indicator | None, data: dict[str, Any]
) -> Indicator:
    editable, mapping = _editable(actor, template)
    if parent is not None and parent.template_id != template.pk:
        raise ValidationError({"parent": [_("上级指标不属于该模板。")]})
    new = Indicator(
        template=editable,
        parent_id=mapping[parent.pk] if parent is not None else None,
        **{k: data[k] for k in INDICATOR_FIELDS if k in data},
    )
    new.full_clean()
    new.save()
    return new


@transaction.atomic
def template_create(
    *, actor: User, data: dict[str, Any], tree: list[dict[str, Any]]
) -> IndicatorTemplate:
    """A new template family with its whole tree: [{code, name, weight, guidance, children: [...]}, ...]."""
    if not permissions.can_edit_templates(actor):
        raise PermissionDenied(_("只有市民政局可以创建指标模板。"))
    template = save_new(
        actor, IndicatorTemplate(created_by=actor, version=1, is_current=True, **data)
    )

    def add(nodes: list[dict[str, Any]], parent: Indicator | None) -> None:
        for position, node in enumerate(nodes):
            ind = Indicator(
                template=template,
                parent=parent,
                position=position,
                **{
                    k: node[k]
                    for k in ("code", "name", "weight", "guidance", "source")
                    if k in node
                },
            )
            ind.full_clean()
            ind.save()
            add(node.get("children", []), ind)

    add(tree, None)
    return template
