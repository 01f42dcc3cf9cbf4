from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ rates|get_item:indicator.pk }}`: a dict lookup by a variable key."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def indent(depth: int) -> str:
    return f"{depth * 1.25:.2f}rem"
