"""Journey: book a room from its calendar, enrol in a course, check in with the session's link, download the certificate."""

from __future__ import annotations

import datetime
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.training.tests.factories import CourseFactory, SessionFactory
from civicnest.venues.models import Booking
from civicnest.venues.tests.factories import RoomFactory
from e2e.helpers import JIANGAN, screenshot

pytestmark = pytest.mark.playwright


@pytest.fixture
def setting(jiangan_center: Center, make_user: Callable[..., User]) -> dict[str, int]:
    room = RoomFactory.create(center=jiangan_center, name="一楼多功能厅", capacity=60)
    course = CourseFactory.create(center=jiangan_center, title="公益项目设计与评估")
    session = SessionFactory.create(
        course=course,
        starts_at=timezone.now() + datetime.timedelta(minutes=15),
        capacity=20,
        location="一楼多功能厅",
    )
    make_user(Role.RESIDENT, "420102002003", username="learner", full_name="林学员")
    make_user(
        Role.CENTER_STAFF, JIANGAN, center=jiangan_center, username="trainer", full_name="吴社工"
    )
    return {"room": room.pk, "session": session.pk}


def test_book_enrol_check_in_and_certificate(
    setting: dict[str, int],
    new_page: Callable[..., Page],
    login: Callable[..., None],
    tmp_path: Path,
) -> None:
    learner = new_page(viewport={"width": 390, "height": 844})
    login(learner, "learner")

    # Book from the calendar: pick a day three days ahead, then the time.
    day = timezone.localdate() + datetime.timedelta(days=3)
    learner.goto(f"/venues/rooms/{setting['room']}/")
    expect(learner.get_by_test_id("calendar")).to_be_visible()
    learner.get_by_test_id("calendar").get_by_role(
        "link", name=f"{day.month}/{day.day}", exact=True
    ).first.click()
    learner.get_by_label("开始").fill("14:00")
    learner.get_by_label("结束", exact=True).fill("16:00")
    learner.get_by_label("用途").fill("社区读书会")
    learner.get_by_label("预计人数").fill("25")
    learner.get_by_test_id("book").click()
    expect(learner.get_by_test_id("calendar")).to_contain_text("14:00–16:00 社区读书会")
    screenshot(learner, "room-calendar-phone")
    assert Booking.objects.get().purpose == "社区读书会"

    # Booking the same slot again is refused with the clash named.
    learner.get_by_label("开始").fill("15:00")
    learner.get_by_label("结束", exact=True).fill("17:00")
    learner.get_by_label("用途").fill("重叠")
    learner.get_by_test_id("book").click()
    expect(learner.get_by_test_id("form-errors")).to_contain_text("时间冲突")

    # Enrol in the course.
    learner.goto("/training/")
    learner.get_by_test_id("courses").get_by_role(
        "link", name=re.compile("公益项目设计与评估")
    ).click()
    learner.get_by_test_id("enrol").first.click()
    learner.goto(f"/training/sessions/{setting['session']}/")
    expect(learner.get_by_test_id("my-status")).to_have_text("已报名")

    # The trainer's page shows the QR code and the check-in link the learner opens.
    trainer = new_page()
    login(trainer, "trainer")
    trainer.goto(f"/training/sessions/{setting['session']}/")
    link = trainer.get_by_test_id("checkin-link").get_attribute("href")
    assert link and "/training/checkin/" in link
    screenshot(trainer, "session-qr")

    learner.goto(link)
    learner.get_by_test_id("checkin").click()
    expect(learner.get_by_test_id("checkin-done")).to_have_text("签到成功")
    screenshot(learner, "checkin-phone")

    learner.goto(f"/training/sessions/{setting['session']}/")
    with learner.expect_download() as download:
        learner.get_by_test_id("certificate").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    text = "".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "结业证书" in text
    assert "林学员" in text
    assert "公益项目设计与评估" in text
