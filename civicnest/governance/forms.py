from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin, date_field
from civicnest.governance.models import Participant, ResolutionStatus
from civicnest.governance.services import default_collect_until
from civicnest.network.models import Center
from civicnest.regions.forms import RegionCodeField


class TopicForm(BootstrapFormMixin, forms.Form):
    center = forms.ModelChoiceField(label=_("发起中心"), queryset=Center.objects.none())
    title = forms.CharField(
        label=_("议题"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("例如：老旧小区加装电梯")}),
    )
    background = forms.CharField(label=_("背景"), widget=forms.Textarea(attrs={"rows": 4}))
    region = RegionCodeField(label=_("涉及区域代码"))
    participants = forms.MultipleChoiceField(
        label=_("参与对象"),
        choices=Participant.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Participant.RESIDENTS, Participant.ORGANIZATIONS, Participant.COMMITTEE],
    )
    collect_until = date_field(_("意见征集截止"), initial=default_collect_until)

    def __init__(self, *args: Any, centers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers  # type: ignore[attr-defined]
        if len(centers) == 1:
            self.fields["center"].initial = centers[0]


class OpinionForm(BootstrapFormMixin, forms.Form):
    body = forms.CharField(
        label=_("我的意见"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("说说您的看法和建议")}),
        error_messages={"required": _("请写下您的意见。")},
    )


class HideForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("屏蔽原因"), max_length=200)


class MeetingForm(BootstrapFormMixin, forms.Form):
    held_at = forms.DateTimeField(
        label=_("时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label=_("地点"), max_length=200)
    participants = forms.CharField(
        label=_("参会人员（社区、社会组织、社工）"), widget=forms.Textarea(attrs={"rows": 2})
    )
    agenda = forms.CharField(label=_("议程"), widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(
        label=_("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResolutionForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("决议内容"), widget=forms.Textarea(attrs={"rows": 2}))
    votes_for = forms.IntegerField(label=_("赞成"), min_value=0, initial=0)
    votes_against = forms.IntegerField(label=_("反对"), min_value=0, initial=0)
    votes_abstain = forms.IntegerField(label=_("弃权"), min_value=0, initial=0)
    owner = forms.CharField(label=_("落实责任方"), max_length=120)
    due_on = date_field(_("完成时限"))


class ProgressForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=ResolutionStatus.choices)
    note = forms.CharField(label=_("进展"), widget=forms.Textarea(attrs={"rows": 2}))
