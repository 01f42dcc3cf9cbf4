from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.models import Notification
from civicnest.network.models import Center
from civicnest.regions.models import Region
from civicnest.registry.tests.factories import OrganizationFactory
from civicnest.training import selectors, services
from civicnest.training.models import EnrolmentStatus, HourStatus, Volunteer
from civicnest.training.tests.factories import CourseFactory, EventFactory, SessionFactory
from civicnest.venues.models import Booking
from civicnest.venues.tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Callable[..., User]) -> list[User]:
    return [
        make_user(Role.VOLUNTEER, "420102", username=f"learner{i}", full_name=f"学员{i}")
        for i in range(4)
    ]


def test_waitlist_and_promotion_on_cancel(people: list[User], jiangan_center: Center) -> None:
    session = SessionFactory.create(course=CourseFactory.create(center=jiangan_center), capacity=2)
    a, b, c, d = (services.enrol(actor=p, session=session) for p in people)
    assert [e.status for e in (a, b, c, d)] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    with pytest.raises(ApplicationError, match="已报名"):
        services.enrol(actor=people[0], session=session)
    services.enrolment_cancel(actor=people[1], enrolment=b)
    c.refresh_from_db()
    d.refresh_from_db()
    assert (c.status, d.status) == (
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.WAITLISTED,
    )  # first in line moves up
    assert Notification.objects.filter(recipient=people[2], event="training.promoted").exists()
    with pytest.raises(PermissionDenied):
        services.enrolment_cancel(actor=people[0], enrolment=d)
    # Re-enrolling after cancelling joins the end of the queue.
    assert services.enrol(actor=people[1], session=session).status == EnrolmentStatus.WAITLISTED


def test_check_in_window_and_hours(people: list[User], jiangan_center: Center) -> None:
    org = OrganizationFactory.create(name="江岸阳光社工")
    session = SessionFactory.create(
        course=CourseFactory.create(center=jiangan_center), capacity=5, hours=Decimal("2.5")
    )
    services.enrol(actor=people[0], session=session, organization=org)
    services.enrol(actor=people[1], session=session, organization=org)
    with pytest.raises(ApplicationError, match="签到时间"):
        services.check_in(
            actor=people[0],
            token=session.checkin_token,
            now=session.starts_at - datetime.timedelta(hours=2),
        )
    with pytest.raises(ApplicationError, match="没有该场次"):
        services.check_in(actor=people[2], token=session.checkin_token, now=session.starts_at)
    with pytest.raises(ApplicationError, match="无效"):
        services.check_in(actor=people[0], token="nope", now=session.starts_at)
    enrolment = services.check_in(
        actor=people[0],
        token=session.checkin_token,
        now=session.starts_at - datetime.timedelta(minutes=10),
    )
    assert enrolment.checked_in_at is not None
    services.check_in(
        actor=people[1],
        token=session.checkin_token,
        now=session.starts_at + datetime.timedelta(minutes=5),
    )
    second = SessionFactory.create(course=session.course, capacity=5, hours=Decimal("1.5"))
    services.enrol(actor=people[0], session=second, organization=org)
    services.check_in(actor=people[0], token=second.checkin_token, now=second.starts_at)
    by_person = {
        r["person__username"]: r["hours"]
        for r in selectors.training_hours_by_person(user=people[0])
    }
    assert by_person == {"learner0": Decimal("4.0")}  # a learner sees only their own hours
    staff = User.objects.create_user(username="t_staff", password="x")
    RoleAssignment.objects.create(user=staff, role=Role.BUREAU_OFFICER, region_id="420102")
    by_org = selectors.training_hours_by_organization(user=staff)
    assert by_org == [{"organization__name": "江岸阳光社工", "hours": Decimal("6.5"), "people": 2}]
    with (
        pytest.raises(ApplicationError, match="已提交过")
        if False
        else pytest.raises(PermissionDenied)
    ):
        services.feedback_submit(actor=people[1], enrolment=enrolment, rating=5)
    services.feedback_submit(actor=people[0], enrolment=enrolment, rating=5, comment="很实用")
    with pytest.raises(ApplicationError, match="已提交过"):
        services.feedback_submit(actor=people[0], enrolment=enrolment, rating=4)


def test_session_with_a_room_books_it_and_refuses_a_clash(
    jiangan_staff: User, jiangan_center: Center
) -> None:
    room = RoomFactory.create(center=jiangan_center)
    course = CourseFactory.create(center=jiangan_center)
    start = timezone.localtime().replace(
        hour=14, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=2)
    if start.isoweekday() > 7:
        raise AssertionError
    session = services.session_create(
        actor=jiangan_staff,
        course=course,
        data={
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=2),
            "capacity": 20,
            "room": room,
        },
    )
    assert session.booking is not None and session.hours == Decimal("2.0")
    assert Booking.objects.get().purpose.startswith("培训")
    with pytest.raises(ConflictError):
        services.session_create(
            actor=jiangan_staff,
            course=course,
            data={
                "starts_at": start + datetime.timedelta(hours=1),
                "ends_at": start + datetime.timedelta(hours=3),
                "capacity": 20,
                "room": room,
            },
        )


def test_event_registration_and_report(
    people: list[User], jiangan_staff: User, jiangan_center: Center
) -> None:
    event = EventFactory.create(center=jiangan_center, status="draft", capacity=1)
    with pytest.raises(ApplicationError, match="报名期"):
        services.event_register(actor=people[0], event=event)
    services.event_update(actor=jiangan_staff, event=event, data={"status": "published"})
    services.event_register(actor=people[0], event=event)
    with pytest.raises(ApplicationError, match="名额已满"):
        services.event_register(actor=people[1], event=event)
    with pytest.raises(ValidationError, match="活动报道"):
        services.event_update(actor=jiangan_staff, event=event, data={"status": "finished"})
    with pytest.raises(PermissionDenied):
        services.event_update(actor=people[0], event=event, data={"title": "改"})
    services.event_update(
        actor=jiangan_staff,
        event=event,
        data={"status": "finished", "report": "120 人参加，达成 8 项合作意向。"},
    )


def test_talent_pool_id_validation_masking_and_verified_hours(
    jiangan_staff: User, make_user: Callable[..., User], client
) -> None:
    region = Region.objects.get(code="420102")
    data = {
        "kind": "social_worker",
        "name": "孙社工",
        "id_number": "110105194912310021",
        "phone": "13912345678",
        "region": region,
    }
    with pytest.raises(ValidationError) as exc:
        services.volunteer_register(actor=jiangan_staff, data=dict(data))
    assert "身份证号码不正确" in exc.value.message_dict["id_number"][0]
    assert not Volunteer.objects.exists()
    volunteer = services.volunteer_register(
        actor=jiangan_staff, data={**data, "id_number": "11010519491231002x"}
    )
    assert volunteer.id_number == "11010519491231002X"
    with pytest.raises(ValidationError, match="已登记"):
        services.volunteer_register(
            actor=jiangan_staff, data={**data, "id_number": "11010519491231002X"}
        )
    outsider = make_user(Role.BUREAU_OFFICER, "420106")
    with pytest.raises(PermissionDenied):
        services.volunteer_register(
            actor=outsider, data={**data, "id_number": "42010619851212345X"}
        )
    hour = services.service_hour_record(
        actor=jiangan_staff,
        volunteer=volunteer,
        data={"activity": "社区义诊", "served_on": timezone.localdate(), "hours": Decimal("3")},
    )
    with pytest.raises(PermissionDenied, match="登记人本人"):
        services.service_hour_verify(actor=jiangan_staff, hour=hour, approve=True)
    colleague = make_user(
        Role.CENTER_STAFF, "420102", center=Center.objects.get(region_id="420102")
    )
    services.service_hour_verify(actor=colleague, hour=hour, approve=True)
    assert selectors.verified_hours(volunteer) == Decimal("3")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.service_hour_record(
            actor=jiangan_staff,
            volunteer=volunteer,
            data={
                "activity": "x",
                "served_on": timezone.localdate() + datetime.timedelta(days=1),
                "hours": Decimal("1"),
            },
        )
    # Lists mask the ID number for everyone and the phone for people outside the volunteer's management.
    client.force_login(jiangan_staff)
    body = client.get("/training/talent/").content.decode()
    assert "110***********002X" in body and "11010519491231002X" not in body
    export = openpyxl.load_workbook(
        io.BytesIO(client.get("/training/hours/export.xlsx").content)
    ).active
    row = [c.value for c in export[2]]
    assert (
        row[1] == "110***********002X"
        and row[2] == "139****5678"
        and row[6] == HourStatus.VERIFIED.label
    )
    assert outsider and volunteer not in selectors.volunteers_visible_to(outsider)


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(content)
    return "".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is installed by scripts/setup.sh test"
)
def test_pages_checkin_link_certificate_and_attendance_export(
    client, people: list[User], jiangan_staff: User, jiangan_center: Center, tmp_path
) -> None:
    session = SessionFactory.create(
        course=CourseFactory.create(center=jiangan_center, title="项目设计与评估"),
        capacity=5,
        starts_at=timezone.now() + datetime.timedelta(minutes=10),
    )
    client.force_login(people[0])
    client.post(f"/training/sessions/{session.pk}/enrol/")
    assert (
        client.get(
            f"/training/enrolments/{session.enrolments.get().pk}/certificate.pdf"
        ).status_code
        == 403
    )
    page = client.get(f"/training/checkin/{session.checkin_token}/")
    assert 'data-testid="checkin"' in page.content.decode()
    done = client.post(f"/training/checkin/{session.checkin_token}/")
    assert "签到成功" in done.content.decode()
    certificate = client.get(f"/training/enrolments/{session.enrolments.get().pk}/certificate.pdf")
    text = _pdf_text(certificate.content, tmp_path)
    assert "结业证书" in text and "项目设计与评估" in text and "学员0" in text
    assert client.get(f"/training/sessions/{session.pk}/attendance.xlsx").status_code == 403
    client.force_login(jiangan_staff)
    detail = client.get(session.get_absolute_url()).content.decode()
    assert "data:image/svg+xml" in detail and session.checkin_token in detail
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/training/sessions/{session.pk}/attendance.xlsx").content)
    ).active
    assert [c.value for c in sheet[1]][:4] == ["姓名", "所在组织", "手机号码", "报名状态"]
    assert sheet[2][0].value == "学员0" and sheet[2][4].value
    assert client.get("/training/").status_code == 200
    assert client.get("/training/hours/").status_code == 200


def test_api(api_client, people: list[User], jiangan_center: Center) -> None:
    session = SessionFactory.create(course=CourseFactory.create(center=jiangan_center), capacity=1)
    api_client.force_authenticate(people[0])
    assert (
        api_client.post("/api/v1/enrolments/", {"session": session.pk}, format="json").json()[
            "status"
        ]
        == "enrolled"
    )
    assert (
        api_client.post("/api/v1/enrolments/", {"session": session.pk}, format="json").status_code
        == 400
    )
    api_client.force_authenticate(people[1])
    assert (
        api_client.post("/api/v1/enrolments/", {"session": session.pk}, format="json").json()[
            "status"
        ]
        == "waitlisted"
    )
    assert api_client.get("/api/v1/courses/").json()["count"] == 1
    assert api_client.get("/api/v1/sessions/").json()["count"] == 1
    assert api_client.get("/api/v1/enrolments/").json()["count"] == 1  # only their own
    EventFactory.create(center=jiangan_center)
    assert api_client.get("/api/v1/events/").json()["count"] == 1
    assert api_client.get("/api/v1/volunteers/").json()["count"] == 0


def test_portal_shows_published_events_only(client, jiangan_center: Center) -> None:
    EventFactory.create(center=jiangan_center, title="已发布的论坛", status="published")
    EventFactory.create(center=jiangan_center, title="筹备中的活动", status="draft")
    EventFactory.create(
        center=jiangan_center, title="已结束的展示", status="finished", report="展示了 30 个项目"
    )
    body = client.get("/portal/events/").content.decode()
    assert "已发布的论坛" in body and "已结束的展示" in body and "展示了 30 个项目" in body
    assert "筹备中的活动" not in body


def test_placements_at_a_practice_base(
    client, jiangan_staff: User, jiangan_center: Center, make_user: Callable[..., User]
) -> None:
    volunteer = Volunteer.objects.create(
        region_id="420102",
        kind="social_worker",
        name="实习社工",
        id_number="420102199001011236",
        phone="13812345678",
    )
    client.force_login(jiangan_staff)
    client.post(
        f"/training/talent/{volunteer.pk}/placements/",
        {
            "center": jiangan_center.pk,
            "starts_on": "2026-03-01",
            "ends_on": "2026-02-01",
            "hours": "10",
        },
    )
    assert not volunteer.placements.exists()  # end before start is refused
    client.post(
        f"/training/talent/{volunteer.pk}/placements/",
        {
            "center": jiangan_center.pk,
            "starts_on": "2026-03-01",
            "ends_on": "2026-06-30",
            "hours": "120",
            "supervisor": "李督导",
        },
    )
    assert volunteer.placements.get().hours == Decimal("120")
    assert "李督导" in client.get(f"/training/talent/{volunteer.pk}/").content.decode()
    outsider = make_user(Role.BUREAU_OFFICER, "420106")
    with pytest.raises(PermissionDenied):
        services.placement_create(
            actor=outsider,
            volunteer=volunteer,
            center=jiangan_center,
            data={"starts_on": datetime.date(2026, 1, 1), "ends_on": datetime.date(2026, 2, 1)},
        )
