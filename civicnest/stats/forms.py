from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period, PeriodError
from civicnest.regions.models import Region
from civicnest.regions.scoping import Scope


class ReportRequestForm(forms.Form):
    region = forms.CharField(label=_("区划代码"), max_length=12)
    period_key = forms.CharField(
        label=_("统计期"),
        max_length=7,
        help_text=_("2026-11（月报）、2026-Q4（季报）或 2026（年报）"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_region(self) -> Region:
        code = self.cleaned_data["region"].strip()
        region = Region.objects.filter(code=code).first()
        if region is None or not Scope.for_user(self.user).covers(code):
            raise forms.ValidationError(_("区划代码不存在或不在您的管辖范围内。"))
        return region

    def clean_period_key(self) -> str:
        try:
            return Period.parse(self.cleaned_data["period_key"]).key
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc
