from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin
from civicnest.network.models import Center
from civicnest.notices.models import Audience


class NoticeForm(BootstrapFormMixin, forms.Form):
    center = forms.ModelChoiceField(
        label=_("以中心名义发送"),
        queryset=Center.objects.none(),
        required=False,
        help_text=_("中心只能向其服务的社会组织发送；留空则以民政部门名义发送到辖区"),
    )
    audience = forms.ChoiceField(label=_("接收对象"), choices=Audience.choices)
    title = forms.CharField(label=_("标题"), max_length=150)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 6}))
    reply_by = forms.DateField(
        label=_("办理期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, centers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers  # type: ignore[attr-defined]
