"""Indicator template pages: the list, one template's tree with its versions, and indicator edits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.exceptions import ApplicationError
from civicnest.evaluation import permissions, selectors, services
from civicnest.evaluation.forms import IndicatorForm
from civicnest.evaluation.models import Indicator
from civicnest.evaluation.views.common import require_staff_or_expert


def _form_errors(request: AuthenticatedRequest, form: IndicatorForm) -> None:
    for field, errors in form.errors.items():
        messages.error(
            request,
            f"{form.fields[field].label if field in form.fields else ''}：{'；'.join(str(e) for e in errors)}",
        )


def _service_error(request: AuthenticatedRequest, exc: ValidationError | ApplicationError) -> None:
    messages.error(request, getattr(exc, "message", "；".join(getattr(exc, "messages", []))))


@login_required
def template_list_view(request: AuthenticatedRequest) -> HttpResponse:
    require_staff_or_expert(request.user)
    return render(
        request,
        "evaluation/template_list.html",
        {
            "templates": selectors.template_list(),
            "can_edit": permissions.can_edit_templates(request.user),
        },
    )


@login_required
def template_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    template = selectors.access_template_by_id(request.user, pk)
    can_edit = permissions.can_edit_templates(request.user) and template.is_current
    return render(
        request,
        "evaluation/template_detail.html",
        {
            "template": template,
            "rows": selectors.indicator_rows(template),
            "can_edit": can_edit,
            "in_use": selectors.template_in_use(template),
            "versions": selectors.template_versions(template),
            "add_form": IndicatorForm(prefix="new"),
        },
    )


@login_required
@require_POST
def indicator_edit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    indicator = selectors.access_indicator_by_id(request.user, pk)
    form = IndicatorForm(request.POST, instance=Indicator(template=indicator.template))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(indicator.template)
    try:
        updated = services.indicator_update(
            actor=request.user, indicator=indicator, data=form.cleaned_data
        )
    except (ValidationError, ApplicationError) as exc:
        _service_error(request, exc)
        return redirect(indicator.template)
    if updated.template_id != indicator.template_id:
        messages.success(
            request, _("该模板已被使用，已生成新版本 v%(v)s。") % {"v": updated.template.version}
        )
    else:
        messages.success(request, _("指标已保存。"))
    return redirect(updated.template)


@login_required
@require_POST
def indicator_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    template = selectors.access_template_by_id(request.user, pk)
    form = IndicatorForm(request.POST, prefix="new", instance=Indicator(template=template))
    parent = selectors.indicator_of_template(template, request.POST.get("parent") or None)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(template)
    try:
        new = services.indicator_add(
            actor=request.user, template=template, parent=parent, data=form.cleaned_data
        )
    except (ValidationError, ApplicationError) as exc:
        _service_error(request, exc)
        return redirect(template)
    messages.success(request, _("已添加指标。"))
    return redirect(new.template)
