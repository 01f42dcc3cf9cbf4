from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin
from civicnest.network.models import Center, CenterLevel, CenterStaff, CenterStatus, CenterType
from civicnest.network.selectors import centers_visible_to
from civicnest.regions.codes import RegionCodeError, normalize_region_code
from civicnest.regions.models import Region


class CenterForm(BootstrapFormMixin, forms.ModelForm):
    region_code = forms.CharField(
        label=_("所在区划代码"),
        max_length=12,
        help_text=_("区县 6 位、街道 9 位、社区 12 位；市级中心填 6 位城市代码（如 420100）。"),
    )

    class Meta:
        model = Center
        fields = [
            "name",
            "center_type",
            "level",
            "region_code",
            "parent",
            "operation_mode",
            "address",
            "premises_area",
            "contact_name",
            "contact_phone",
            "email",
            "opening_hours",
            "opening_date",
            "status",
            "description",
            "premises_independent",
            "has_party_org",
            "has_board",
            "has_supervisor",
            "has_financial_rules",
            "has_personnel_rules",
            "has_procedure_rules",
        ]
        widgets = {
            "opening_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = centers_visible_to(user).order_by("region_id", "name")
        if self.instance.pk:
            self.fields["region_code"].initial = self.instance.region.gb_code
            parents = parents.exclude(pk=self.instance.pk)
        parent_field = cast(forms.ModelChoiceField, self.fields["parent"])
        parent_field.queryset = parents
        parent_field.required = False

    def clean_region_code(self) -> Region:
        raw = self.cleaned_data["region_code"]
        try:
            code = normalize_region_code(raw)
        except RegionCodeError as exc:
            raise forms.ValidationError(str(exc)) from exc
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("区划代码不存在：%(code)s") % {"code": raw})
        return region

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "region_code"}
        data["region"] = self.cleaned_data["region_code"]
        return data


class CenterFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("中心名称或地址")}),
    )
    level = forms.ChoiceField(
        label=_("层级"), required=False, choices=[("", _("全部层级")), *CenterLevel.choices]
    )
    center_type = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *CenterType.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *CenterStatus.choices]
    )
    region = forms.CharField(label=_("区划代码"), required=False)

    def clean_region(self) -> str:
        raw = self.cleaned_data.get("region", "")
        if not raw:
            return ""
        try:
            return normalize_region_code(raw)
        except RegionCodeError as exc:
            raise forms.ValidationError(str(exc)) from exc


class StaffForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CenterStaff
        fields = [
            "name",
            "position",
            "employment",
            "social_worker_level",
            "is_party_member",
            "phone",
            "joined_on",
            "annual_pay",
            "is_active",
        ]
        widgets = {"joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
