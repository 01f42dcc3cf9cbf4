from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.masking import mask_name
from civicnest.core.pdf import pdf_response, render_pdf
from civicnest.governance import permissions, selectors, services
from civicnest.governance.forms import (
    HideForm,
    MeetingForm,
    OpinionForm,
    ProgressForm,
    ResolutionForm,
    TopicForm,
)
from civicnest.governance.models import TopicStage
from civicnest.network.models import CenterLevel
from civicnest.network.selectors import centers_visible_to


@login_required
def topic_list_view(request: AuthenticatedRequest) -> HttpResponse:
    topics = (
        selectors.topics_visible_to(request.user)
        .select_related("center", "region")
        .order_by("-created_at")[:100]
    )
    can_open = (
        centers_visible_to(request.user)
        .filter(level__in=[CenterLevel.STREET, CenterLevel.COMMUNITY])
        .exists()
    )
    return render(request, "governance/topic_list.html", {"topics": topics, "can_open": can_open})


@login_required
def topic_create_view(request: AuthenticatedRequest) -> HttpResponse:
    centers = (
        centers_visible_to(request.user)
        .filter(level__in=[CenterLevel.STREET, CenterLevel.COMMUNITY])
        .order_by("region_id")
    )
    if not centers.exists():
        raise PermissionDenied(_("只有街道、社区中心的工作人员可以发起议题。"))
    form = TopicForm(request.POST or None, centers=centers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            topic = services.topic_open(actor=request.user, center=data.pop("center"), data=data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(topic)
    return render(request, "governance/topic_form.html", {"form": form})


@login_required
def topic_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    topic = selectors.access_topic_by_id(request.user, pk)
    can_run = permissions.can_run_topic(request.user, topic)
    opinions = selectors.topic_opinions(user=request.user, topic=topic)
    for o in opinions:
        full = can_run or o.author_id == request.user.pk
        o.author_display = o.author.display_name if full else mask_name(o.author.display_name)  # type: ignore[attr-defined]
    return render(
        request,
        "governance/topic_detail.html",
        {
            "topic": topic,
            "can_run": can_run,
            "can_take_part": permissions.can_take_part(request.user, topic),
            "opinions": opinions,
            "meetings": topic.meetings.prefetch_related("resolutions"),
            "follow_ups": selectors.follow_ups(topic=topic),
            "opinion_form": OpinionForm(),
            "hide_form": HideForm(),
            "meeting_form": MeetingForm(initial={"held_at": timezone.localtime()}),
            "next_stage": _next_stage(topic.stage),
        },
    )


def _next_stage(stage: str) -> tuple[str, str] | None:
    order = list(TopicStage)
    index = order.index(TopicStage(stage))
    return (order[index + 1].value, str(order[index + 1].label)) if index + 1 < len(order) else None


@login_required
@require_POST
def opinion_post_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    topic = selectors.access_topic_by_id(request.user, pk)
    return post_form_action(
        request,
        form=OpinionForm(request.POST),
        back_to=topic,
        success=_("意见已发表。"),
        call=lambda d: services.opinion_post(actor=request.user, topic=topic, body=d["body"]),
    )


@login_required
@require_POST
def support_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    opinion = selectors.access_opinion_by_id(request.user, pk)
    try:
        services.opinion_support(actor=request.user, opinion=opinion)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(opinion.topic)


@login_required
@require_POST
def hide_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    opinion = selectors.access_opinion_by_id(request.user, pk)
    return post_form_action(
        request,
        form=HideForm(request.POST),
        back_to=opinion.topic,
        success=_("已屏蔽，原文和原因已留存。"),
        call=lambda d: services.opinion_hide(
            actor=request.user, opinion=opinion, reason=d["reason"]
        ),
    )


@login_required
@require_POST
def to_need_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    opinion = selectors.access_opinion_by_id(request.user, pk)
    try:
        need = services.opinion_to_need(actor=request.user, opinion=opinion)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", "；".join(getattr(exc, "messages", []))))
        return redirect(opinion.topic)
    messages.success(request, _("已转为需求，进入供需对接。"))
    return redirect(need)


@login_required
@require_POST
def advance_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    topic = selectors.access_topic_by_id(request.user, pk)
    try:
        services.topic_advance(actor=request.user, topic=topic, stage=request.POST.get("stage", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(topic)


@login_required
@require_POST
def meeting_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    topic = selectors.access_topic_by_id(request.user, pk)
    return post_form_action(
        request,
        form=MeetingForm(request.POST),
        back_to=topic,
        success=_("已记录议事会议。"),
        call=lambda d: services.meeting_record(actor=request.user, topic=topic, data=d),
    )


@login_required
def meeting_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = selectors.access_meeting_by_id(request.user, pk)
    return render(
        request,
        "governance/meeting_detail.html",
        {
            "meeting": meeting,
            "can_run": permissions.can_run_topic(request.user, meeting.topic),
            "resolutions": meeting.resolutions.prefetch_related("updates"),
            "resolution_form": ResolutionForm(),
            "progress_form": ProgressForm(),
        },
    )


@login_required
@require_POST
def resolution_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = selectors.access_meeting_by_id(request.user, pk)
    return post_form_action(
        request,
        form=ResolutionForm(request.POST),
        back_to=reverse("governance:meeting-detail", kwargs={"pk": pk}),
        success=_("已记录决议。"),
        call=lambda d: services.resolution_add(actor=request.user, meeting=meeting, data=d),
    )


@login_required
@require_POST
def progress_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resolution = selectors.access_resolution_by_id(request.user, pk)
    back = reverse("governance:meeting-detail", kwargs={"pk": resolution.meeting_id})
    return post_form_action(
        request,
        form=ProgressForm(request.POST),
        back_to=back,
        success=_("已更新落实进展。"),
        call=lambda d: services.resolution_progress(actor=request.user, resolution=resolution, **d),
    )


@login_required
def report_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """社情民意报告: opinions of the topic grouped by theme, as a page or a PDF for the bureau."""
    topic = selectors.access_topic_by_id(request.user, pk)
    if not permissions.can_run_topic(request.user, topic):
        raise PermissionDenied(_("只有发起中心可以编制社情民意报告。"))
    opinions = [
        o for o in selectors.topic_opinions(user=request.user, topic=topic) if not o.is_hidden
    ]
    context: dict[str, Any] = {
        "topic": topic,
        "themes": selectors.opinion_themes(opinions),
        "total": len(opinions),
        "follow_ups": selectors.follow_ups(topic=topic),
        "today": timezone.localdate(),
    }
    if request.GET.get("format") == "pdf":
        return pdf_response(
            render_pdf("governance/pdf/report.html", context), f"public-sentiment-{topic.pk}.pdf"
        )
    return render(request, "governance/report.html", context)
