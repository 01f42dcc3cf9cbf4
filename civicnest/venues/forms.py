from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin
from civicnest.core.uploads import IMAGE, UploadValidator
from civicnest.regions.codes import RegionCodeError, normalize_region_code
from civicnest.venues.models import Room


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs
    )


def _time(label: Any, **kwargs: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        widget=forms.TimeInput(attrs={"type": "time", "step": 1800}, format="%H:%M"),
        **kwargs,
    )


class RoomForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Room
        fields = [
            "name",
            "area",
            "capacity",
            "equipment",
            "opens_at",
            "closes_at",
            "open_weekdays",
            "open_to",
            "requires_approval",
            "is_active",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class BookingForm(BootstrapFormMixin, forms.Form):
    day = _date(_("日期"))
    start_time = _time(_("开始"))
    end_time = _time(_("结束"))
    purpose = forms.CharField(label=_("用途"), max_length=200)
    attendance = forms.IntegerField(label=_("预计人数"), min_value=1, initial=10)
    weeks = forms.IntegerField(
        label=_("每周重复（周数，1 表示只订一次）"), min_value=1, max_value=26, initial=1
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("day") and data.get("start_time") and data.get("end_time"):
            tz = timezone.get_current_timezone()
            data["start"] = datetime.datetime.combine(data["day"], data["start_time"], tzinfo=tz)
            data["end"] = datetime.datetime.combine(data["day"], data["end_time"], tzinfo=tz)
            if data["end"] <= data["start"]:
                self.add_error("end_time", _("结束时间必须晚于开始时间。"))
        return data


class FreeSlotForm(BootstrapFormMixin, forms.Form):
    region = forms.CharField(label=_("区域（区/街道代码）"), max_length=12, initial="420106")
    day = _date(_("日期"))
    start_time = _time(_("从"), initial=datetime.time(14, 0))
    end_time = _time(_("到"), initial=datetime.time(17, 0))
    min_capacity = forms.IntegerField(label=_("人数"), min_value=1, initial=30)

    def clean_region(self) -> str:
        try:
            return normalize_region_code(self.cleaned_data["region"])
        except RegionCodeError as exc:
            raise forms.ValidationError(str(exc)) from exc


class DecisionForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("意见"), max_length=200, required=False)


class PhotoForm(BootstrapFormMixin, forms.Form):
    image = forms.FileField(label=_("照片"), validators=[UploadValidator(IMAGE)])
    caption = forms.CharField(label=_("说明"), max_length=100, required=False)
