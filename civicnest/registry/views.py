from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.masking import mask_phone
from civicnest.core.paging import CappedPaginator
from civicnest.core.views import serve_stored_file
from civicnest.regions.caching import cached_fragment
from civicnest.regions.scoping import Scope
from civicnest.registry import excel, imports, permissions, selectors, services
from civicnest.registry.forms import (
    AnnualReportForm,
    AnnualReportReviewForm,
    ArchiveUploadForm,
    ConsultingForm,
    CreditForm,
    GuidanceForm,
    ImportForm,
    OrganizationFilterForm,
    OrganizationForm,
    TeamFilterForm,
    TeamForm,
    TeamReviewForm,
)
from civicnest.registry.models import ActivityTeam, FilingStatus, SocialOrganization
from civicnest.registry.workflows import TEAM_FILING

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _require_registry_user(request: HttpRequest) -> Scope:
    scope = Scope.for_user(request.user)
    if not (scope.is_staff_member or scope.has_role(Role.ORG_REP)):
        raise PermissionDenied(_("只有民政局、中心工作人员和社会组织可以使用社会组织名录。"))
    return scope


def filter_form(request: HttpRequest, template: str, form: Any) -> str:
    """The list's filter form, rendered once per query string (Django renders every widget through a template:
    a few select boxes cost more than the cached table below them)."""
    return cached_fragment(
        name=template,
        request=request,
        models=[],
        render=lambda: render_to_string(template, {"form": form}),
        shared=True,
    )


# -- organizations --------------------------------------------------------------------------------
@login_required
def organization_list_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = _require_registry_user(request)
    form = OrganizationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    orgs = selectors.organization_list(user=request.user, filters=filters)
    if request.GET.get("export") == "xlsx":
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return _xlsx_response(
            excel.organization_export(actor=request.user, queryset=orgs),
            f"organizations-{stamp}.xlsx",
        )

    def table() -> str:
        page = CappedPaginator(orgs, 30).get_page(request.GET.get("page"))
        for org in page:
            visible = permissions.can_see_contacts(request.user, org)
            org.phone_display = org.contact_phone if visible else mask_phone(org.contact_phone)
        return render_to_string(
            "registry/_organization_table.html",
            {"page_obj": page, "is_staff_member": scope.is_staff_member, "request": request},
        )

    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/organization_list.html",
        {
            "filter_form": filter_form(request, "registry/_organization_filter.html", form),
            "table": cached_fragment(
                name="orgs",
                request=request,
                models=[SocialOrganization],
                render=table,
                shared=True,
            ),
            "is_staff_member": scope.is_staff_member,
            "query": query.urlencode(),
        },
    )


@login_required
def organization_create_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = _require_registry_user(request)
    if not scope.is_staff_member:
        raise PermissionDenied(_("只有民政局和中心工作人员可以登记社会组织。"))
    form = OrganizationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记：%(name)s") % {"name": org.name})
            return redirect(org)
    return render(request, "registry/organization_form.html", {"form": form, "org": None})


@login_required
def organization_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_registry_user(request)
    org = selectors.access_organization_by_id(request.user, pk)
    show_contacts = permissions.can_see_contacts(request.user, org)
    return render(
        request,
        "registry/organization_detail.html",
        {
            "org": org,
            "phone": org.contact_phone if show_contacts else mask_phone(org.contact_phone),
            "can_edit": permissions.can_edit_org_profile(request.user, org),
            "can_manage": permissions.can_manage_org(request.user, org),
            "can_report": permissions.can_submit_annual_report(request.user, org),
            "is_bureau": Scope.for_user(request.user).covers(
                org.region_id, roles=[Role.BUREAU_OFFICER]
            ),
            "reports": org.annual_reports.select_related("submitted_by").all(),
            "credit_records": org.credit_records.select_related("recorded_by").all(),
            "consulting": org.consulting_sessions.select_related("staff").all(),
            "archives": selectors.archive_list(user=request.user, organization=org),
            "credit_form": CreditForm(),
            "consulting_form": ConsultingForm(),
            "archive_form": ArchiveUploadForm(),
        },
    )


@login_required
def organization_edit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_registry_user(request)
    org = selectors.access_organization_by_id(request.user, pk, for_write=True)
    self_service = not permissions.can_manage_org(request.user, org)
    form = OrganizationForm(
        request.POST or None, instance=org, user=request.user, self_service=self_service
    )
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_update(
                actor=request.user,
                organization=selectors.access_organization_by_id(request.user, pk),
                data=form.cleaned_data,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(org)
    return render(request, "registry/organization_form.html", {"form": form, "org": org})


def _post_action(
    request: HttpRequest, org_pk: int, form_class: Any, action: Any, success: str
) -> HttpResponse:
    """Shared shape of the small forms on the organization page: validate, call the service, report."""
    org = selectors.access_organization_by_id(request.user, org_pk)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        return redirect(org)
    try:
        action(org, form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(org)


@login_required
@require_POST
def credit_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        CreditForm,
        lambda org, data: services.credit_record_add(actor=request.user, organization=org, **data),
        _("已记录信用信息。"),
    )


@login_required
@require_POST
def consulting_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        ConsultingForm,
        lambda org, data: services.consulting_add(actor=request.user, organization=org, **data),
        _("已记录年检咨询。"),
    )


@login_required
@require_POST
def archive_upload_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        ArchiveUploadForm,
        lambda org, data: services.archive_upload(
            actor=request.user,
            organization=org,
            doc_type=data["doc_type"],
            title=data["title"],
            upload=data["file"],
        ),
        _("已上传档案。"),
    )


@login_required
def archive_download_view(request: AuthenticatedRequest, pk: int) -> FileResponse:
    doc = selectors.access_archive_by_id(request.user, pk)
    return serve_stored_file(doc.file, filename=doc.original_name)


# -- annual reports -------------------------------------------------------------------------------
@login_required
def annual_report_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_registry_user(request)
    org = selectors.access_organization_by_id(request.user, pk)
    if not permissions.can_submit_annual_report(request.user, org):
        raise PermissionDenied(_("您无权为该组织提交年报。"))
    form = AnnualReportForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST" and form.is_valid():
        try:
            services.annual_report_submit(
                actor=request.user, organization=org, data=form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("年报已提交。"))
            return redirect(org)
    return render(request, "registry/annual_report_form.html", {"form": form, "org": org})


@login_required
def annual_report_list_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = _require_registry_user(request)
    year = request.GET.get("year", "")
    year_value = int(year) if year.isdigit() else timezone.localdate().year - 1
    reports = selectors.annual_report_list(user=request.user, filters={"year": year_value})
    overdue = selectors.overdue_organizations(user=request.user, year=year_value)
    if not scope.is_staff_member:
        overdue = overdue.none()
    return render(
        request,
        "registry/annual_report_list.html",
        {
            "page_obj": CappedPaginator(reports, 30).get_page(request.GET.get("page")),
            "overdue": overdue[:200],
            "overdue_count": overdue.count(),
            "year": year_value,
            "due": selectors.report_due_date(year_value),
        },
    )


@login_required
def annual_report_review_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_registry_user(request)
    report = selectors.access_annual_report_by_id(request.user, pk)
    form = AnnualReportReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.annual_report_review(actor=request.user, report=report, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已记录检查结论。"))
            return redirect(report.organization)
    return render(
        request,
        "registry/annual_report_review.html",
        {
            "form": form,
            "report": report,
            "can_review": permissions.can_manage_org(request.user, report.organization),
        },
    )


# -- import ---------------------------------------------------------------------------------------
@login_required
def organization_import_view(request: AuthenticatedRequest) -> HttpResponse:
    """Upload a sheet: it is checked at once for its form and queued; the job page shows the rest."""
    scope = _require_registry_user(request)
    if not scope.is_staff_member:
        raise PermissionDenied(_("只有民政局和中心工作人员可以导入社会组织。"))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.import_start(
                actor=request.user,
                content=upload.read(),
                file_name=upload.name or "",
                mode=form.cleaned_data["mode"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(job)
    jobs = selectors.import_jobs_of(request.user)[:10]
    return render(request, "registry/organization_import.html", {"form": form, "jobs": jobs})


@login_required
def import_job_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One upload's progress (the page refreshes itself while the worker is busy) and report."""
    job = selectors.access_import_job(request.user, pk)
    template = "registry/_import_job_card.html" if request.htmx else "registry/import_job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


@login_required
def import_errors_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = selectors.access_import_job(request.user, pk)
    if not job.error_rows:
        raise Http404
    return _xlsx_response(imports.import_error_sheet(job), f"import-{job.pk}-errors.xlsx")


@login_required
def import_template_view(request: AuthenticatedRequest) -> HttpResponse:
    _require_registry_user(request)
    return _xlsx_response(excel.import_template(), "organization-import-template.xlsx")


# -- activity teams -------------------------------------------------------------------------------
@login_required
def team_list_view(request: AuthenticatedRequest) -> HttpResponse:
    form = TeamFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}

    def table() -> str:
        teams = selectors.team_list(user=request.user, filters=filters)
        page = CappedPaginator(teams, 30).get_page(request.GET.get("page"))
        return render_to_string("registry/_team_table.html", {"page_obj": page, "request": request})

    return render(
        request,
        "registry/team_list.html",
        {
            "filter_form": filter_form(request, "registry/_team_filter.html", form),
            "table": cached_fragment(
                name="teams",
                request=request,
                models=[ActivityTeam],
                render=table,
                shared=True,
            ),
        },
    )


@login_required
def team_create_view(request: AuthenticatedRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_submit(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("备案申请已提交，等待街道/社区中心审核。"))
            return redirect(team)
    return render(request, "registry/team_form.html", {"form": form, "team": None})


@login_required
def team_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = selectors.access_team_by_id(request.user, pk)
    actions = TEAM_FILING.names(team, request.user)
    can_review = permissions.can_review_team(request.user, team)
    show_phone = can_review or team.submitted_by_id == request.user.pk
    return render(
        request,
        "registry/team_detail.html",
        {
            "team": team,
            "phone": team.contact_phone if show_phone else mask_phone(team.contact_phone),
            "can_review": can_review,
            "can_resubmit": "resubmit" in actions,
            "actions": actions,
            "review_form": TeamReviewForm(),
            "guidance_form": GuidanceForm(),
            "guidance": team.guidance.select_related("staff").all(),
            "this_year": timezone.localdate().year,
        },
    )


@login_required
def team_edit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = selectors.access_team_by_id(request.user, pk)
    if not (
        team.status == FilingStatus.RETURNED and permissions.can_resubmit_team(request.user, team)
    ):
        raise PermissionDenied(_("只有被退回的备案可以修改。"))
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(
                actor=request.user,
                team=selectors.access_team_by_id(request.user, pk),
                data=form.cleaned_data,
            )
            services.team_transition(actor=request.user, team=team, to=FilingStatus.SUBMITTED)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已修改并重新提交。"))
            return redirect(team)
    return render(request, "registry/team_form.html", {"form": form, "team": team})


@login_required
@require_POST
def team_transition_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = selectors.access_team_by_id(request.user, pk)
    to = request.POST.get("to", "")
    if to not in FilingStatus.values:
        raise PermissionDenied(_("无效的操作。"))
    try:
        services.team_transition(
            actor=request.user, team=team, to=to, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已更新备案状态。"))
    return redirect(team)


@login_required
@require_POST
def team_confirm_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = selectors.access_team_by_id(request.user, pk)
    try:
        services.team_confirm_year(actor=request.user, team=team, year=timezone.localdate().year)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已完成年度确认。"))
    return redirect(team)


@login_required
@require_POST
def team_guidance_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = selectors.access_team_by_id(request.user, pk)
    form = GuidanceForm(request.POST)
    if form.is_valid():
        try:
            services.guidance_add(actor=request.user, team=team, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已记录登记指导。"))
    else:
        messages.error(request, _("请填写完整的指导信息。"))
    return redirect(team)
