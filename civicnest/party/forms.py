from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin, date_field
from civicnest.party.models import (
    ActivityKind,
    PartyActivity,
    PartyGuide,
    PartyOrganization,
    PartyOrgKind,
)
from civicnest.regions.models import Region


class PartyOrgForm(BootstrapFormMixin, forms.ModelForm):
    founded_on = date_field(_("成立日期"))

    class Meta:
        model = PartyOrganization
        fields = (
            "kind",
            "name",
            "organization",
            "center",
            "covered_organizations",
            "secretary_name",
            "member_count",
            "founded_on",
            "superior",
        )
        widgets = {"covered_organizations": forms.SelectMultiple(attrs={"size": 6})}
        help_texts = {
            "organization": _("党组织建在社会组织的，选择该组织"),
            "center": _("党组织建在服务中心的，选择该中心"),
            "covered_organizations": _("仅联合党支部填写：按住 Ctrl 可多选"),
        }

    def __init__(self, *args: Any, organizations: Any, centers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["center"].queryset = centers  # type: ignore[attr-defined]
        self.fields["covered_organizations"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["kind"].initial = PartyOrgKind.INDEPENDENT
        if self.instance.pk:  # the host does not change afterwards
            self.fields["organization"].disabled = True
            self.fields["center"].disabled = True

    def validate_unique(self) -> None:
        """The service reports duplicates in Chinese with the organization's name."""

    def _post_clean(self) -> None:
        """Model validation (constraints included) is the service's: it reports every refusal in
        Chinese on its field, and the form keeps what was typed."""


class DissolveForm(BootstrapFormMixin, forms.Form):
    dissolved_on = date_field(_("撤销日期"))


class GuideForm(BootstrapFormMixin, forms.ModelForm):
    region = forms.ModelChoiceField(label=_("派驻街道"), queryset=Region.objects.none())
    starts_on = date_field(_("派驻日期"))
    ends_on = date_field(_("结束日期"), required=False, help_text=_("在岗的留空"))

    class Meta:
        model = PartyGuide
        fields = ("name", "phone", "affiliation", "region", "organizations", "starts_on", "ends_on")
        widgets = {"organizations": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args: Any, streets: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = streets  # type: ignore[attr-defined]
        self.fields["organizations"].queryset = organizations  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["region"].disabled = True

    def _post_clean(self) -> None:
        """Validation is the service's (see PartyOrgForm)."""


class ActivityForm(BootstrapFormMixin, forms.ModelForm):
    held_on = date_field(_("活动日期"))

    class Meta:
        model = PartyActivity
        fields = ("kind", "held_on", "topic", "attendance", "attendees", "summary")
        widgets = {
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = ActivityKind.THEME_DAY

    def _post_clean(self) -> None:
        """Validation is the service's (see PartyOrgForm)."""


class PartyOrgFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("名称"), required=False)
    kind = forms.ChoiceField(
        label=_("组织形式"), required=False, choices=[("", _("全部")), *PartyOrgKind.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("active", _("在册")), ("dissolved", _("已撤销"))],
    )
