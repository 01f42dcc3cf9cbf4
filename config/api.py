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
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from civicnest.core.exceptions import ApplicationError


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
