from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin
from civicnest.disclosure.models import Announcement, AnnouncementKind, CenterDisclosure
from civicnest.network.models import Center


class AnnouncementForm(BootstrapFormMixin, forms.ModelForm):
    center = forms.ModelChoiceField(
        label=_("发布中心"),
        queryset=Center.objects.none(),
        required=False,
        help_text=_("留空则以民政部门名义发布（仅民政局工作人员）"),
    )

    class Meta:
        model = Announcement
        fields = ("kind", "title", "summary", "body", "document_number", "center")
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args: Any, centers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers  # type: ignore[attr-defined]
        self.fields["kind"].initial = AnnouncementKind.NOTICE
        if self.instance.pk:
            self.fields["center"].disabled = True  # the publisher does not change afterwards


class PublishForm(BootstrapFormMixin, forms.Form):
    publish_at = forms.DateTimeField(
        label=_("定时发布"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("留空则立即发布"),
    )


class WithdrawForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200)


class AttachmentForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("附件"), help_text=_("PDF、Word、Excel 或图片，不超过 20 MB"))


class DisclosureForm(BootstrapFormMixin, forms.ModelForm):
    report_file = forms.FileField(label=_("年度报告文件"), required=False)

    class Meta:
        model = CenterDisclosure
        fields = (
            "year",
            "governance",
            "work_report",
            "income",
            "government_funding",
            "expenditure",
        )
        widgets = {
            "governance": forms.Textarea(attrs={"rows": 3}),
            "work_report": forms.Textarea(attrs={"rows": 5}),
        }

    def validate_unique(self) -> None:
        """The service updates the year's disclosure if it exists: no uniqueness error here."""
