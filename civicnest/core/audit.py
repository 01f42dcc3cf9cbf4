"""Audit trail: django-auditlog records every create/update/delete of registered models.

Each registered model provides `get_additional_data()` returning {"region": <code>} so that the audit
search can be scoped by jurisdiction like everything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from auditlog.context import set_actor
from auditlog.registry import auditlog
from django.db.models import Model


def register_audited(model: type[Model], **options: Any) -> None:
    if not auditlog.contains(model):
        auditlog.register(model, **options)


@contextmanager
def acting_as(actor: Any) -> Iterator[None]:
    """Attribute audit entries written inside the block to `actor` (services run outside requests too)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        yield
        return
    with set_actor(actor):
        yield
