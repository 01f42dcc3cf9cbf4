from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def stats_cells(row: Any, keys: tuple[str, ...]) -> list[Any]:
    return row.cells(keys)
