from __future__ import annotations

import calendar
import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.views import serve_stored_file
from civicnest.network.selectors import access_center_by_id
from civicnest.regions.caching import cached_fragment, fragment_context
from civicnest.registry.selectors import own_organizations
from civicnest.venues import permissions, selectors, services
from civicnest.venues.forms import BookingForm, DecisionForm, FreeSlotForm, PhotoForm, RoomForm
from civicnest.venues.models import Booking, BookingStatus, Room

WEEKDAYS = [
    _lazy("周一"),
    _lazy("周二"),
    _lazy("周三"),
    _lazy("周四"),
    _lazy("周五"),
    _lazy("周六"),
    _lazy("周日"),
]


# Calendar and usage pages browse these years; a date outside them (9999-12-31, 0001-01-01) falls back to today
# instead of overflowing the date arithmetic of the grid.
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)


def _parse_day(raw: str | None) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(raw or "")
    except ValueError:
        return timezone.localdate()
    return day if FIRST_DAY <= day <= LAST_DAY else timezone.localdate()


def _aware(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _label(booking: Any, user: Any, staff_view: bool) -> str:
    """Staff and the booker see what a booking is for; everyone else only sees that the slot is taken."""
    if staff_view or booking.booked_by_id == user.pk:
        who = booking.organization.name if booking.organization else booking.booked_by.display_name
        return f"{booking.purpose} · {who}"
    return _("已预约")


def _calendar(
    room: Room, user: Any, view: str, day: datetime.date, staff_view: bool
) -> dict[str, Any]:
    if view == "month":
        first = day.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        grid_start = first - datetime.timedelta(days=first.weekday())
        grid_end = last + datetime.timedelta(days=6 - last.weekday())
    else:
        grid_start = day - datetime.timedelta(days=day.weekday())
        grid_end = grid_start + datetime.timedelta(days=6)
        first, last = grid_start, grid_end
    bookings = list(
        selectors.busy_slots(
            room=room, start=_aware(grid_start), end=_aware(grid_end + datetime.timedelta(days=1))
        )
    )
    days = []
    for i in range((grid_end - grid_start).days + 1):
        d = grid_start + datetime.timedelta(days=i)
        entries = [
            {
                "start": timezone.localtime(b.start),
                "end": timezone.localtime(b.end),
                "label": _label(b, user, staff_view),
                "pending": b.status == BookingStatus.PENDING,
            }
            for b in bookings
            if timezone.localtime(b.start).date() == d
        ]
        days.append(
            {
                "date": d,
                "weekday": WEEKDAYS[d.weekday()],
                "entries": entries,
                "in_month": first <= d <= last,
                "open": str(d.isoweekday()) in room.open_weekdays,
                "today": d == timezone.localdate(),
            }
        )
    if view == "month":  # the first day of the previous and of the next month
        prev, following = (
            (first - datetime.timedelta(days=1)).replace(day=1),
            last + datetime.timedelta(days=1),
        )
    else:
        prev, following = first - datetime.timedelta(days=7), first + datetime.timedelta(days=7)
    return {
        "view": view,
        "days": days,
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "first": first,
        "last": last,
        "prev": prev.isoformat(),
        "next": following.isoformat(),
    }


@login_required
def room_list_view(request: AuthenticatedRequest) -> HttpResponse:
    form = FreeSlotForm(request.GET or None)
    free: list[Room] | None = None
    if request.GET and form.is_valid():
        tz = timezone.get_current_timezone()
        data = form.cleaned_data
        free = selectors.free_rooms(
            region=data["region"],
            start=datetime.datetime.combine(data["day"], data["start_time"], tzinfo=tz),
            end=datetime.datetime.combine(data["day"], data["end_time"], tzinfo=tz),
            min_capacity=data["min_capacity"],
        )
    return render(
        request,
        "venues/room_list.html",
        {
            "form": form,
            "free": free,
            "room_table": cached_fragment(
                name="rooms",
                request=request,
                models=[Room],
                shared=True,
                vary=(),  # the table does not depend on the free-slot search
                render=lambda: render_to_string(
                    "venues/_room_table.html",
                    {"rooms": selectors.room_list(user=request.user)[:200]},
                ),
            ),
        },
    )


@login_required
def room_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    room = selectors.access_room_by_id(request.user, pk)
    staff_view = permissions.can_manage_room(request.user, room)
    day = _parse_day(request.GET.get("date"))
    form = BookingForm(request.POST or None, initial={"day": day})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        orgs = list(own_organizations(user=request.user)[:1])
        try:
            if data["weeks"] > 1:
                made = services.booking_series_create(
                    actor=request.user,
                    room=room,
                    start=data["start"],
                    end=data["end"],
                    weeks=data["weeks"],
                    purpose=data["purpose"],
                    attendance=data["attendance"],
                    organization=orgs[0] if orgs else None,
                )
                messages.success(request, _("已预约 %(n)d 次。") % {"n": len(made)})
            else:
                booking = services.booking_create(
                    actor=request.user,
                    room=room,
                    start=data["start"],
                    end=data["end"],
                    purpose=data["purpose"],
                    attendance=data["attendance"],
                    organization=orgs[0] if orgs else None,
                )
                messages.success(
                    request,
                    _("预约已提交，等待审批。")
                    if booking.status == BookingStatus.PENDING
                    else _("预约成功。"),
                )
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(f"{room.get_absolute_url()}?date={data['day'].isoformat()}")
    view = "month" if request.GET.get("view") == "month" else "week"
    return render(
        request,
        "venues/room_detail.html",
        {
            "room": room,
            "form": form,
            "can_book": permissions.can_book(request.user, room),
            "staff_view": staff_view,
            "cal": _calendar(room, request.user, view, day, staff_view),
            "photos": room.photos.all(),
            "photo_form": PhotoForm(),
            "weekday_names": services.weekday_names(room.open_weekdays),
        },
    )


@login_required
def center_calendar_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    center = selectors.access_center_with_rooms(request.user, pk)
    day = _parse_day(request.GET.get("date"))
    staff_view = permissions.can_manage_room(
        request.user, Room(center=center, region_id=center.region_id)
    )
    rooms = list(selectors.rooms_visible_to(request.user).filter(center=center).order_by("name"))
    rows = [
        {"room": room, "cal": _calendar(room, request.user, "week", day, staff_view)}
        for room in rooms
    ]
    week_start = day - datetime.timedelta(days=day.weekday())
    return render(
        request,
        "venues/center_calendar.html",
        {
            "center": center,
            "rows": rows,
            "week_days": [(week_start + datetime.timedelta(days=i), WEEKDAYS[i]) for i in range(7)],
            "prev": (week_start - datetime.timedelta(days=7)).isoformat(),
            "next": (week_start + datetime.timedelta(days=7)).isoformat(),
            "can_manage": staff_view,
        },
    )


@login_required
def room_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    center = access_center_by_id(request.user, pk)
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room = services.room_create(actor=request.user, center=center, data=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已添加场地。"))
            return redirect(room)
    elif not permissions.can_manage_room(
        request.user, Room(center=center, region_id=center.region_id)
    ):
        raise PermissionDenied(_("您无权管理该中心的场地。"))
    return render(request, "venues/room_form.html", {"form": form, "center": center, "room": None})


@login_required
def room_edit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    room = selectors.access_room_by_id(request.user, pk)
    if not permissions.can_manage_room(request.user, room):
        raise PermissionDenied(_("您无权管理该场地。"))
    form = RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid():
        try:
            services.room_update(
                actor=request.user,
                room=selectors.access_room_by_id(request.user, pk),
                data=form.cleaned_data,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(room)
    return render(
        request, "venues/room_form.html", {"form": form, "center": room.center, "room": room}
    )


@login_required
@require_POST
def room_photo_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    room = selectors.access_room_by_id(request.user, pk)
    return post_form_action(
        request,
        form=PhotoForm(request.POST, request.FILES),
        back_to=room,
        success=_("已上传照片。"),
        call=lambda d: services.room_photo_add(
            actor=request.user, room=room, upload=d["image"], caption=d["caption"]
        ),
    )


@login_required
def room_photo_view(request: AuthenticatedRequest, pk: int) -> FileResponse:
    photo = selectors.access_room_photo_by_id(request.user, pk)
    return serve_stored_file(photo.image)


PENDING_SHOWN = 50


@login_required
def booking_list_view(request: AuthenticatedRequest) -> HttpResponse:
    """The approval queue and the user's own bookings: two cached fragments (the queue shared by users
    with the same grants, the own bookings per user), with this request's CSRF token in their forms."""
    user = request.user

    def pending() -> str:
        # The next PENDING_SHOWN undecided bookings that have not ended (a district's whole history of
        # pending requests would make the page grow with the city).
        waiting = list(
            selectors.bookings_visible_to(user)
            .filter(status=BookingStatus.PENDING, end__gte=timezone.now())
            .select_related("room__center", "booked_by")
            .order_by("start", "pk")[: PENDING_SHOWN + 1]
        )
        shown = [b for b in waiting[:PENDING_SHOWN] if permissions.can_manage_room(user, b.room)]
        return render_to_string(
            "venues/_pending_bookings.html",
            fragment_context(pending=shown, more_pending=len(waiting) > PENDING_SHOWN),
        )

    def mine() -> str:
        own = (
            selectors.bookings_visible_to(user)
            .filter(booked_by_id=user.pk)
            .select_related("room__center")
        )
        now = timezone.now()
        return render_to_string(
            "venues/_my_bookings.html",
            fragment_context(
                upcoming=own.filter(end__gte=now).order_by("start")[:100],
                past=own.filter(end__lt=now).order_by("-start")[:30],
            ),
        )

    models = [Booking, Room]
    return render(
        request,
        "venues/booking_list.html",
        {
            "pending": cached_fragment(
                name="bookings-pending",
                request=request,
                models=models,
                vary=(),
                render=pending,
                shared=True,
            ),
            "mine": cached_fragment(
                name="bookings-mine",
                request=request,
                models=models,
                vary=(),
                render=mine,
            ),
        },
    )


@login_required
@require_POST
def booking_decide_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    booking = selectors.access_booking_by_id(request.user, pk)
    approve = request.POST.get("approve") == "1"
    return post_form_action(
        request,
        form=DecisionForm(request.POST),
        back_to="venues:booking-list",
        success=_("已审批。"),
        call=lambda d: services.booking_decide(
            actor=request.user, booking=booking, approve=approve, note=d["note"]
        ),
    )


@login_required
@require_POST
def booking_cancel_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    booking = selectors.access_booking_by_id(request.user, pk)
    return post_form_action(
        request,
        form=DecisionForm(request.POST),
        back_to="venues:booking-list",
        success=_("已取消预约。"),
        call=lambda d: services.booking_cancel(
            actor=request.user, booking=booking, reason=d["note"]
        ),
    )


@login_required
def usage_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    center = access_center_by_id(request.user, pk)
    if not permissions.can_manage_room(
        request.user, Room(center=center, region_id=center.region_id)
    ):
        raise PermissionDenied(_("只有中心工作人员和民政局可以查看使用统计。"))
    today = timezone.localdate()
    first = _parse_day(request.GET.get("first") or today.replace(day=1).isoformat())
    last = _parse_day(request.GET.get("last") or today.isoformat())
    if last < first:
        first, last = last, first
    usage, by_whom = selectors.usage_for_center(center=center, first=first, last=last)
    return render(
        request,
        "venues/usage.html",
        {"center": center, "usage": usage, "by_whom": by_whom[:20], "first": first, "last": last},
    )
