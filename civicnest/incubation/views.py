from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.accounts.selectors import active_user_by_username
from civicnest.core.actions import post_form_action
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.masking import mask_phone
from civicnest.core.pdf import pdf_response, render_pdf
from civicnest.incubation import forms as f
from civicnest.incubation import permissions, selectors, services
from civicnest.incubation.models import (
    REVIEW_CRITERIA,
    ApplicationStatus,
    ServiceType,
)
from civicnest.incubation.workflows import APPLICATION, DECISIONS
from civicnest.network.selectors import access_center_by_id
from civicnest.regions.scoping import Scope
from civicnest.registry.models import FilingStatus
from civicnest.registry.selectors import (
    organizations_visible_to,
    own_organizations,
    teams_visible_to,
)

S = ApplicationStatus


@login_required
def board_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    centers = list(selectors.board_centers(user=request.user)) if scope.is_staff_member else []
    center = None
    raw = request.GET.get("center", "")
    if raw.isdigit():
        center = access_center_by_id(request.user, int(raw))
    elif centers:
        center = centers[0]
    return render(
        request,
        "incubation/board.html",
        {
            "centers": centers,
            "center": center,
            "columns": selectors.pipeline_board(user=request.user, center=center) if center else [],
            "mine": selectors.application_list(user=request.user).filter(
                applicant_id=request.user.pk
            )
            if not scope.is_staff_member
            else [],
            "open_rounds": selectors.open_rounds(),
            "programs": selectors.center_programs(center=center) if center else [],
            "can_run": bool(center and permissions.can_run_center(request.user, center)),
            "follow_ups": selectors.due_follow_ups(user=request.user)
            if scope.is_staff_member
            else [],
        },
    )


@login_required
def program_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    center = access_center_by_id(request.user, pk)
    if not permissions.can_create_program(request.user, center):
        raise PermissionDenied(_("您无权为该中心设立孵化项目。"))
    form = f.ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.program_create(actor=request.user, center=center, data=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已设立孵化项目。"))
            return redirect(f"/incubation/?center={center.pk}")
    return render(
        request,
        "incubation/simple_form.html",
        {"form": form, "title": _("设立孵化项目"), "subtitle": center.name},
    )


@login_required
def round_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(
        selectors.programs_visible_to(request.user).select_related("center"), pk=pk
    )
    if not permissions.can_manage_program(request.user, program):
        raise PermissionDenied(_("您无权管理该孵化项目。"))
    form = f.RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(
                actor=request.user, program=program, data=form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已发布入驻批次。"))
            return redirect(round_)
    return render(
        request,
        "incubation/simple_form.html",
        {"form": form, "title": _("发布入驻批次"), "subtitle": program.name},
    )


@login_required
def round_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    round_ = selectors.access_round_by_id(request.user, pk)
    can_run = permissions.can_manage_program(request.user, round_.program)
    return render(
        request,
        "incubation/round_detail.html",
        {
            "round": round_,
            "taken": selectors.round_taken(round_),
            "applications": selectors.application_list(
                user=request.user, filters={"round": round_.pk}
            )
            if can_run
            else [],
            "can_run": can_run,
        },
    )


def _application_form(request: HttpRequest) -> f.ApplicationForm:
    scope = Scope.for_user(request.user)
    orgs = (
        organizations_visible_to(request.user)
        if scope.is_staff_member
        else own_organizations(user=request.user)
    )
    teams = teams_visible_to(request.user).filter(status=FilingStatus.FILED)
    if not scope.is_staff_member:
        teams = teams.filter(submitted_by_id=request.user.pk)
    return f.ApplicationForm(
        request.POST or None,
        organizations=orgs.order_by("name"),
        teams=teams.order_by("name"),
        initial={"contact_name": getattr(request.user, "full_name", "")},
    )


@login_required
def application_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    round_ = selectors.access_round_by_id(request.user, pk)
    form = _application_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_submit(
                actor=request.user, round_=round_, data=form.cleaned_data
            )
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("申请已提交，中心将进行资格审核。"))
            return redirect(application)
    return render(request, "incubation/application_form.html", {"form": form, "round": round_})


@login_required
def application_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    app = selectors.access_application_by_id(request.user, pk)
    can_manage = permissions.can_manage_application(request.user, app)
    center = app.round.program.center
    agreement = getattr(app, "agreement", None)
    return render(
        request,
        "incubation/application_detail.html",
        {
            "app": app,
            "phone": app.contact_phone
            if can_manage or permissions.is_applicant_side(request.user, app)
            else mask_phone(app.contact_phone),
            "can_manage": can_manage,
            "decisions": [
                t for t in APPLICATION.allowed_actions(app, request.user) if t.action in DECISIONS
            ],
            # why "决定入选" is missing when the rest of the decision is open (no review yet, round full)
            "admit_refusal": APPLICATION.refusal(app, "admit", request.user)
            if can_manage and app.status in APPLICATION.by_action["admit"].source
            else None,
            "can_review": permissions.can_review_application(request.user, app)
            and app.status in {S.ELIGIBLE, S.WAITLISTED}
            and not app.reviews.filter(reviewer_id=request.user.pk).exists(),
            "is_mentor": app.mentorships.filter(mentor_id=request.user.pk).exists(),
            "eligibility_notes": services.eligibility_notes(app) if can_manage else [],
            "reviews": app.reviews.select_related("reviewer"),
            "criteria": REVIEW_CRITERIA,
            "agreement": agreement,
            "tenancies": app.tenancies.select_related("desk"),
            "services": app.services.select_related("staff"),
            "hours": selectors.service_hours(application=app),
            "milestones": app.milestones.all(),
            "mentors": app.mentorships.select_related("mentor"),
            "progress": app.progress_reviews.select_related("reviewer"),
            "assessments": app.assessments.select_related("assessor"),
            "follow_ups": app.follow_ups.all(),
            "decision_form": f.DecisionForm(),
            "review_form": f.ReviewForm(),
            "agreement_form": f.AgreementForm(),
            "sign_form": f.SignForm(),
            "tenancy_form": f.TenancyForm(desks=selectors.center_desks(center_id=center.pk)),
            "move_out_form": f.MoveOutForm(),
            "service_form": f.ServiceForm(),
            "milestone_form": f.MilestoneForm(),
            "mentor_form": f.MentorForm(),
            "progress_form": f.ProgressForm(),
            "assessment_form": f.AssessmentForm(),
            "follow_up_form": f.FollowUpForm(),
            "S": S,
        },
    )


def _app_action(request: HttpRequest, pk: int, form: Any, call: Any, success: str) -> HttpResponse:
    app = selectors.access_application_by_id(request.user, pk)
    return post_form_action(
        request, form=form, call=lambda data: call(app, data), success=success, back_to=app
    )


@login_required
@require_POST
def decide_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    to = request.POST.get("to", "")
    if to not in S.values:
        raise PermissionDenied(_("无效的操作。"))
    return _app_action(
        request,
        pk,
        f.DecisionForm(request.POST),
        lambda app, d: services.application_decide(
            actor=request.user, application=app, to=to, reason=d["reason"]
        ),
        _("已更新申请状态。"),
    )


@login_required
@require_POST
def review_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    form = f.ReviewForm(request.POST)
    return _app_action(
        request,
        pk,
        form,
        lambda app, d: services.review_submit(
            actor=request.user, application=app, scores=form.scores(), comment=d["comment"]
        ),
        _("已提交评审评分。"),
    )


@login_required
@require_POST
def agreement_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _app_action(
        request,
        pk,
        f.AgreementForm(request.POST),
        lambda app, d: services.agreement_create(actor=request.user, application=app, data=d),
        _("已生成孵化协议，可下载 PDF 供双方签署。"),
    )


@login_required
@require_POST
def agreement_sign_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def sign(app: Any, d: dict[str, Any]) -> Any:
        if not hasattr(app, "agreement"):
            raise ApplicationError(_("请先生成孵化协议。"))
        return services.agreement_sign(
            actor=request.user, agreement=app.agreement, signed_on=d["signed_on"]
        )

    return _app_action(
        request, pk, f.SignForm(request.POST), sign, _("已登记协议签订，进入孵化期。")
    )


@login_required
def agreement_pdf_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    app = selectors.access_application_by_id(request.user, pk)
    agreement = getattr(app, "agreement", None)
    if agreement is None:
        raise PermissionDenied(_("尚未生成孵化协议。"))
    services_granted = [ServiceType(s).label for s in agreement.services_granted]
    content = render_pdf(
        "incubation/pdf/agreement.html",
        {"app": app, "agreement": agreement, "services_granted": services_granted},
    )
    return pdf_response(content, f"agreement-{agreement.number}.pdf")


@login_required
def certificate_pdf_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    app = selectors.access_application_by_id(request.user, pk)
    if app.status != S.GRADUATED:
        raise PermissionDenied(_("只有已出壳的对象有出壳证书。"))
    content = render_pdf(
        "incubation/pdf/certificate.html", {"app": app, "assessment": app.assessments.first()}
    )
    return pdf_response(content, f"graduation-certificate-{app.pk}.pdf")


@login_required
@require_POST
def tenancy_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    app = selectors.access_application_by_id(request.user, pk)
    form = f.TenancyForm(
        request.POST, desks=selectors.center_desks(center_id=app.round.program.center_id)
    )
    return post_form_action(
        request,
        form=form,
        back_to=app,
        success=_("已分配工位。"),
        call=lambda d: services.tenancy_allocate(
            actor=request.user,
            application=app,
            desk=d["desk"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
        ),
    )


@login_required
@require_POST
def tenancy_move_out_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tenancy = get_object_or_404(selectors.tenancies_visible_to(request.user), pk=pk)
    return post_form_action(
        request,
        form=f.MoveOutForm(request.POST),
        back_to=tenancy.application,
        success=_("已办理退驻。"),
        call=lambda d: services.tenancy_move_out(
            actor=request.user, tenancy=tenancy, moved_out_on=d["moved_out_on"]
        ),
    )


@login_required
@require_POST
def service_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _app_action(
        request,
        pk,
        f.ServiceForm(request.POST),
        lambda app, d: services.service_log(actor=request.user, application=app, data=d),
        _("已记录服务。"),
    )


@login_required
@require_POST
def milestone_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _app_action(
        request,
        pk,
        f.MilestoneForm(request.POST),
        lambda app, d: services.milestone_add(actor=request.user, application=app, data=d),
        _("已添加里程碑。"),
    )


@login_required
@require_POST
def milestone_achieve_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    milestone = selectors.access_milestone_by_id(request.user, pk)
    return post_form_action(
        request,
        form=f.MilestoneAchieveForm(request.POST),
        back_to=milestone.application,
        success=_("已标记达成。"),
        call=lambda d: services.milestone_achieve(
            actor=request.user, milestone=milestone, achieved_on=d["achieved_on"]
        ),
    )


@login_required
@require_POST
def mentor_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def assign(app: Any, d: dict[str, Any]) -> Any:
        mentor = active_user_by_username(d["mentor"].strip())
        if mentor is None:
            raise ValidationError({"mentor": [_("没有这个用户：%(u)s") % {"u": d["mentor"]}]})
        return services.mentor_assign(
            actor=request.user, application=app, mentor=mentor, since=d["since"], focus=d["focus"]
        )

    return _app_action(request, pk, f.MentorForm(request.POST), assign, _("已指派导师。"))


@login_required
@require_POST
def progress_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _app_action(
        request,
        pk,
        f.ProgressForm(request.POST),
        lambda app, d: services.progress_review_add(actor=request.user, application=app, data=d),
        _("已记录季度进展评估。"),
    )


@login_required
@require_POST
def assessment_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _app_action(
        request,
        pk,
        f.AssessmentForm(request.POST),
        lambda app, d: services.assessment_record(actor=request.user, application=app, data=d),
        _("已记录出壳评估。"),
    )


@login_required
@require_POST
def follow_up_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    follow_up = selectors.access_follow_up_by_id(request.user, pk)
    return post_form_action(
        request,
        form=f.FollowUpForm(request.POST),
        back_to=follow_up.application,
        success=_("已记录回访。"),
        call=lambda d: services.follow_up_record(
            actor=request.user, follow_up=follow_up, done_on=d["done_on"], note=d["note"]
        ),
    )


@login_required
def desk_list_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    center = access_center_by_id(request.user, pk)
    can_run = permissions.can_run_center(request.user, center)
    form = f.DeskForm(request.POST or None)
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied(_("您无权管理该中心的工位。"))
        if form.is_valid():
            try:
                services.desk_create(actor=request.user, center=center, data=form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已添加工位。"))
                return redirect(request.path)
    return render(
        request,
        "incubation/desks.html",
        {
            "center": center,
            "desks": selectors.desks_of(center=center),
            "form": form,
            "can_run": can_run,
        },
    )
