"""Compliance pages: the breach report, breach acknowledgements, the parameters and the network targets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.evaluation import compliance, permissions, selectors, services
from civicnest.evaluation.forms import BreachAckForm, ParametersForm, TargetForm
from civicnest.network.selectors import access_center_by_id
from civicnest.regions.scoping import Scope


@login_required
def compliance_view(request: AuthenticatedRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("合规检查面向民政局和中心工作人员。"))
    rule = request.GET.get("rule", "")
    if rule not in compliance.RULES_BY_CODE:
        rule = ""
    report = selectors.compliance_report(user=request.user, rule=rule)
    return render(
        request,
        "evaluation/compliance.html",
        {"report": report, "rules": compliance.RULES, "rule": rule, "today": timezone.localdate()},
    )


@login_required
def breach_ack_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    center = access_center_by_id(request.user, pk)
    if not permissions.can_acknowledge_breach(request.user, center):
        raise PermissionDenied(_("只有本中心或上级可以登记整改计划。"))
    report = selectors.compliance_report(user=request.user, center_ids=[center.pk])
    form = BreachAckForm(request.POST or None, initial={"rule": request.GET.get("rule", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.breach_acknowledge(actor=request.user, center=center, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("整改计划已登记。"))
            return redirect("evaluation:compliance")
    return render(
        request,
        "evaluation/breach_ack.html",
        {
            "center": center,
            "form": form,
            "outcomes": [
                (compliance.RULES_BY_CODE[o.rule], o) for o in report.outcomes.get(center.pk, [])
            ],
        },
    )


@login_required
def parameters_view(request: AuthenticatedRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("合规参数面向民政局和中心工作人员。"))
    can_edit = permissions.can_set_parameters(request.user)
    form = ParametersForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("只有市民政局可以设置合规参数。"))
        if form.is_valid():
            services.parameters_set(actor=request.user, data=form.cleaned_data)
            messages.success(request, _("合规参数已保存。"))
            return redirect("evaluation:parameters")

    return render(
        request,
        "evaluation/parameters.html",
        {"form": form, "can_edit": can_edit, "rows": selectors.compliance_parameter_rows()},
    )


@login_required
def targets_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("网络建设目标面向民政局和中心工作人员。"))
    form = TargetForm(request.POST or None)
    if request.method == "POST":
        if not permissions.is_bureau(request.user):
            raise PermissionDenied(_("只有民政局可以设置建设目标。"))
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.target_set(actor=request.user, region=data.pop("region"), data=data)
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    form.add_error("region", _("只能为本辖区设置目标。"))
                else:
                    apply_service_errors(form, exc)
            else:
                messages.success(request, _("目标已保存。"))
                return redirect("evaluation:targets")
    return render(
        request,
        "evaluation/targets.html",
        {
            "rows": selectors.target_tracking(user=request.user),
            "form": form,
            "can_edit": permissions.is_bureau(request.user),
        },
    )
