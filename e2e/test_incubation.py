"""Journey: a founding team applies → the center admits it → a desk → a service → graduation → the certificate PDF."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.incubation.models import Application, ApplicationStatus
from civicnest.incubation.tests.factories import DeskFactory, ProgramFactory, RoundFactory
from civicnest.network.models import Center
from e2e.helpers import JIANGAN, screenshot

pytestmark = pytest.mark.playwright
TEAM = "江岸长者关爱发起团队"


@pytest.fixture
def setting(jiangan_center: Center, make_user: Callable[..., User]) -> None:
    round_ = RoundFactory.create(
        program=ProgramFactory.create(center=jiangan_center, name="社会组织孵化计划"),
        name="2026 年第二批",
    )
    DeskFactory.create(center=jiangan_center, code="A01")
    make_user(Role.RESIDENT, "420102002003", username="founder", full_name="周发起")
    make_user(
        Role.CENTER_STAFF,
        JIANGAN,
        center=jiangan_center,
        username="center_staff",
        full_name="吴社工",
    )
    assert round_.pk


def _post(page: Page, test_id: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id(test_id).click()


@pytest.mark.usefixtures("setting")
def test_apply_admit_desk_service_graduate_certificate(
    new_page: Callable[..., Page], login: Callable[..., None], tmp_path: Path
) -> None:
    founder = new_page(viewport={"width": 390, "height": 844})
    login(founder, "founder")
    founder.goto("/incubation/")
    founder.get_by_test_id("open-rounds").get_by_role("link").first.click()
    founder.get_by_test_id("apply").click()
    founder.get_by_label("或：发起团队名称（尚未登记）").fill(TEAM)
    founder.get_by_label("项目/计划名称").fill("长者助餐与探访")
    founder.get_by_label("发展计划").fill(
        "为 80 岁以上独居老人提供助餐和探访，培育低龄老人志愿者。"
    )
    founder.get_by_label("服务领域").select_option("elderly")
    founder.get_by_label("发展阶段").select_option("startup")
    founder.get_by_label("联系电话").fill("13500001111")
    founder.get_by_role("button", name="提交申请").click()
    expect(founder.get_by_test_id("app-status")).to_have_text("已申请")
    screenshot(founder, "incubation-applied-phone")

    staff = new_page()
    login(staff, "center_staff")
    staff.goto("/incubation/")
    staff.get_by_test_id("column-applied").get_by_role("link", name=TEAM).click()
    _post(staff, "to-eligible")
    for label, value in (
        ("需求迫切性（0–25）", "22"),
        ("方案可行性（0–25）", "20"),
        ("团队能力（0–25）", "18"),
        ("社会效益（0–25）", "21"),
    ):
        staff.get_by_label(label).fill(value)
    _post(staff, "submit-review")
    _post(staff, "to-admitted")
    expect(staff.get_by_test_id("app-status")).to_have_text("已入选")
    _post(staff, "create-agreement")
    _post(staff, "sign")
    expect(staff.get_by_test_id("app-status")).to_have_text("孵化中")

    staff.get_by_label("工位/办公室").select_option(label="工位 A01")
    staff.get_by_label("到期日期").fill("2027-12-31")
    _post(staff, "allocate")
    expect(staff.get_by_test_id("tenancy")).to_contain_text("工位 A01")

    staff.get_by_label("服务类型").select_option("finance")
    staff.get_by_label("主题").fill("财务制度与票据管理")
    _post(staff, "log-service")
    expect(staff.get_by_test_id("service-hours")).to_contain_text("1 次")

    staff.get_by_label("评估得分（0–100）").fill("88.5")
    staff.get_by_label("结论").select_option("graduate")
    staff.get_by_label("评估意见（对照发展计划）").fill("完成发展计划主要目标，准予出壳。")
    _post(staff, "assess")
    expect(staff.get_by_test_id("app-status")).to_have_text("已出壳")
    screenshot(staff, "incubation-graduated")
    assert Application.objects.get().status == ApplicationStatus.GRADUATED

    with staff.expect_download() as download_info:
        staff.get_by_test_id("certificate").click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "出壳证书" in flat and TEAM in flat and "准予出壳" in flat

    # The founder sees the same record, with the service log, from a phone.
    founder.reload()
    expect(founder.get_by_test_id("app-status")).to_have_text("已出壳")
    expect(founder.get_by_test_id("service-hours")).to_contain_text("1 次")
