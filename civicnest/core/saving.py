"""How a service saves a row: validated (`full_clean`, which checks the constraints too), audited as the actor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model

from civicnest.core.audit import acting_as

M = TypeVar("M", bound=Model)


def save_new(actor: AbstractBaseUser | None, obj: M) -> M:
    """Insert a new row (never an update of an existing one)."""
    obj.full_clean()
    with acting_as(actor):
        obj.save(force_insert=True)
    return obj


def save_changes(actor: AbstractBaseUser | None, obj: M, fields: Sequence[str]) -> M:
    """Validate and write only `fields` (and the update stamp), so concurrent edits of other fields survive."""
    obj.full_clean()
    names = [*fields, "updated_at"] if hasattr(obj, "updated_at") else list(fields)
    with acting_as(actor):
        obj.save(update_fields=names)
    return obj
