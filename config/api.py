"""DRF defaults: one paging class and one exception handler producing `{message, extra}` in Chinese.

`config/api_schema.py` documents both in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from civicnest.core.exceptions import ApplicationError

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


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _django_validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for error in errors for m in error.messages]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"message": exc.message, "extra": exc.extra}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, OverflowError | DataError):
        # A number beyond what the database column holds (found by schemathesis: ?center=-2581294617095530086400
        # made SQLite raise OverflowError → 500). Bad input, not a server fault.
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("数值超出允许范围，请检查输入。")]}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到该对象，或您无权访问。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_("您没有执行此操作的权限。"))

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "message": _("提交的数据有误，请检查后重试。"),
            "extra": {"fields": response.data},
        }
    elif isinstance(exc, exceptions.APIException):
        detail = (
            response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        )
        response.data = {"message": str(detail), "extra": {}}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data["message"] = _("请求过于频繁，请稍后再试。")
    return response
