from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin
from civicnest.regions.codes import RegionCodeError
from civicnest.regions.models import Region
from civicnest.regions.selectors import region_by_code


class RegionCreateForm(BootstrapFormMixin, forms.Form):
    parent_code = forms.CharField(label=_("上级区划代码"), max_length=12)
    code = forms.CharField(
        label=_("区划代码"),
        max_length=12,
        help_text=_("区县 6 位、街道 9 位、社区 12 位，须以上级代码开头。"),
    )
    name = forms.CharField(label=_("名称"), max_length=100)


class RegionCodeField(forms.CharField):
    """A region typed as its code (6/9/12 digits); cleans to the Region row."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("help_text", _("区 6 位、街道 9 位、社区 12 位代码，例如 420102002003。"))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Region | None:
        raw = super().clean(value)
        if not raw:
            return None
        try:
            return region_by_code(raw)
        except RegionCodeError as exc:
            raise forms.ValidationError(str(exc)) from exc
