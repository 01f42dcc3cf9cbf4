from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin
from civicnest.core.uploads import ARCHIVE, SPREADSHEET, UploadValidator
from civicnest.network.selectors import centers_visible_to
from civicnest.regions.codes import RegionCodeError, normalize_region_code
from civicnest.regions.forms import RegionCodeField, RegionPickerField
from civicnest.regions.picker import picker_prefixes
from civicnest.registry.models import (
    ActivityTeam,
    AnnualReport,
    Category,
    CreditKind,
    DocType,
    FilingStatus,
    Grade,
    InspectionResult,
    OrgStatus,
    OrgType,
    SocialOrganization,
    Stage,
    TeamKind,
)
from civicnest.registry.services import ORG_SELF_FIELDS


def _with_blank(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class OrganizationForm(BootstrapFormMixin, forms.ModelForm):
    region = RegionPickerField(label=_("所在区划"), level=("district", "street", "community"))

    class Meta:
        model = SocialOrganization
        fields = [
            "name",
            "uscc",
            "org_type",
            "legal_representative",
            "registration_authority",
            "registered_on",
            "region",
            "center",
            "category",
            "stage",
            "staff_count",
            "volunteer_count",
            "party_member_count",
            "has_party_org",
            "contact_name",
            "contact_phone",
            "address",
            "description",
        ]
        widgets = {
            "registered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, self_service: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["region"] = self.instance.region_id
        region_field = self.fields.get("region")
        if isinstance(region_field, RegionPickerField):
            # A staff form: only regions in the user's jurisdiction are offered and accepted.
            region_field.limit_to(picker_prefixes(user, staff_only=True))
        center_field = cast(forms.ModelChoiceField, self.fields["center"])
        center_field.queryset = centers_visible_to(user).order_by("region_id", "name")
        if self_service:  # an organization edits only its own profile fields
            for name in list(self.fields):
                if name not in ORG_SELF_FIELDS:
                    del self.fields[name]


class OrganizationFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("名称/拼音首字母/代码"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("名称、拼音首字母（如 hxsg）或信用代码")}),
    )
    org_type = forms.ChoiceField(
        label=_("类型"), required=False, choices=_with_blank(_("全部类型"), OrgType.choices)
    )
    category = forms.ChoiceField(
        label=_("领域"), required=False, choices=_with_blank(_("全部领域"), Category.choices)
    )
    stage = forms.ChoiceField(
        label=_("阶段"), required=False, choices=_with_blank(_("全部阶段"), Stage.choices)
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_with_blank(_("全部状态"), OrgStatus.choices)
    )
    grade = forms.ChoiceField(
        label=_("等级"),
        required=False,
        choices=_with_blank(_("全部等级"), [c for c in Grade.choices if c[0]]),
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


class CreditForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=CreditKind.choices)
    occurred_on = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 2}))


class TeamForm(BootstrapFormMixin, forms.ModelForm):
    region = RegionCodeField(label=_("所在社区/街道代码"))

    class Meta:
        model = ActivityTeam
        fields = [
            "name",
            "kind",
            "category",
            "region",
            "responsible_person",
            "contact_phone",
            "venue",
            "member_count",
            "funds",
            "activity_area",
            "charter",
        ]
        widgets = {"charter": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["region"] = self.instance.region_id


class TeamFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("名称"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_with_blank(_("全部状态"), FilingStatus.choices)
    )
    kind = forms.ChoiceField(
        label=_("类别"), required=False, choices=_with_blank(_("全部类别"), TeamKind.choices)
    )


class TeamReviewForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("退回原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class GuidanceForm(BootstrapFormMixin, forms.Form):
    target_type = forms.ChoiceField(label=_("拟登记类型"), choices=OrgType.choices)
    given_on = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    notes = forms.CharField(label=_("指导内容"), widget=forms.Textarea(attrs={"rows": 3}))


class AnnualReportForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = [
            "year",
            "activities",
            "income",
            "expenses",
            "net_assets",
            "staff_count",
            "member_count",
        ]
        widgets = {"activities": forms.Textarea(attrs={"rows": 4})}


class AnnualReportReviewForm(BootstrapFormMixin, forms.Form):
    result = forms.ChoiceField(label=_("检查结论"), choices=InspectionResult.choices)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConsultingForm(BootstrapFormMixin, forms.Form):
    held_on = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    topic = forms.CharField(label=_("咨询事项"), max_length=200)
    notes = forms.CharField(
        label=_("记录"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ArchiveUploadForm(BootstrapFormMixin, forms.Form):
    doc_type = forms.ChoiceField(label=_("档案类别"), choices=DocType.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、Word、Excel 或图片，不超过 20 MB。"),
        validators=[UploadValidator(ARCHIVE)],
    )


class ImportForm(BootstrapFormMixin, forms.Form):
    MODE_ALL = "all"
    MODE_VALID = "valid"
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"), validators=[UploadValidator(SPREADSHEET)]
    )
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=[
            (MODE_ALL, _("全部正确才导入（任何一行有错则不导入）")),
            (MODE_VALID, _("只导入正确的行")),
        ],
        initial=MODE_ALL,
        widget=forms.RadioSelect,
    )
