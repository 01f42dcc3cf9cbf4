"""The OpenAPI schema class: documents the paging and the `{message, extra}` errors of config/api.py.

schemathesis (civicnest/core/tests/test_api_fuzz.py) checks every response against the result. Kept out of
config/api.py because drf-spectacular imports DRF's generics, which import the paging class from there.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from config.api import StandardPagination

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "message": serializers.CharField(help_text="给用户看的中文说明"),
        "extra": serializers.DictField(
            help_text="补充信息；校验错误时为 {fields: {字段: [原因…]}}",
        ),
    },
)

# What the exception handler above can answer on any operation besides its documented success.
ERROR_RESPONSES: dict[str, str] = {
    "400": "提交的数据有误或不符合业务规则（message 说明原因，extra.fields 逐字段列出）",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作",
    "404": "对象不存在，或不在您的辖区内",
    "429": "请求过于频繁",
}
UNPAGINATED = object()


class AutoSchema(SpectacularAutoSchema):
    """The project's schema conventions, so the document matches what the API really sends.

    * Every list endpoint written as a plain APIView pages with `StandardPagination`
      (`{count, next, previous, results}`); a view that returns a bare array sets `pagination_class = None`.
    * Every operation may answer with the `{message, extra}` errors of `exception_handler`.
    """

    def _get_paginator(self) -> Any:
        pagination_class: Any = getattr(self.view, "pagination_class", UNPAGINATED)
        if pagination_class is UNPAGINATED:
            pagination_class = StandardPagination if self.method == "GET" else None
        return pagination_class() if pagination_class else None

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        if isinstance(field, serializers.TimeField):
            # OpenAPI's "time" is RFC 3339 full-time and needs an offset; the API sends local wall-clock
            # times (Asia/Shanghai), e.g. a room's opening hours "08:30:00".
            return {
                "type": "string",
                "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
                "example": "08:30:00",
                "description": "当地时间（Asia/Shanghai），不带时区",
            }
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses
