from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin
from civicnest.regions.codes import RegionCodeError, within
from civicnest.regions.models import Region
from civicnest.regions.picker import picker_regions, region_label
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


class RegionPickerWidget(forms.Select):
    """A <select> of regions grouped by their parent, with an htmx search box (name or pinyin initials).

    Without JavaScript the select alone works: options are grouped by street and labelled by name, never by code.
    """

    template_name = "regions/widgets/region_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.level = "community"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["level"] = self.level
        return context


class RegionPickerField(forms.ChoiceField):
    """Choose a region by name (grouped select + search); posts the code, cleans to the Region row.

    `limit_to(prefixes)` restricts the offer to the user's scope; a code outside it is a field error.
    """

    widget = RegionPickerWidget

    default_error_messages = {
        "unknown": _("请从列表中选择区划。"),
        "out_of_scope": _("所选区划不在您可以办理的范围内，请重新选择。"),
    }

    def __init__(self, *, level: str | tuple[str, ...] = "community", **kwargs: Any) -> None:
        super().__init__(choices=[], **kwargs)
        self.levels = (level,) if isinstance(level, str) else tuple(level)
        self.prefixes: tuple[str, ...] = ()
        self.widget.level = ",".join(self.levels)

    def limit_to(self, prefixes: tuple[str, ...], *, offer: tuple[str, ...] | None = None) -> None:
        """Accept regions under `prefixes`; list those under `offer` (default: the same prefixes)."""
        self.prefixes = prefixes
        groups: dict[str, list[tuple[str, str]]] = {}
        listed = prefixes if offer is None else offer
        for region in picker_regions(prefixes=listed, level=self.levels):
            parent = region.parent
            group = region_label(parent) if parent is not None else ""
            groups.setdefault(group, []).append((region.code, region.name))
        self.choices = [("", _("请选择")), *groups.items()]

    def to_python(self, value: Any) -> str:
        return "" if value in self.empty_values else str(value).strip()[:20]

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)

    def clean(self, value: Any) -> Region | None:
        code = super().clean(value)
        if not code:
            return None
        try:
            region = region_by_code(code)
        except RegionCodeError:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown") from None
        if region.level not in self.levels:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        if not any(within(region.code, p) for p in self.prefixes):
            raise forms.ValidationError(self.error_messages["out_of_scope"], code="out_of_scope")
        return region
