"""Reads of the shell: the audit search over the scope's regions."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db.models import CharField, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from civicnest.accounts.roles import Role
from civicnest.regions.scoping import Scope


def audit_entry_list(
    *, scope: Scope, q: str = "", model: str = "", action: str = "", actor: str = ""
) -> QuerySet[LogEntry]:
    """Audit entries of objects inside the scope's regions (each entry carries its object's region code)."""
    entries = scope.filter(
        LogEntry.objects.select_related("actor", "content_type").annotate(
            region_code=Cast(KeyTextTransform("region", "additional_data"), CharField())
        ),
        "region_code",
        roles=[Role.BUREAU_OFFICER],
    )
    if q:
        entries = entries.filter(Q(object_repr__icontains=q) | Q(object_pk=q))
    if model:
        entries = entries.filter(content_type__model=model)
    if action != "":
        entries = entries.filter(action=int(action))
    if actor:
        entries = entries.filter(actor__username__icontains=actor)
    return entries.order_by("-timestamp", "-id")
