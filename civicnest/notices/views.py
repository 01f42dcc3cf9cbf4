from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.forms import apply_service_errors
from civicnest.core.masking import mask_name
from civicnest.network.selectors import centers_editable_by
from civicnest.notices import selectors, services
from civicnest.notices.forms import NoticeForm
from civicnest.regions.scoping import Scope


@login_required
def notice_list(request: AuthenticatedRequest) -> HttpResponse:
    box = "sent" if request.GET.get("box") == "sent" else "inbox"
    qs = (
        selectors.notices_sent(request.user).order_by("-created_at", "-pk")
        if box == "sent"
        else selectors.notices_received(request.user)
    )
    return render(
        request,
        "notices/list.html",
        {
            "box": box,
            "page_obj": Paginator(qs, 30).get_page(request.GET.get("page")),
            "can_send": Scope.for_user(request.user).is_staff_member,
        },
    )


@login_required
def notice_create(request: AuthenticatedRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("工作通知由管理部门和中心工作人员发送。"))
    form = NoticeForm(request.POST or None, centers=centers_editable_by(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_send(actor=request.user, data=form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已发送给 %(n)d 位接收人。") % {"n": notice.receipts.count()},
            )
            return redirect(notice)
    return render(request, "notices/form.html", {"form": form})


@login_required
def notice_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    notice, sees_receipts = selectors.access_notice_by_id(request.user, pk)
    services.notice_mark_read(actor=request.user, notice=notice)
    receipts = (
        [
            (r, mask_name(r.recipient.display_name))
            for r in notice.receipts.select_related("recipient")
        ]
        if sees_receipts
        else None
    )
    return render(
        request,
        "notices/detail.html",
        {"notice": notice, "receipts": receipts},
    )
