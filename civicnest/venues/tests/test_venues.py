from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.network.models import Center
from civicnest.registry.tests.factories import OrganizationFactory
from civicnest.venues import selectors, services
from civicnest.venues.models import Booking, BookingStatus, Room
from civicnest.venues.tests.factories import RoomFactory

TZ = timezone.get_current_timezone()


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A time `days` ahead at hour:minute, on a weekday so default rooms are open."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def next_saturday(hour: int) -> datetime.datetime:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


@pytest.fixture
def room(jiangan_center: Center) -> Room:
    return RoomFactory.create(center=jiangan_center, name="一楼多功能厅", capacity=40)


@pytest.fixture
def org_rep(make_user: Callable[..., User]) -> User:
    user = make_user(username="org_booker")
    RoleAssignment.objects.create(
        user=user,
        role=Role.ORG_REP,
        region_id="420106",
        organization=OrganizationFactory.create(region_id="420106"),
    )
    return user


@pytest.mark.django_db
def test_booking_and_overlap_refusal(org_rep: User, room: Room) -> None:
    first = services.booking_create(
        actor=org_rep,
        room=room,
        start=at(3, 14),
        end=at(3, 16),
        purpose="志愿者培训",
        attendance=30,
    )
    assert first.status == BookingStatus.CONFIRMED
    with pytest.raises(ConflictError, match="14:00–16:00"):
        services.booking_create(
            actor=org_rep, room=room, start=at(3, 15), end=at(3, 17), purpose="重叠", attendance=5
        )
    services.booking_create(
        actor=org_rep, room=room, start=at(3, 16), end=at(3, 18), purpose="紧接着", attendance=5
    )  # touching is fine
    assert Booking.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "attendance", "field", "message"),
    [
        (lambda: at(3, 20), lambda: at(3, 22), 5, "start", "开放时间"),
        (lambda: at(3, 10), lambda: at(3, 9), 5, "end", "晚于"),
        (lambda: at(3, 9), lambda: at(3, 11), 41, "attendance", "超过场地容量"),
        (lambda: at(-1, 9), lambda: at(-1, 11), 5, "start", "已过"),
    ],
)
def test_bad_booking_input(
    org_rep: User, room: Room, start, end, attendance: int, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.booking_create(
            actor=org_rep,
            room=room,
            start=start(),
            end=end(),
            purpose="测试",
            attendance=attendance,
        )
    assert message in " ".join(exc.value.message_dict[field])
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_recurring_booking_with_one_conflict_books_nothing_and_names_it(
    org_rep: User, jiangan_staff: User, room: Room
) -> None:
    services.booking_create(
        actor=jiangan_staff, room=room, start=at(17, 9), end=at(17, 11), purpose="中心例会"
    )
    with pytest.raises(ConflictError) as exc:
        services.booking_series_create(
            actor=org_rep, room=room, start=at(3, 9), end=at(3, 10), weeks=4, purpose="每周合唱排练"
        )
    assert "第 3 次" in exc.value.message
    assert len(exc.value.extra["conflicts"]) == 1
    assert Booking.objects.count() == 1  # nothing half-booked
    made = services.booking_series_create(
        actor=org_rep, room=room, start=at(3, 14), end=at(3, 15), weeks=4, purpose="每周合唱排练"
    )
    assert len(made) == 4
    assert len({b.series for b in made}) == 1


@pytest.mark.django_db
def test_approval_flow(org_rep: User, jiangan_staff: User, jiangan_center: Center) -> None:
    room = RoomFactory.create(center=jiangan_center, requires_approval=True)
    pending = services.booking_create(
        actor=org_rep, room=room, start=at(4, 9), end=at(4, 11), purpose="公益沙龙"
    )
    assert pending.status == BookingStatus.PENDING
    other = services.booking_create(
        actor=org_rep, room=room, start=at(4, 10), end=at(4, 12), purpose="同时段另一申请"
    )
    with pytest.raises(PermissionDenied):
        services.booking_decide(actor=org_rep, booking=pending, approve=True)
    services.booking_decide(actor=jiangan_staff, booking=pending, approve=True)
    with pytest.raises(ConflictError):
        services.booking_decide(actor=jiangan_staff, booking=other, approve=True)
    services.booking_decide(actor=jiangan_staff, booking=other, approve=False, note="时段已被占用")
    assert Booking.objects.get(pk=other.pk).status == BookingStatus.REJECTED


@pytest.mark.django_db
def test_cancellation_frees_the_slot(
    org_rep: User, make_user: Callable[..., User], room: Room
) -> None:
    booking = services.booking_create(
        actor=org_rep, room=room, start=at(5, 9), end=at(5, 11), purpose="讲座"
    )
    stranger = make_user(Role.RESIDENT, "420106")
    with pytest.raises(PermissionDenied):
        services.booking_cancel(actor=stranger, booking=booking)
    services.booking_cancel(actor=org_rep, booking=booking, reason="改期")
    with pytest.raises(ApplicationError):
        services.booking_cancel(actor=org_rep, booking=booking)
    services.booking_create(
        actor=stranger, room=room, start=at(5, 9), end=at(5, 11), purpose="居民议事"
    )


@pytest.mark.django_db
def test_staff_only_rooms(make_user: Callable[..., User], jiangan_center: Center) -> None:
    room = RoomFactory.create(center=jiangan_center, open_to="staff")
    resident = make_user(Role.RESIDENT, "420102")
    with pytest.raises(PermissionDenied):
        services.booking_create(
            actor=resident, room=room, start=at(3, 9), end=at(3, 10), purpose="x"
        )
    assert room not in selectors.rooms_visible_to(resident)


@pytest.mark.django_db
def test_free_slot_search(org_rep: User, jiangan_center: Center, wuchang_center: Center) -> None:
    big = RoomFactory.create(center=wuchang_center, name="武昌报告厅", capacity=80)
    small = RoomFactory.create(center=wuchang_center, name="武昌小会议室", capacity=12)
    weekday_only = RoomFactory.create(
        center=wuchang_center, name="武昌工作日活动室", capacity=50, open_weekdays="12345"
    )
    RoomFactory.create(center=jiangan_center, name="江岸大厅", capacity=100)
    start, end = next_saturday(14), next_saturday(17)
    assert selectors.free_rooms(region="420106", start=start, end=end, min_capacity=30) == [big]
    services.booking_create(
        actor=org_rep, room=big, start=next_saturday(15), end=next_saturday(16), purpose="占用"
    )
    assert selectors.free_rooms(region="420106", start=start, end=end, min_capacity=30) == []
    assert small in selectors.free_rooms(region="420106", start=start, end=end, min_capacity=10)
    assert weekday_only not in selectors.free_rooms(
        region="420106", start=start, end=end, min_capacity=10
    )


@pytest.mark.django_db
def test_usage_statistics(org_rep: User, room: Room) -> None:
    services.booking_create(actor=org_rep, room=room, start=at(2, 9), end=at(2, 12), purpose="培训")
    services.booking_create(
        actor=org_rep, room=room, start=at(3, 14), end=at(3, 15, 30), purpose="沙龙"
    )
    first = timezone.localdate()
    usage, by_whom = selectors.usage_for_center(
        center=room.center, first=first, last=first + datetime.timedelta(days=6)
    )
    row = next(u for u in usage if u.room == room)
    assert row.booked_hours == Decimal("4.5")
    assert row.open_hours == Decimal("87.5")  # 7 days × 12.5 hours
    assert row.occupancy == 5.1
    assert by_whom[0][1] == Decimal("4.5")


@pytest.mark.django_db
def test_booking_api_returns_409_on_overlap(api_client, org_rep: User, room: Room) -> None:
    api_client.force_authenticate(org_rep)
    body = {
        "room": room.pk,
        "start": at(3, 9).isoformat(),
        "end": at(3, 11).isoformat(),
        "purpose": "项目路演",
    }
    assert api_client.post("/api/v1/bookings/", body, format="json").status_code == 201
    clash = api_client.post(
        "/api/v1/bookings/", {**body, "start": at(3, 10).isoformat()}, format="json"
    )
    assert clash.status_code == 409
    assert "时间冲突" in clash.json()["message"]
    bad = api_client.post("/api/v1/bookings/", {**body, "purpose": ""}, format="json")
    assert bad.status_code == 400
    assert (
        api_client.get("/api/v1/rooms/", {"region": "420102", "min_capacity": 30}).json()["count"]
        == 1
    )
    assert api_client.get("/api/v1/bookings/").json()["count"] == 1


@pytest.mark.django_db
def test_pages(client, org_rep: User, jiangan_staff: User, room: Room) -> None:
    client.force_login(org_rep)
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        f"/venues/rooms/{room.pk}/",
        {
            "day": day,
            "start_time": "09:00",
            "end_time": "11:00",
            "purpose": "读书会",
            "attendance": 20,
            "weeks": 1,
        },
    )
    assert response.status_code == 302
    clash = client.post(
        f"/venues/rooms/{room.pk}/",
        {
            "day": day,
            "start_time": "10:00",
            "end_time": "12:00",
            "purpose": "冲突",
            "attendance": 20,
            "weeks": 1,
        },
    )
    assert "时间冲突" in clash.content.decode()
    cal = client.get(f"/venues/rooms/{room.pk}/?date={day}").content.decode()
    assert "读书会" in cal
    assert (
        "读书会" in client.get(f"/venues/rooms/{room.pk}/?view=month&date={day}").content.decode()
    )
    assert (
        client.get(
            "/venues/",
            {
                "region": "420102",
                "day": day,
                "start_time": "14:00",
                "end_time": "16:00",
                "min_capacity": 10,
            },
        ).status_code
        == 200
    )
    assert "读书会" in client.get("/venues/bookings/").content.decode()
    assert (
        client.get(f"/venues/centers/{room.center_id}/usage/").status_code == 404
    )  # outside their scope
    assert (
        "读书会"
        in client.get(f"/venues/centers/{room.center_id}/calendar/?date={day}").content.decode()
    )
    client.force_login(jiangan_staff)
    assert (
        "读书会"
        in client.get(f"/venues/centers/{room.center_id}/calendar/?date={day}").content.decode()
    )
    assert client.get(f"/venues/centers/{room.center_id}/usage/").status_code == 200


def _race(
    room_id: int, user_id: int, start: datetime.datetime, end: datetime.datetime, n: int
) -> dict[str, int]:
    barrier = threading.Barrier(n)
    outcome = {"ok": 0, "conflict": 0, "other": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            user, room = User.objects.get(pk=user_id), Room.objects.get(pk=room_id)
            barrier.wait()
            services.booking_create(actor=user, room=room, start=start, end=end, purpose="并发")
            key = "ok"
        except ConflictError:
            key = "conflict"
        except Exception as exc:
            key = "other"
            errors.append(repr(exc))
        finally:
            connections.close_all()
        with lock:
            outcome[key] += 1

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(errors[:3])
    return outcome


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_requests_for_one_slot_confirm_exactly_one(
    org_rep: User, room: Room
) -> None:
    attempts = (
        50 if connection.vendor == "postgresql" else 20
    )  # SQLite serialises writers; 20 shows the same
    outcome = _race(room.pk, org_rep.pk, at(6, 9), at(6, 11), attempts)
    print(connection.vendor, outcome)
    assert outcome["ok"] == 1, outcome
    assert outcome["conflict"] + outcome["other"] == attempts - 1, outcome
    assert Booking.objects.filter(room=room, status=BookingStatus.CONFIRMED).count() == 1


@pytest.mark.django_db
def test_a_booking_beyond_the_horizon_is_refused(org_rep: User, room: Room) -> None:
    """Issue 18, finding 9: a booking for 9999-12-31 was accepted, and then its page failed."""
    far = datetime.datetime(9999, 12, 31, 10, tzinfo=timezone.get_current_timezone())
    with pytest.raises(ValidationError) as exc:
        services.booking_create(
            actor=org_rep,
            room=room,
            start=far,
            end=far + datetime.timedelta(hours=1),
            purpose="远期",
            attendance=5,
        )
    assert "天以内" in " ".join(exc.value.message_dict["start"])
    assert not Booking.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30", "x" * 500])
def test_extreme_dates_on_room_calendar_and_usage_pages_never_fail(
    client, jiangan_staff: User, room: Room, day: str
) -> None:
    client.force_login(jiangan_staff)
    for url in (
        f"/venues/rooms/{room.pk}/?date={day}&view=month",
        f"/venues/rooms/{room.pk}/?date={day}",
        f"/venues/centers/{room.center_id}/calendar/?date={day}",
        f"/venues/centers/{room.center_id}/usage/?first={day}&last={day}",
    ):
        assert client.get(url).status_code == 200, url


def test_the_month_calendar_steps_a_calendar_month(client, jiangan_staff: User, room: Room) -> None:
    """Finding 11: "previous month" was first − 31 days and skipped February."""
    client.force_login(jiangan_staff)
    html = client.get(f"/venues/rooms/{room.pk}/?date=2027-03-15&view=month").content.decode()
    assert "date=2027-02-01" in html and "date=2027-04-01" in html


def test_match_actions_never_redirect_off_the_site(client, jiangan_staff: User) -> None:
    """Finding 10: next=https://evil.example/ after a match action was an open redirect."""
    from civicnest.core.actions import safe_next

    request = client.get("/").wsgi_request
    request.POST = request.POST.copy()
    request.POST["next"] = "https://evil.example/phish"
    assert safe_next(request, "/fallback/") == "/fallback/"
    request.POST["next"] = "//evil.example/x"
    assert safe_next(request, "/fallback/") == "/fallback/"
    request.POST["next"] = "/matching/inbox/"
    assert safe_next(request, "/fallback/") == "/matching/inbox/"
