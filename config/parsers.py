"""The JSON parser of every API: a nesting limit.

Its own module, importing nothing of DRF's views: `rest_framework.views` reads DEFAULT_PARSER_CLASSES while it is
imported, so a parser in config/api.py (which imports the views) fails whenever config/api.py is loaded first."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32  # our deepest request body nests 3 levels


def _too_deep(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:  # iterative: a recursive walk would overflow on the very input it guards against
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    """JSON bodies with a nesting limit: 5,000 nested arrays made every API write fail with RecursionError."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(_("JSON 嵌套层级过深。")) from exc
        if _too_deep(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(
                _("JSON 嵌套层级过深（最多 %(n)d 层）。") % {"n": MAX_JSON_DEPTH}
            )
        return data
