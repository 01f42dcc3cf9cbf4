from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from civicnest.core.exceptions import ApplicationError


class BootstrapFormMixin:
    """Adds Bootstrap classes to widgets, and `is-invalid` to fields that failed validation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            _label_blank_choice(field)
            widget = field.widget
            if isinstance(
                widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


BLANK_LABEL = _("请选择")


def _label_blank_choice(field: forms.Field) -> None:
    """Replace Django's "---------" with a Chinese prompt."""
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label is not None:
            field.empty_label = BLANK_LABEL
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)  # type: ignore[arg-type]
        if choices and choices[0][0] == "" and choices[0][1] == "---------":
            field.choices = [("", BLANK_LABEL), *choices[1:]]


def apply_service_errors(form: forms.BaseForm, exc: ValidationError | ApplicationError) -> None:
    """Show a service's refusal on the form: field errors on their fields, the rest on top."""
    if isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


def date_field(label: Any, **kwargs: Any) -> forms.DateField:
    """A date input the browser shows as a date picker (ISO value, so any locale reads it back)."""
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs
    )
