from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.core.selectors import notification_list, task_queue_stats
from civicnest.core.services import notification_mark_read

logger = logging.getLogger(__name__)


def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: 200 when the database answers, 503 when it does not.

    Also reports the task queue (django-tasks database backend): tasks waiting, the age of the oldest,
    tasks running for longer than TASK_STALE_MINUTES (a worker probably died) and failures in 24 hours.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        tasks = task_queue_stats()
    except DatabaseError:
        logger.exception("health check: database unavailable")
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "tasks": tasks})


def bench_floor(request: HttpRequest) -> HttpResponse:
    """The framework floor of the load test: no database, no template (routed only when BENCH_FLOOR)."""
    return HttpResponse(b"ok", content_type="text/plain")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else _("您没有访问此页面的权限。")
    return render(request, "403.html", {"message": message}, status=403)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):  # API clients get the API's error shape, not an HTML page
        return JsonResponse({"message": _("未找到该对象，或您无权访问。"), "extra": {}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"message": _("服务器内部错误，请稍后重试。"), "extra": {}}, status=500)
    return render(request, "500.html", status=500)


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the public portal (in both languages) and nothing behind the login."""
    lines = [
        "User-agent: *",
        "Allow: /portal/",
        "Allow: /en/portal/",
        "Disallow: /",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@login_required
def notification_inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page_obj": page})


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    raw_id = request.POST.get("id")
    notification_mark_read(
        user=request.user, notification_id=int(raw_id) if raw_id and raw_id.isdigit() else None
    )
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect("core:notifications")


def serve_stored_file(field: Any, *, filename: str | None = None) -> FileResponse:
    """Stream a stored upload; a file missing from storage is a 404 with a Chinese message, not a server error."""
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("文件不存在或已被移除。")) from exc
    if filename:
        return FileResponse(handle, as_attachment=True, filename=filename)
    return FileResponse(handle)
