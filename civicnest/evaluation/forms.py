from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicnest.accounts.models import User
from civicnest.core.forms import BootstrapFormMixin, date_field
from civicnest.evaluation import scoring
from civicnest.evaluation.compliance import RULES
from civicnest.evaluation.models import (
    ComplianceParameters,
    Indicator,
    IndicatorTemplate,
    ScoreSource,
    SurveySubject,
    TargetMetric,
    TemplateKind,
)
from civicnest.evaluation.selectors import IndicatorRow, template_tree
from civicnest.matching.models import Match
from civicnest.network.models import Center
from civicnest.regions.forms import RegionCodeField
from civicnest.training.models import Event

RATING_CHOICES = [
    (5, _("非常满意")),
    (4, _("满意")),
    (3, _("一般")),
    (2, _("不满意")),
    (1, _("很不满意")),
]
GRADE_LABELS = ("5A", "4A", "3A", "2A", "1A")


class IndicatorForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["code", "name", "weight", "guidance", "source", "position"]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 2})}


class RoundForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("评估批次"), max_length=120)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    region = RegionCodeField(label=_("评估范围（区划代码）"))
    templates = forms.ModelMultipleChoiceField(
        label=_("指标模板"),
        queryset=IndicatorTemplate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    applications_close_on = date_field(_("申报截止"))
    validity_years = forms.IntegerField(
        label=_("等级有效期（年）"), min_value=1, max_value=10, initial=5
    )
    appeal_days = forms.IntegerField(
        label=_("公示及申诉期（天）"), min_value=1, max_value=60, initial=7
    )
    min_years_registered = forms.IntegerField(
        label=_("登记满几年可申报"), min_value=0, max_value=10, initial=2
    )
    notice = forms.CharField(
        label=_("评估通知"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["templates"].queryset = IndicatorTemplate.objects.filter(  # type: ignore[attr-defined]
            kind=TemplateKind.ORG_GRADING, is_current=True
        )
        self.fields["templates"].initial = list(self.fields["templates"].queryset)  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year
        for grade, bound in zip(GRADE_LABELS, (951, 901, 851, 801, 0), strict=True):
            self.fields[f"band_{grade}"] = forms.IntegerField(
                label=_("%(g)s 分数线（≥）") % {"g": grade}, min_value=0, initial=bound
            )
            self.fields[f"band_{grade}"].widget.attrs["class"] = "form-control"

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("band_")}
        data["grade_bands"] = {g: self.cleaned_data[f"band_{g}"] for g in GRADE_LABELS}
        return data


class ScoreForm(BootstrapFormMixin, forms.Form):
    """One rate (0–100) and note per manually scored leaf of the template."""

    def __init__(
        self,
        *args: Any,
        rows: list[IndicatorRow],
        initial_scores: dict[int, tuple[Decimal, str]] | None = None,
        required: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        initial_scores = initial_scores or {}
        self.rows = rows
        for row in rows:
            ind = row.indicator
            if not row.is_leaf or ind.source != ScoreSource.MANUAL:
                continue
            score, note = initial_scores.get(ind.pk, (None, ""))
            field = forms.DecimalField(
                label=f"{ind.code} {ind.name}",
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                required=required,
                initial=score,
                help_text=ind.guidance,
                error_messages={"required": _("请为该指标打分。")},
            )
            field.widget.attrs.update({"inputmode": "decimal", "data-testid": f"score-{ind.code}"})
            self.fields[f"score_{ind.pk}"] = field
            self.fields[f"note_{ind.pk}"] = forms.CharField(
                label=_("说明"),
                required=False,
                initial=note,
                max_length=1000,
                widget=forms.TextInput(attrs={"placeholder": _("说明或现场记录")}),
            )
        for name, f in self.fields.items():
            css = "form-control form-control-sm" if name.startswith("note_") else "form-control"
            f.widget.attrs["class"] = css

    def scores(self) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("score_"):
                key = int(name.removeprefix("score_"))
                out[key] = (value, self.cleaned_data.get(f"note_{key}", ""))
        return out

    def score_fields(self) -> list[tuple[IndicatorRow, Any, Any]]:
        """(row, score field, note field) in tree order; headings have no fields."""
        out: list[tuple[IndicatorRow, Any, Any]] = []
        for row in self.rows:
            key = row.indicator.pk
            if f"score_{key}" in self.fields:
                out.append((row, self[f"score_{key}"], self[f"note_{key}"]))
            else:
                out.append((row, None, None))
        return out


class SelfAssessmentForm(ScoreForm):
    summary = forms.CharField(
        label=_("自评报告"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class OnsiteScoreForm(ScoreForm):
    visited_on = date_field(_("实地评估日期"), initial=timezone.localdate)
    summary = forms.CharField(label=_("评估意见"), widget=forms.Textarea(attrs={"rows": 3}))


class ReviewScoreForm(ScoreForm):
    pass


class EvidenceForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("材料名称"), max_length=120)
    indicator = forms.ModelChoiceField(
        label=_("对应指标"), queryset=Indicator.objects.none(), required=False
    )
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args: Any, template: IndicatorTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = template.indicators.order_by("position", "code")  # type: ignore[attr-defined]


class EligibilityForm(BootstrapFormMixin, forms.Form):
    accept = forms.TypedChoiceField(
        label=_("审核结论"),
        choices=[("1", _("受理")), ("0", _("不予受理"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("意见"), required=False, max_length=500)


class AssignForm(BootstrapFormMixin, forms.Form):
    evaluator = forms.ModelChoiceField(label=_("评估专家"), queryset=User.objects.none())

    def __init__(self, *args: Any, evaluators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = evaluators  # type: ignore[attr-defined]


class NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("评估委员会意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AppealForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 3}))


class AppealDecideForm(BootstrapFormMixin, forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("处理结果"),
        choices=[("0", _("申诉不成立，维持原等级")), ("1", _("申诉成立，调整得分"))],
        coerce=lambda v: v == "1",
    )
    decision = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 2}))
    revised_total = forms.DecimalField(label=_("复核后总分"), required=False, min_value=0)


class ConflictForm(BootstrapFormMixin, forms.Form):
    uscc = forms.CharField(label=_("社会组织统一社会信用代码"), max_length=18)
    reason = forms.CharField(label=_("关系说明"), max_length=200)


class ReviewOpenForm(BootstrapFormMixin, forms.Form):
    center = forms.ModelChoiceField(label=_("被考评中心"), queryset=Center.objects.none())
    year = forms.IntegerField(label=_("考评年度"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, centers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year - 1


class ConclusionForm(BootstrapFormMixin, forms.Form):
    conclusion = forms.CharField(label=_("考评结论"), widget=forms.Textarea(attrs={"rows": 2}))


class RewardForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("奖励名称"), max_length=120)
    amount = forms.DecimalField(label=_("奖励金额（元）"), min_value=0, decimal_places=2, initial=0)
    granted_on = date_field(_("授予日期"), initial=timezone.localdate)
    note = forms.CharField(label=_("说明"), required=False)


class SurveyForm(BootstrapFormMixin, forms.Form):
    center = forms.ModelChoiceField(label=_("中心"), queryset=Center.objects.none())
    title = forms.CharField(label=_("问卷标题"), max_length=120)
    subject = forms.ChoiceField(label=_("评价对象"), choices=SurveySubject.choices)
    event = forms.ModelChoiceField(label=_("活动"), queryset=Event.objects.none(), required=False)
    match = forms.ModelChoiceField(
        label=_("对接服务"), queryset=Match.objects.none(), required=False
    )
    year = forms.IntegerField(label=_("计入考评年度"), min_value=2000, max_value=2100)
    closes_on = date_field(_("截止日期"))

    def __init__(self, *args: Any, centers: Any, events: Any, matches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers  # type: ignore[attr-defined]
        self.fields["event"].queryset = events  # type: ignore[attr-defined]
        self.fields["match"].queryset = matches  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year
        self.fields["closes_on"].initial = timezone.localdate() + datetime.timedelta(days=30)


class SurveyAnswerForm(forms.Form):
    overall = forms.TypedChoiceField(
        label=_("总体满意度"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    attitude = forms.TypedChoiceField(
        label=_("服务态度"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    professionalism = forms.TypedChoiceField(
        label=_("专业水平"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    facilities = forms.TypedChoiceField(
        label=_("场地设施"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见建议"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        required=False,
        max_length=11,
        help_text=_("只用于确认每人填写一次，不会保存号码本身。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("短信验证码"),
        required=False,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )

    def __init__(self, *args: Any, anonymous: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if anonymous:
            self.fields["phone"].required = True
            self.fields["phone"].error_messages["required"] = _("请填写手机号码。")
        else:
            del self.fields["phone"]
            del self.fields["code"]
        for name, field in self.fields.items():
            if name in ("comment", "phone", "code"):
                field.widget.attrs["class"] = "form-control"
            else:
                field.error_messages["required"] = _("请选择一项。")


class BreachAckForm(BootstrapFormMixin, forms.Form):
    rule = forms.ChoiceField(label=_("规则"), choices=[(r.code, r.title) for r in RULES])
    plan = forms.CharField(label=_("整改计划"), widget=forms.Textarea(attrs={"rows": 3}))
    due_on = date_field(_("整改期限"))


class ParametersForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ComplianceParameters
        fields = [
            "year",
            "min_premises_area",
            "served_per_staff",
            "social_worker_share",
            "city_average_wage",
        ]


class TargetForm(BootstrapFormMixin, forms.Form):
    region = RegionCodeField(
        label=_("区划代码"), help_text=_("城市填 4201 或 420100，区县填 6 位。")
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    metric = forms.ChoiceField(label=_("指标"), choices=TargetMetric.choices)
    target_percent = forms.DecimalField(
        label=_("目标（%）"), min_value=0, max_value=100, decimal_places=2
    )
    note = forms.CharField(label=_("依据"), required=False, max_length=200)


def parse_rates(
    template: IndicatorTemplate, scores: dict[int, Any], *, required: bool
) -> dict[int, tuple[Decimal, str]]:
    """{indicator_id: (rate, note)} for the template's manually scored leaves, from what a page or a service
    caller sent ({id: rate} or {id: (rate, note)}); field errors in Chinese."""
    roots, by_id = template_tree(template)
    leaf_ids = [n.key for n in scoring.leaves(roots) if by_id[n.key].source == ScoreSource.MANUAL]
    errors: dict[str, list[str]] = {}
    out: dict[int, tuple[Decimal, str]] = {}
    for key in leaf_ids:
        raw = scores.get(key)
        value, note = raw if isinstance(raw, tuple) else (raw, "")
        if value in (None, ""):
            if required:
                errors[f"score_{key}"] = [gettext("请为“%(n)s”打分。") % {"n": by_id[key].name}]
            continue
        try:
            rate = Decimal(str(value))
        except ArithmeticError:
            rate = Decimal(-1)
        if not Decimal(0) <= rate <= Decimal(100):
            errors[f"score_{key}"] = [gettext("得分率应在 0 到 100 之间。")]
            continue
        out[key] = (rate, note or "")
    unknown = set(scores) - set(leaf_ids)
    if unknown:
        errors["__all__"] = [gettext("包含不属于该模板的指标。")]
    if errors:
        raise ValidationError(errors)
    return out
