"""The funding chain's forms, and the parsing of what people type into them (lines of “名称,数值”, the
rubric, tranche plans, the per-criterion `score_<id>` fields) into what the services take."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicnest.accounts.models import User
from civicnest.core.forms import BootstrapFormMixin, date_field
from civicnest.network.models import Center
from civicnest.philanthropy.models import Fund, FundKind, ProgramKind
from civicnest.philanthropy.services.base import money
from civicnest.registry.models import Category, OrgType, SocialOrganization


def _money(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={
            "invalid": _("请输入金额，例如 12000.00。"),
            "max_decimal_places": _("金额最多保留两位小数（分）。"),
            "min_value": _("金额必须大于 0。"),
        },
        **kwargs,
    )


def _text(label: Any, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class FundForm(BootstrapFormMixin, forms.Form):
    center = forms.ModelChoiceField(label=_("管理中心"), queryset=Center.objects.none())
    name = forms.CharField(label=_("账户名称"), max_length=120)
    code = forms.CharField(
        label=_("账户代码"), max_length=12, help_text=_("字母和数字，用于票据编号")
    )
    kind = forms.ChoiceField(label=_("资金类型"), choices=FundKind.choices)

    def __init__(self, *args: Any, centers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers  # type: ignore[attr-defined]


class ProgramForm(BootstrapFormMixin, forms.Form):
    center = forms.ModelChoiceField(label=_("主办中心"), queryset=Center.objects.none())
    fund = forms.ModelChoiceField(label=_("资金账户"), queryset=Fund.objects.none())
    name = forms.CharField(label=_("项目名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=ProgramKind.choices)
    description = _text(_("说明"), required=False)
    focus_areas = forms.MultipleChoiceField(
        label=_("资助领域"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    eligible_org_types = forms.MultipleChoiceField(
        label=_("可申报的组织类型"),
        choices=OrgType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(OrgType.values),
    )
    min_registered_years = forms.IntegerField(label=_("最少登记年限"), min_value=0, initial=1)
    budget = _money(_("总预算（元）"))
    per_project_cap = _money(_("单个项目上限（元）"))
    call_opens = date_field(_("征集开始"))
    call_closes = date_field(_("征集截止"))
    review_until = date_field(_("评审截止"))
    publish_on = date_field(_("发布日期"))
    implementation_ends = date_field(_("实施结束"))
    evaluation_by = date_field(_("评估完成"))
    criteria = _text(
        _("评分指标（每行：名称,权重）"),
        rows=4,
        initial="需求与目标,30\n方案可行性,40\n团队能力,30",
    )

    def __init__(self, *args: Any, centers: Any, funds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers  # type: ignore[attr-defined]
        self.fields["fund"].queryset = funds  # type: ignore[attr-defined]


class ProposalForm(BootstrapFormMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("申报组织"), queryset=SocialOrganization.objects.none()
    )
    title = forms.CharField(label=_("项目名称"), max_length=120)
    category = forms.ChoiceField(label=_("服务领域"), choices=Category.choices)
    objectives = _text(_("项目目标"))
    beneficiaries = forms.CharField(label=_("受益对象"), max_length=200)
    beneficiary_count = forms.IntegerField(label=_("受益人数"), min_value=1)
    activities = _text(_("主要活动"))
    budget_lines = _text(
        _("预算明细（每行：科目,金额）"), rows=4, help_text=_("例如：人员经费,30000")
    )
    outputs = _text(_("产出指标（每行：指标,目标值）"), rows=3, help_text=_("例如：助餐人次,3000"))
    outcomes = _text(
        _("成效指标（每行：指标,目标值）"),
        rows=3,
        required=False,
        help_text=_("例如：老人满意度,90%"),
    )
    team = _text(_("项目团队"), rows=2)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]


class EligibilityForm(BootstrapFormMixin, forms.Form):
    eligible = forms.TypedChoiceField(
        label=_("结论"),
        choices=[("1", _("通过")), ("0", _("不通过"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("意见"), max_length=300, required=False)


class ConflictForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("利益关系说明"), max_length=200)


class ShortlistForm(BootstrapFormMixin, forms.Form):
    shortlisted = forms.TypedChoiceField(
        label=_("结论"), choices=[("1", _("入围")), ("0", _("不入围"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class PublishForm(BootstrapFormMixin, forms.Form):
    budget = _money(_("核定预算（元）"))


class ExpertForm(BootstrapFormMixin, forms.Form):
    expert = forms.ModelChoiceField(label=_("评审专家"), queryset=User.objects.none())

    def __init__(self, *args: Any, experts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts  # type: ignore[attr-defined]


class SubscribeForm(BootstrapFormMixin, forms.Form):
    amount = _money(_("认购金额（元）"))
    funder_name = forms.CharField(label=_("资助方名称（票据抬头）"), max_length=120, required=False)


class ContractForm(BootstrapFormMixin, forms.Form):
    amount = _money(_("合同金额（元）"))
    starts_on = date_field(_("开始日期"))
    ends_on = date_field(_("结束日期"))
    terms = _text(_("主要条款"), required=False)
    tranches = _text(
        _("拨付计划（每行：里程碑,金额,计划日期）"),
        rows=3,
        required=False,
        help_text=_("例如：项目启动,20000,2026-05-01"),
    )


class TrancheForm(BootstrapFormMixin, forms.Form):
    milestone = forms.CharField(label=_("对应里程碑"), max_length=200)
    amount = _money(_("金额（元）"))
    due_on = date_field(_("计划拨付日期"))


class DisburseForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReportForm(BootstrapFormMixin, forms.Form):
    period = forms.CharField(label=_("报告期"), max_length=40)
    narrative = _text(_("进展情况"))
    indicators = _text(
        _("指标完成情况（每行：指标,完成值）"),
        rows=3,
        required=False,
        help_text=_("例如：助餐人次,800"),
    )
    spent = forms.DecimalField(
        label=_("本期支出（元）"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
    )
    receipts = MultipleFileField(label=_("支出票据（可多选）"), required=False)


class SelfEvaluationForm(BootstrapFormMixin, forms.Form):
    score = forms.DecimalField(
        label=_("自评得分（0–100）"), min_value=0, max_value=100, decimal_places=2
    )
    report = _text(_("自评报告"), rows=4)


class ExpertEvaluationForm(BootstrapFormMixin, forms.Form):
    score = forms.DecimalField(
        label=_("专家/第三方评分（0–100）"), min_value=0, max_value=100, decimal_places=2
    )
    comment = _text(_("评估意见"), rows=3)


class ResultForm(BootstrapFormMixin, forms.Form):
    summary = _text(_("结项成果（将在门户公开）"), rows=4)


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class RefundForm(BootstrapFormMixin, forms.Form):
    amount = _money(_("退回金额（元）"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class DonationForm(BootstrapFormMixin, forms.Form):
    donor_name = forms.CharField(label=_("捐赠方/拨款单位"), max_length=120)
    amount = _money(_("金额（元）"))
    received_on = date_field(_("收款日期"))
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)


class TenderForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("招标项目"), max_length=120)
    requirements = _text(_("服务需求与要求"))
    ceiling = _money(_("最高限价（元）"))
    closes_on = date_field(_("投标截止"))


class BidForm(BootstrapFormMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("投标组织"), queryset=SocialOrganization.objects.none()
    )
    price = _money(_("报价（元）"))
    plan = _text(_("服务方案"))

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class BidScoreForm(BootstrapFormMixin, forms.Form):
    score = forms.DecimalField(
        label=_("评分（0–100）"), min_value=0, max_value=100, decimal_places=2
    )
    note = forms.CharField(label=_("评分说明"), max_length=200, required=False)


class AwardForm(BootstrapFormMixin, forms.Form):
    bid = forms.IntegerField(widget=forms.HiddenInput)
    reasons = _text(_("定标理由"), rows=2)


def review_form_class(criteria: list[Any]) -> type[forms.Form]:
    """One score field per rubric criterion, plus the conflict-of-interest declaration."""
    fields: dict[str, Any] = {
        f"score_{c.pk}": forms.DecimalField(
            label=f"{c.name}（{_('权重')} {c.weight}，{_('满分')} {c.max_score}）",
            min_value=0,
            max_value=c.max_score,
            decimal_places=2,
        )
        for c in criteria
    }
    fields["comment"] = _text(_("评审意见"), rows=3, required=False)
    fields["no_conflict"] = forms.BooleanField(
        label=_("本人声明：与申报组织不存在利益冲突"),
        required=True,
        error_messages={"required": _("评审前须声明与申报组织无利益冲突。")},
    )
    return type("ReviewForm", (BootstrapFormMixin, forms.Form), fields)


# -- parsing what was typed ---------------------------------------------------------------------------


def parse_criteria(text: str) -> list[tuple[str, int]]:
    """Lines of “名称,权重” (or 名称 权重)."""
    result: list[tuple[str, int]] = []
    for raw in (text or "").splitlines():
        line = raw.strip().replace("，", ",").replace("\t", ",")
        if not line:
            continue
        name, _sep, weight = line.rpartition(",") if "," in line else line.rpartition(" ")
        if not name.strip() or not weight.strip().isdigit() or int(weight) <= 0:
            raise ValidationError(
                {
                    "criteria": [
                        gettext("评分指标格式应为“名称,权重”，权重为正整数：%(l)s") % {"l": raw}
                    ]
                }
            )
        result.append((name.strip()[:60], int(weight)))
    if not result:
        raise ValidationError({"criteria": [gettext("请至少设置一项评分指标。")]})
    if len({n for n, _w in result}) != len(result):
        raise ValidationError({"criteria": [gettext("评分指标名称不能重复。")]})
    return result


def parse_lines(text: str, field: str, *, money_column: bool = False) -> list[tuple[str, str]]:
    """Lines of “名称,数值” for budget lines (amount) and indicators (target)."""
    rows: list[tuple[str, str]] = []
    for raw in (text or "").splitlines():
        line = raw.strip().replace("，", ",").replace("\t", ",")
        if not line:
            continue
        name, sep, value = line.rpartition(",")
        if not sep or not name.strip() or not value.strip():
            raise ValidationError({field: [gettext("每行格式应为“名称,数值”：%(l)s") % {"l": raw}]})
        if money_column:
            money(value, field)
        rows.append((name.strip(), value.strip()))
    return rows


def parse_indicators(text: str, field: str, *, key: str = "target") -> list[dict[str, str]]:
    """Indicator lines as `{"name": …, key: …}` (targets in a proposal, actuals in a report)."""
    return [{"name": n, key: v} for n, v in parse_lines(text, field)]


def parse_tranches(text: str) -> list[dict[str, Any]]:
    """Lines of “里程碑,金额,日期(YYYY-MM-DD)” of a contract's tranche plan."""
    specs = []
    for raw in (text or "").splitlines():
        line = raw.strip().replace("，", ",")
        if not line:
            continue
        parts = [x.strip() for x in line.split(",")]
        try:
            due = datetime.date.fromisoformat(parts[2]) if len(parts) == 3 else None
        except ValueError:
            due = None
        if len(parts) != 3 or due is None or not parts[0]:
            raise ValidationError(
                {
                    "tranches": [
                        gettext("拨付计划每行格式应为“里程碑,金额,日期(YYYY-MM-DD)”：%(l)s")
                        % {"l": raw}
                    ]
                }
            )
        specs.append({"milestone": parts[0], "amount": parts[1], "due_on": due})
    return specs


def criteria_scores_from(data: dict[str, Any]) -> dict[int, Any]:
    """The `score_<criterion id>` fields of a review form, by criterion id."""
    return {
        int(k.removeprefix("score_")): v
        for k, v in data.items()
        if k.startswith("score_") and k.removeprefix("score_").isdigit()
    }
