from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.forms import apply_service_errors
from civicnest.core.periods import Period, PeriodError, PeriodKind
from civicnest.core.views import serve_stored_file
from civicnest.regions.figures import METRICS
from civicnest.regions.scoping import Scope
from civicnest.stats import selectors, services
from civicnest.stats.forms import ReportRequestForm


def period_from(request: HttpRequest) -> tuple[Period, str]:
    """The requested period, or this year with a Chinese message when the value is malformed."""
    raw = request.GET.get("period", "").strip()
    if not raw:
        return Period.current(PeriodKind.YEAR), ""
    try:
        return Period.parse(raw), ""
    except PeriodError as exc:
        return Period.current(PeriodKind.YEAR), str(exc)


@login_required
def stats_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    period, period_error = period_from(request)
    map_metric = request.GET.get("metric", "org_total")
    if map_metric not in METRICS:
        map_metric = "org_total"
    board = selectors.dashboard(
        user=request.user, code=request.GET.get("region"), period=period, map_metric=map_metric
    )
    geojson = f"civicnest/geo/{board.region.code}.json"
    return render(
        request,
        "stats/dashboard.html",
        {
            "board": board,
            "period_error": period_error,
            "map_metric": map_metric,
            "map_label": METRICS[map_metric].label,
            "metric_choices": [(key, str(m.label)) for key, m in METRICS.items()],
            "headline_labels": [METRICS[k].label for k in board.headline],
            "chart_data": {
                "breakdowns": [
                    {"id": key, "title": label, "items": [[a, n] for a, n in counts]}
                    for s in board.sections
                    for key, label, counts in s.breakdowns
                ],
                "map": {
                    "label": str(METRICS[map_metric].label),
                    "geojson": static(geojson) if finders.find(geojson) else "",
                    "items": [
                        {
                            "code": r.region.code,
                            "name": r.region.name,
                            "value": float(r.values.get(map_metric, 0)),
                        }
                        for r in board.children
                    ],
                },
            },
            "period_kinds": [
                (Period.current(PeriodKind.YEAR), Period.current(PeriodKind.YEAR).previous()),
                (Period.current(PeriodKind.QUARTER), Period.current(PeriodKind.QUARTER).previous()),
                (Period.current(PeriodKind.MONTH), Period.current(PeriodKind.MONTH).previous()),
            ],
        },
    )


@login_required
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("情况专报仅向管理部门和中心工作人员开放。"))
    initial = {
        "region": request.GET.get("region") or scope.home_region_code or "",
        "period_key": Period.current(PeriodKind.MONTH).previous().key,
    }
    form = ReportRequestForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_request(
                actor=request.user,
                region=form.cleaned_data["region"],
                period_key=form.cleaned_data["period_key"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已提交生成，完成后可在下方下载。"))
            return redirect("stats:report-list")
    page = Paginator(selectors.reports_visible_to(request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "stats/report_list.html", {"form": form, "page_obj": page})


@login_required
def report_row(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One row of the list, polled by htmx while the report is being generated."""
    report = selectors.access_report_by_id(request.user, pk)
    return render(request, "stats/_report_row.html", {"r": report})


@login_required
@require_POST
def report_retry(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = selectors.access_report_by_id(request.user, pk)
    try:
        services.report_retry(actor=request.user, report=report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("stats:report-list")


@login_required
def report_download(request: AuthenticatedRequest, pk: int, kind: str) -> FileResponse:
    report = selectors.access_report_by_id(request.user, pk)
    field = report.pdf if kind == "pdf" else report.xlsx
    if not field:
        raise Http404(_("专报尚未生成完成。"))
    return serve_stored_file(field, filename=f"{report.region_id}-{report.period_key}.{kind}")
