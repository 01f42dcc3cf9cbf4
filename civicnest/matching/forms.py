from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin, date_field
from civicnest.matching.codes import Beneficiary, Category, CostModel, Urgency
from civicnest.regions.forms import RegionPickerField
from civicnest.regions.picker import picker_prefixes
from civicnest.regions.scoping import Scope


class NeedForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(
        label=_("一句话说说需要什么"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("例如：独居老人吃饭难")}),
    )
    description = forms.CharField(
        label=_("详细情况"),
        error_messages={"required": _("请描述需求：需要什么帮助、给谁、什么时候。")},
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("谁需要帮助、需要什么、什么时候、大概多少人")}
        ),
    )
    region = RegionPickerField(label=_("所在社区"))
    beneficiaries = forms.MultipleChoiceField(
        label=_("服务对象（可不选）"),
        choices=Beneficiary.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    category = forms.ChoiceField(
        label=_("类别（不清楚可不选）"),
        choices=[("", _("不清楚")), *Category.choices],
        required=False,
    )
    people_count = forms.IntegerField(label=_("涉及人数"), min_value=1, initial=1)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: RegionPickerField = self.fields["region"]  # type: ignore[assignment]
        # Residents pick their own community; staff any community in their jurisdiction. Without a
        # user (a caller that does not pass one) the street of the remembered community is listed, the
        # search box (scoped by the request's user) finds the rest and the service checks scope.
        if user is not None:
            field.limit_to(picker_prefixes(user))
        else:
            remembered = str(self.initial.get("region") or self.data.get("region") or "")[:12]
            street = remembered[:9] if len(remembered) == 12 and remembered.isdigit() else None
            field.limit_to(("",), offer=(street,) if street else ())


class OfferingForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("服务名称"), max_length=120)
    description = forms.CharField(label=_("服务内容"), widget=forms.Textarea(attrs={"rows": 4}))
    categories = forms.MultipleChoiceField(
        label=_("服务类别"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    area_codes = forms.CharField(
        label=_("服务区域代码（多个用空格或逗号分隔）"),
        help_text=_(
            "全市填城市代码（如 420100），区 6 位、街道 9 位或社区 12 位，例如 420102 420106002"
        ),
    )
    beneficiaries = forms.MultipleChoiceField(
        label=_("服务对象"),
        choices=Beneficiary.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.IntegerField(label=_("每月服务能力（人次）"), min_value=1, initial=20)
    schedule = forms.CharField(label=_("服务时间"), max_length=200, required=False)
    cost_model = forms.ChoiceField(label=_("收费方式"), choices=CostModel.choices)

    def clean_area_codes(self) -> list[str]:
        raw = self.cleaned_data["area_codes"]
        return [c for c in raw.replace("，", " ").replace(",", " ").split() if c]


class DeclineForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("婉拒原因"), max_length=200, required=False)


class DeliverForm(BootstrapFormMixin, forms.Form):
    delivered_on = date_field(_("服务日期"), initial=timezone.localdate)
    hours = forms.DecimalField(
        label=_("服务时长（小时）"), min_value=Decimal("0.5"), decimal_places=1, initial=2
    )
    people_served = forms.IntegerField(label=_("服务人数"), min_value=1, initial=1)


class ScheduleForm(BootstrapFormMixin, forms.Form):
    day = date_field(_("计划服务日期"), initial=timezone.localdate)


class RatingForm(BootstrapFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评价"),
        coerce=int,
        choices=[(i, "★" * i) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("说说您的感受（可不填）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def initial_region(user: Any) -> str:

    codes = [g.region_code for g in Scope.for_user(user).grants if len(g.region_code) == 12]
    return codes[0] if codes else ""
