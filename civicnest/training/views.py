from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.masking import mask_id_number, mask_phone
from civicnest.core.pdf import pdf_response, render_pdf
from civicnest.core.views import serve_stored_file
from civicnest.core.xlsx import table_xlsx, xlsx_response
from civicnest.network.selectors import access_center_by_id, centers_visible_to
from civicnest.regions.scoping import Scope
from civicnest.registry.selectors import own_organizations
from civicnest.training import permissions, selectors, services
from civicnest.training.forms import (
    CourseForm,
    EventForm,
    EventReportForm,
    FeedbackForm,
    HourForm,
    PhotoForm,
    PlacementForm,
    SessionForm,
    VolunteerForm,
    default_session_times,
)
from civicnest.training.models import EnrolmentStatus, EventStatus, HourStatus
from civicnest.venues.selectors import center_rooms


def _xlsx(headers: list[str], rows: list[list[Any]], filename: str) -> HttpResponse:
    return xlsx_response(table_xlsx(headers, rows), filename)


@login_required
def home_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    now = timezone.now()
    return render(
        request,
        "training/home.html",
        {
            "courses": selectors.courses_visible_to(request.user)
            .select_related("center")
            .order_by("-created_at")[:50],
            "mine": selectors.enrolments_visible_to(request.user)
            .filter(person_id=request.user.pk)
            .exclude(status=EnrolmentStatus.CANCELLED)
            .select_related("session__course")
            .order_by("-session__starts_at")[:30],
            "events": selectors.events_visible_to(request.user)
            .filter(ends_at__gte=now)
            .select_related("center")
            .order_by("starts_at")[:20],
            "is_staff_member": scope.is_staff_member,
            "centers": list(scope.center_ids()),
        },
    )


@login_required
def course_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    center = access_center_by_id(request.user, pk)
    if not permissions.can_run_training(request.user, center):
        raise PermissionDenied(_("您无权为该中心开设课程。"))
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        course = services.course_create(actor=request.user, center=center, data=form.cleaned_data)
        messages.success(request, _("已开设课程，请添加场次。"))
        return redirect(course)
    return render(
        request,
        "training/simple_form.html",
        {"form": form, "title": _("开设培训课程"), "subtitle": center.name},
    )


@login_required
def course_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = selectors.access_course_by_id(request.user, pk)
    can_run = permissions.can_run_training(request.user, course.center)
    start, end = default_session_times()
    rooms = center_rooms(center_id=course.center_id)
    sessions = list(course.sessions.order_by("starts_at"))
    mine = {
        e.session_id: e
        for e in selectors.enrolments_visible_to(request.user).filter(
            person_id=request.user.pk, session__course=course
        )
    }
    for s in sessions:
        s.my_enrolment = mine.get(s.pk)  # type: ignore[attr-defined]
        s.taken = s.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()  # type: ignore[attr-defined]
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "sessions": sessions,
            "can_run": can_run,
            "session_form": SessionForm(rooms=rooms, initial={"starts_at": start, "ends_at": end}),
        },
    )


@login_required
@require_POST
def session_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = selectors.access_course_by_id(request.user, pk)
    form = SessionForm(
        request.POST, rooms=center_rooms(center_id=course.center_id, active_only=False)
    )
    return post_form_action(
        request,
        form=form,
        back_to=course,
        success=_("已添加场次。"),
        call=lambda d: services.session_create(actor=request.user, course=course, data=d),
    )


@login_required
def session_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    session = selectors.access_session_by_id(request.user, pk)
    can_run = permissions.can_run_training(request.user, session.course.center)
    checkin_url = request.build_absolute_uri(
        reverse("training:checkin", kwargs={"token": session.checkin_token})
    )
    mine = (
        session.enrolments.filter(person_id=request.user.pk)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .first()
    )
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "can_run": can_run,
            "mine": mine,
            "roster": selectors.roster(session=session) if can_run else [],
            "qr": segno.make(checkin_url, error="m").svg_data_uri(scale=5) if can_run else "",
            "checkin_url": checkin_url if can_run else "",
            "taken": session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count(),
            "feedback_form": FeedbackForm(),
        },
    )


@login_required
@require_POST
def enrol_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    session = selectors.access_session_by_id(request.user, pk)
    orgs = list(own_organizations(user=request.user)[:1])
    try:
        enrolment = services.enrol(
            actor=request.user, session=session, organization=orgs[0] if orgs else None
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("报名成功。")
            if enrolment.status == EnrolmentStatus.ENROLLED
            else _("名额已满，您已进入候补，有人取消时自动递补。"),
        )
    return redirect(session)


@login_required
@require_POST
def enrolment_cancel_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    enrolment = selectors.access_enrolment_by_id(request.user, pk)
    try:
        services.enrolment_cancel(actor=request.user, enrolment=enrolment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已取消报名。"))
    return redirect(enrolment.session)


@login_required
def checkin_view(request: AuthenticatedRequest, token: str) -> HttpResponse:
    session = selectors.session_by_checkin_token(token)
    enrolment = None
    error = ""
    if request.method == "POST":
        try:
            enrolment = services.check_in(actor=request.user, token=token)
        except ApplicationError as exc:
            error = exc.message
    else:
        enrolment = session.enrolments.filter(
            person_id=request.user.pk, checked_in_at__isnull=False
        ).first()
    return render(
        request,
        "training/checkin.html",
        {"session": session, "enrolment": enrolment, "error": error},
    )


@login_required
@require_POST
def feedback_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    enrolment = selectors.access_enrolment_by_id(request.user, pk)
    return post_form_action(
        request,
        form=FeedbackForm(request.POST),
        back_to=enrolment.session,
        success=_("感谢您的反馈。"),
        call=lambda d: services.feedback_submit(actor=request.user, enrolment=enrolment, **d),
    )


@login_required
def certificate_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    enrolment = selectors.access_enrolment_by_id(request.user, pk)
    if not enrolment.checked_in_at:
        raise PermissionDenied(_("签到参加培训后才能下载结业证书。"))
    content = render_pdf(
        "training/pdf/certificate.html", {"enrolment": enrolment, "session": enrolment.session}
    )
    return pdf_response(content, f"training-certificate-{enrolment.pk}.pdf")


@login_required
def attendance_export_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    session = selectors.access_session_by_id(request.user, pk)
    if not permissions.can_run_training(request.user, session.course.center):
        raise PermissionDenied(_("只有中心工作人员可以导出签到表。"))
    rows = [
        [
            e.person.display_name,
            e.organization.name if e.organization else "",
            mask_phone(e.person.phone),
            e.get_status_display(),
            timezone.localtime(e.checked_in_at).strftime("%Y-%m-%d %H:%M")
            if e.checked_in_at
            else "",
            float(session.hours) if e.checked_in_at else 0,
        ]
        for e in selectors.roster(session=session)
    ]
    return _xlsx(
        ["姓名", "所在组织", "手机号码", "报名状态", "签到时间", "学时"],
        rows,
        f"attendance-{session.pk}.xlsx",
    )


@login_required
def hours_view(request: AuthenticatedRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("只有民政局和中心工作人员可以查看培训学时统计。"))
    return render(
        request,
        "training/hours.html",
        {
            "by_person": selectors.training_hours_by_person(user=request.user)[:200],
            "by_org": selectors.training_hours_by_organization(user=request.user)[:200],
        },
    )


# -- events ---------------------------------------------------------------------------------------
@login_required
def event_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    center = access_center_by_id(request.user, pk)
    if not permissions.can_run_training(request.user, center):
        raise PermissionDenied(_("您无权为该中心组织活动。"))
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, center=center, data=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(event)
    return render(
        request,
        "training/simple_form.html",
        {"form": form, "title": _("组织交流展示活动"), "subtitle": center.name},
    )


@login_required
def event_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = selectors.access_event_by_id(request.user, pk)
    can_run = permissions.can_run_training(request.user, event.center)
    return render(
        request,
        "training/event_detail.html",
        {
            "event": event,
            "can_run": can_run,
            "registered": event.registrations.filter(person_id=request.user.pk).exists(),
            "count": event.registrations.count(),
            "photos": event.photos.all(),
            "report_form": EventReportForm(initial={"report": event.report}),
            "photo_form": PhotoForm(),
            "registrations": event.registrations.select_related("person") if can_run else [],
        },
    )


@login_required
@require_POST
def event_action_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = selectors.access_event_by_id(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "register":
            services.event_register(actor=request.user, event=event)
            messages.success(request, _("报名成功。"))
        elif action == "publish":
            services.event_update(
                actor=request.user, event=event, data={"status": EventStatus.PUBLISHED}
            )
            messages.success(request, _("活动已发布，门户可见。"))
        elif action == "finish":
            services.event_update(
                actor=request.user,
                event=event,
                data={"status": EventStatus.FINISHED, "report": request.POST.get("report", "")},
            )
            messages.success(request, _("已发布活动报道。"))
        else:
            raise PermissionDenied(_("无效的操作。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(event)


@login_required
@require_POST
def event_photo_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = selectors.access_event_by_id(request.user, pk)
    return post_form_action(
        request,
        form=PhotoForm(request.POST, request.FILES),
        back_to=event,
        success=_("已上传照片。"),
        call=lambda d: services.event_photo_add(
            actor=request.user, event=event, upload=d["image"], caption=d["caption"]
        ),
    )


def event_photo_view(request: HttpRequest, pk: int) -> FileResponse:
    """Photos of published events are public (the portal shows them); others need the right to see the event."""
    photo = selectors.photo_by_id(pk)
    if (
        photo.event.status == EventStatus.DRAFT
        and not selectors.events_visible_to(request.user).filter(pk=photo.event_id).exists()
    ):
        raise PermissionDenied(_("该活动尚未发布。"))
    return serve_stored_file(photo.image)


# -- talent pool ----------------------------------------------------------------------------------
@login_required
def talent_list_view(request: AuthenticatedRequest) -> HttpResponse:
    volunteers = list(
        selectors.volunteer_list(
            user=request.user,
            filters={"q": request.GET.get("q", ""), "kind": request.GET.get("kind", "")},
        )[:300]
    )
    for v in volunteers:
        v.id_display = mask_id_number(v.id_number)  # type: ignore[attr-defined]
        visible = permissions.can_see_personal_data(request.user, v)
        v.phone_display = v.phone if visible else mask_phone(v.phone)  # type: ignore[attr-defined]
    return render(
        request,
        "training/talent_list.html",
        {"volunteers": volunteers, "q": request.GET.get("q", "")},
    )


@login_required
def talent_create_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    form = VolunteerForm(request.POST or None, initial={"region": scope.home_region_code or ""})
    if request.method == "POST" and form.is_valid():
        self_register = not scope.is_staff_member
        try:
            volunteer = services.volunteer_register(
                actor=request.user,
                data=dict(form.cleaned_data),
                user=request.user if self_register else None,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记到人才库。"))
            return redirect("training:talent-detail", pk=volunteer.pk)
    return render(
        request,
        "training/simple_form.html",
        {"form": form, "title": _("登记志愿者/社工"), "subtitle": ""},
    )


@login_required
def talent_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    volunteer = selectors.access_volunteer_by_id(request.user, pk)
    show = permissions.can_see_personal_data(request.user, volunteer)
    hours = list(volunteer.hours.select_related("recorded_by", "verified_by"))
    for h in hours:
        allowed = h.status == HourStatus.PENDING and permissions.can_verify_hours(request.user, h)
        h.can_verify = allowed  # type: ignore[attr-defined]
    return render(
        request,
        "training/talent_detail.html",
        {
            "v": volunteer,
            "hours": hours,
            "verified": selectors.verified_hours(volunteer),
            "hour_form": HourForm(),
            "id_display": volunteer.id_number
            if show and permissions.can_manage_volunteer(request.user, volunteer)
            else mask_id_number(volunteer.id_number),
            "phone_display": volunteer.phone if show else mask_phone(volunteer.phone),
            "can_record": volunteer.user_id == request.user.pk
            or permissions.can_manage_volunteer(request.user, volunteer),
            "placements": volunteer.placements.select_related("center"),
            "placement_form": PlacementForm(centers=_training_centers(request.user))
            if Scope.for_user(request.user).is_staff_member
            else None,
        },
    )


def _training_centers(user: Any) -> Any:

    return centers_visible_to(user).order_by("region_id", "name")


@login_required
@require_POST
def placement_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    volunteer = selectors.access_volunteer_by_id(request.user, pk)
    form = PlacementForm(request.POST, centers=_training_centers(request.user))
    return post_form_action(
        request,
        form=form,
        back_to=reverse("training:talent-detail", kwargs={"pk": pk}),
        success=_("已安排实践。"),
        call=lambda d: services.placement_create(
            actor=request.user, volunteer=volunteer, center=d.pop("center"), data=d
        ),
    )


@login_required
@require_POST
def hour_record_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    volunteer = selectors.access_volunteer_by_id(request.user, pk)
    return post_form_action(
        request,
        form=HourForm(request.POST),
        back_to=reverse("training:talent-detail", kwargs={"pk": pk}),
        success=_("已登记服务时长，等待组织方核验。"),
        call=lambda d: services.service_hour_record(
            actor=request.user, volunteer=volunteer, data=d
        ),
    )


@login_required
@require_POST
def hour_verify_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    hour = get_object_or_404(
        selectors.hours_visible_to(request.user).select_related("volunteer"), pk=pk
    )
    try:
        services.service_hour_verify(
            actor=request.user, hour=hour, approve=request.POST.get("approve") == "1"
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已核验。"))
    return redirect("training:talent-detail", pk=hour.volunteer_id)


@login_required
def hours_export_view(request: AuthenticatedRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("只有民政局和中心工作人员可以导出服务时长。"))
    rows = [
        [
            h.volunteer.name,
            mask_id_number(h.volunteer.id_number),
            mask_phone(h.volunteer.phone),
            h.activity,
            h.served_on.isoformat(),
            float(h.hours),
            h.get_status_display(),
        ]
        for h in selectors.hours_visible_to(request.user)
        .select_related("volunteer")
        .order_by("volunteer__name", "served_on")
    ]
    return _xlsx(
        ["姓名", "身份证号", "手机号码", "服务活动", "服务日期", "时长（小时）", "状态"],
        rows,
        "volunteer-hours.xlsx",
    )
