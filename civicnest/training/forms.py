from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin, date_field
from civicnest.core.uploads import IMAGE, UploadValidator
from civicnest.network.models import Center, SocialWorkerLevel
from civicnest.regions.forms import RegionCodeField
from civicnest.training.models import Course, Event, TalentKind
from civicnest.venues.models import Room


def _datetime(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CourseForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Course
        fields = ["title", "topic", "trainers", "description", "is_published"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SessionForm(BootstrapFormMixin, forms.Form):
    starts_at = _datetime(_("开始"))
    ends_at = _datetime(_("结束"))
    capacity = forms.IntegerField(label=_("名额"), min_value=1, initial=30)
    room = forms.ModelChoiceField(
        label=_("场地（将自动预约）"), queryset=Room.objects.none(), required=False
    )
    location = forms.CharField(label=_("或：其他地点"), max_length=200, required=False)

    def __init__(self, *args: Any, rooms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms  # type: ignore[attr-defined]


class FeedbackForm(BootstrapFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("满意度"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)]
    )
    comment = forms.CharField(
        label=_("意见建议"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EventForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Event
        fields = ["kind", "title", "description", "starts_at", "ends_at", "location", "capacity"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }


class EventReportForm(BootstrapFormMixin, forms.Form):
    report = forms.CharField(label=_("活动报道"), widget=forms.Textarea(attrs={"rows": 4}))


class VolunteerForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=TalentKind.choices)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=18)
    phone = forms.CharField(label=_("手机号码"), max_length=11)
    region = RegionCodeField(label=_("所在区划代码"))
    certificate_level = forms.ChoiceField(
        label=_("社工职业资格"), choices=SocialWorkerLevel.choices, required=False
    )
    skills = forms.CharField(label=_("技能特长"), max_length=300, required=False)
    availability = forms.CharField(label=_("可服务时间"), max_length=200, required=False)


class HourForm(BootstrapFormMixin, forms.Form):
    activity = forms.CharField(label=_("服务活动"), max_length=200)
    served_on = date_field(_("服务日期"), initial=timezone.localdate)
    hours = forms.DecimalField(
        label=_("时长（小时）"), min_value=Decimal("0.5"), max_value=Decimal("24"), decimal_places=1
    )


class PhotoForm(BootstrapFormMixin, forms.Form):
    image = forms.FileField(label=_("照片"), validators=[UploadValidator(IMAGE)])
    caption = forms.CharField(label=_("说明"), max_length=100, required=False)


def default_session_times() -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.localtime().replace(
        hour=14, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=7)
    return start, start + datetime.timedelta(hours=2)


class PlacementForm(BootstrapFormMixin, forms.Form):
    center = forms.ModelChoiceField(label=_("实践基地（中心）"), queryset=Center.objects.none())
    starts_on = date_field(_("开始"))
    ends_on = date_field(_("结束"))
    hours = forms.DecimalField(
        label=_("实践时数"), min_value=Decimal("0"), decimal_places=1, initial=0
    )
    supervisor = forms.CharField(label=_("督导"), max_length=50, required=False)

    def __init__(self, *args: Any, centers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data
