from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin


class RegionCreateForm(BootstrapFormMixin, forms.Form):
    parent_code = forms.CharField(label=_("上级区划代码"), max_length=12)
    code = forms.CharField(
        label=_("区划代码"),
        max_length=12,
        help_text=_("区县 6 位、街道 9 位、社区 12 位，须以上级代码开头。"),
    )
    name = forms.CharField(label=_("名称"), max_length=100)
