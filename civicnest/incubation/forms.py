from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin, date_field
from civicnest.incubation.models import (
    REVIEW_CRITERIA,
    AssessmentOutcome,
    Desk,
    IncubationProgram,
    IntakeRound,
    MilestoneKind,
    ServiceType,
)
from civicnest.registry.models import ActivityTeam, Category, SocialOrganization, Stage


class ProgramForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = IncubationProgram
        fields = ["name", "kind", "description", "services_offered"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "services_offered": forms.Textarea(attrs={"rows": 2}),
        }


class RoundForm(BootstrapFormMixin, forms.ModelForm):
    target_stages = forms.MultipleChoiceField(
        label=_("面向阶段"),
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[Stage.STARTUP, Stage.TRANSITION],
    )
    target_categories = forms.MultipleChoiceField(
        label=_("面向领域（不选则不限）"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = IntakeRound
        fields = [
            "name",
            "opens_on",
            "closes_on",
            "capacity",
            "period_months",
            "criteria",
            "target_stages",
            "target_categories",
        ]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "criteria": forms.Textarea(attrs={"rows": 3}),
        }


class ApplicationForm(BootstrapFormMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("申请的社会组织"), queryset=SocialOrganization.objects.none(), required=False
    )
    team = forms.ModelChoiceField(
        label=_("申请的备案团队"), queryset=ActivityTeam.objects.none(), required=False
    )
    founding_team = forms.CharField(
        label=_("或：发起团队名称（尚未登记）"), max_length=120, required=False
    )
    project_title = forms.CharField(label=_("项目/计划名称"), max_length=200)
    plan = forms.CharField(
        label=_("发展计划"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("目标、服务对象、主要活动、需要中心提供的支持。"),
    )
    category = forms.ChoiceField(label=_("服务领域"), choices=Category.choices)
    stage = forms.ChoiceField(label=_("发展阶段"), choices=Stage.choices)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=11)

    def __init__(self, *args: Any, organizations: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        if not teams.exists():
            del self.fields["team"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [
            bool(data.get("organization")),
            bool(data.get("team")),
            bool(data.get("founding_team", "").strip()),
        ]
        if sum(chosen) != 1:
            raise forms.ValidationError(
                _("请选择一个社会组织或备案团队，或填写发起团队名称（三者选一）。")
            )
        return data


class DecisionForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("意见/原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("评审意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label, maximum in REVIEW_CRITERIA:
            self.fields[key] = forms.IntegerField(
                label=f"{label}（0–{maximum}）", min_value=0, max_value=maximum
            )
            self.fields[key].widget.attrs["class"] = "form-control"
        self.order_fields([k for k, _label, _m in REVIEW_CRITERIA] + ["comment"])

    def scores(self) -> dict[str, int]:
        return {k: self.cleaned_data[k] for k, _label, _m in REVIEW_CRITERIA}


class AgreementForm(BootstrapFormMixin, forms.Form):
    prefix = "agreement"  # several forms share one page: keep their field ids apart
    starts_on = date_field(_("孵化开始"), initial=timezone.localdate)
    ends_on = date_field(_("孵化结束（不填按批次孵化期计算）"), required=False)
    services_granted = forms.MultipleChoiceField(
        label=_("提供的服务"),
        choices=ServiceType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[
            ServiceType.TRAINING,
            ServiceType.CAPACITY,
            ServiceType.PROJECT_DESIGN,
            ServiceType.FINANCE,
        ],
    )
    obligations = forms.CharField(
        label=_("双方义务"),
        widget=forms.Textarea(attrs={"rows": 5}),
        initial=_(
            "中心提供办公工位与一站式服务；入驻方按计划开展公益服务，每季度报告进展，遵守中心管理制度，孵化期满接受出壳评估。"
        ),
    )


class SignForm(BootstrapFormMixin, forms.Form):
    signed_on = date_field(_("签订日期"), initial=timezone.localdate)


class DeskForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Desk
        fields = ["code", "kind", "area", "note"]


class TenancyForm(BootstrapFormMixin, forms.Form):
    prefix = "tenancy"  # several forms share one page: keep their field ids apart
    desk = forms.ModelChoiceField(label=_("工位/办公室"), queryset=Desk.objects.none())
    starts_on = date_field(_("入驻日期"), initial=timezone.localdate)
    ends_on = date_field(_("到期日期"))

    def __init__(self, *args: Any, desks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = desks  # type: ignore[attr-defined]


class MoveOutForm(BootstrapFormMixin, forms.Form):
    moved_out_on = date_field(_("退驻日期"), initial=timezone.localdate)


class MilestoneAchieveForm(BootstrapFormMixin, forms.Form):
    achieved_on = date_field(_("达成日期"), initial=timezone.localdate)


class ServiceForm(BootstrapFormMixin, forms.Form):
    prefix = "service"  # several forms share one page: keep their field ids apart
    service_type = forms.ChoiceField(label=_("服务类型"), choices=ServiceType.choices)
    served_on = date_field(_("日期"), initial=timezone.localdate)
    hours = forms.DecimalField(
        label=_("时长（小时）"), min_value=Decimal("0.5"), max_digits=5, decimal_places=1, initial=2
    )
    topic = forms.CharField(label=_("主题"), max_length=200)
    outcome = forms.CharField(
        label=_("成效"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MilestoneForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=MilestoneKind.choices)
    title = forms.CharField(label=_("里程碑"), max_length=200)
    due_on = date_field(_("计划完成"))


class MentorForm(BootstrapFormMixin, forms.Form):
    mentor = forms.CharField(label=_("导师用户名"), max_length=150)
    since = date_field(_("起始日期"), initial=timezone.localdate)
    focus = forms.CharField(label=_("辅导方向"), max_length=200, required=False)


class ProgressForm(BootstrapFormMixin, forms.Form):
    prefix = "progress"  # several forms share one page: keep their field ids apart
    reviewed_on = date_field(_("评估日期"), initial=timezone.localdate)
    rating = forms.IntegerField(label=_("进展评价（1–5）"), min_value=1, max_value=5)
    summary = forms.CharField(label=_("进展摘要"), widget=forms.Textarea(attrs={"rows": 2}))


class AssessmentForm(BootstrapFormMixin, forms.Form):
    prefix = "assess"  # several forms share one page: keep their field ids apart
    assessed_on = date_field(_("评估日期"), initial=timezone.localdate)
    score = forms.DecimalField(
        label=_("评估得分（0–100）"), min_value=0, max_value=100, decimal_places=1
    )
    outcome = forms.ChoiceField(label=_("结论"), choices=AssessmentOutcome.choices)
    extend_until = date_field(_("延期至（仅延期时填写）"), required=False)
    summary = forms.CharField(
        label=_("评估意见（对照发展计划）"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == AssessmentOutcome.EXTEND and not data.get("extend_until"):
            self.add_error("extend_until", _("延期孵化须填写延期至的日期。"))
        return data


class FollowUpForm(BootstrapFormMixin, forms.Form):
    done_on = date_field(_("回访日期"), initial=timezone.localdate)
    note = forms.CharField(label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 2}))
