"""What a locked-out client sees (django-axes AXES_LOCKOUT_CALLABLE): the lock-out page, or JSON on the API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        # The token endpoint shares the login lock-out; API clients get the API's error shape.
        return JsonResponse(
            {
                "message": _("登录失败次数过多，账户已暂时锁定，请 %(m)d 分钟后再试。")
                % {"m": minutes},
                "extra": {"cooloff_minutes": minutes},
            },
            status=429,
        )
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
