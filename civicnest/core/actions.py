"""The shape shared by the small action forms on detail pages: validate, call the service, report, go back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from civicnest.core.exceptions import ApplicationError


def post_form_action(
    request: HttpRequest,
    *,
    form: forms.Form,
    call: Callable[[dict[str, Any]], Any],
    success: str,
    back_to: Any,
) -> HttpResponse:
    """Run `call(cleaned_data)` if the form is valid; every refusal becomes a Chinese message on the page."""
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = "；".join(str(e) for e in errors)
            messages.error(request, f"{label}：{text}" if label else text)
        return redirect(back_to)
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(back_to)


def safe_next(request: HttpRequest, default: Any) -> Any:
    """Where to go back after a POST: the form's `next` when it is a path on this site, else `default`
    (a `next` pointing at another host would make the page an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
