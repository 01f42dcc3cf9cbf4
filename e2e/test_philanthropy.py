"""Journey: call → proposal → eligibility → expert review → publish → a funder subscribes → contract →
tranche → self and expert evaluation → the result on the public portal."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.philanthropy import services
from civicnest.philanthropy.models import FundingProgram, LedgerEntry, Project
from civicnest.philanthropy.tests.factories import fund_for
from civicnest.registry.tests.factories import OrganizationFactory
from e2e.helpers import JIANGAN, screenshot

pytestmark = pytest.mark.playwright
TITLE = "长者助餐与陪伴"


@pytest.fixture
def program(jiangan_center: Center, make_user: Callable[..., User]) -> FundingProgram:
    staff = make_user(
        Role.CENTER_STAFF, JIANGAN, center=jiangan_center, username="phil_staff", full_name="吴社工"
    )
    org = OrganizationFactory.create(name="江岸区阳光社工服务中心", region_id="420102002")
    make_user(Role.ORG_REP, JIANGAN, username="phil_org", full_name="阳光负责人")
    User.objects.get(username="phil_org").role_assignments.update(organization=org)
    expert = make_user(Role.EXPERT, JIANGAN, username="phil_expert", full_name="王教授")
    make_user(Role.FUNDER, JIANGAN, username="phil_funder", full_name="爱心企业甲")
    fund = fund_for(staff, jiangan_center, code="JAE2E", money="300000")
    today = timezone.localdate()
    program = services.program_create(
        actor=staff,
        center=jiangan_center,
        fund=fund,
        data={
            "name": "2026 年江岸区公益创投大赛",
            "kind": "venture",
            "focus_areas": ["elderly"],
            "eligible_org_types": ["social_service"],
            "min_registered_years": 1,
            "budget": Decimal("200000"),
            "per_project_cap": Decimal("80000"),
            "call_opens": today,
            "call_closes": today + datetime.timedelta(days=30),
            "review_until": today + datetime.timedelta(days=40),
            "publish_on": today + datetime.timedelta(days=45),
            "implementation_ends": today + datetime.timedelta(days=300),
            "evaluation_by": today + datetime.timedelta(days=330),
        },
        criteria=[("需求与目标", 30), ("方案可行性", 40), ("团队能力", 30)],
    )
    services.expert_assign(actor=staff, program=program, expert=expert)
    return services.program_advance(actor=staff, program=program, to="call_open")


def _click(page: Page, test_id: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id(test_id).first.click()


def test_call_to_result_on_the_portal(
    program: FundingProgram, new_page: Callable[..., Page], login: Callable[..., None]
) -> None:
    # 设计: the organization applies and submits
    org = new_page()
    login(org, "phil_org")
    org.goto(f"/philanthropy/programs/{program.pk}/")
    _click(org, "apply")
    org.get_by_label("项目名称").fill(TITLE)
    org.get_by_label("服务领域").select_option("elderly")
    org.get_by_label("项目目标").fill("为社区独居老人提供助餐和陪伴服务")
    org.get_by_label("受益对象").fill("社区独居老人")
    org.get_by_label("受益人数").fill("120")
    org.get_by_label("主要活动").fill("助餐、探访、健康讲座")
    org.get_by_label("预算明细（每行：科目,金额）").fill("人员经费,30000\n活动物料,十万")
    org.get_by_label("产出指标（每行：指标,目标值）").fill("助餐人次,3000")
    org.get_by_label("项目团队").fill("社工 3 人，志愿者 20 人")
    _click(org, "save-proposal")
    expect(org.get_by_test_id("error-budget_lines")).to_contain_text("请输入金额")
    org.get_by_label("预算明细（每行：科目,金额）").fill("人员经费,30000\n活动物料,20000")
    _click(org, "save-proposal")
    _click(org, "submit-proposal")
    expect(org.get_by_test_id("status").first).to_have_text("已提交")
    proposal_url = org.url

    # 资格审查 and 评审
    staff = new_page()
    login(staff, "phil_staff")
    staff.goto(proposal_url)
    _click(staff, "check-eligibility")
    staff.goto(f"/philanthropy/programs/{program.pk}/")
    _click(staff, "advance")
    expect(staff.get_by_test_id("chain")).to_contain_text("评审")

    expert = new_page()
    login(expert, "phil_expert")
    expert.goto("/philanthropy/reviews/")
    expect(expert.get_by_test_id("review-queue")).to_contain_text(TITLE)
    with expert.expect_navigation():
        expert.get_by_test_id("review-queue").get_by_role("link", name=TITLE).click()
    for score in expert.locator("input[name^=score_]").all():
        score.fill("88")
    expert.get_by_label("本人声明：与申报组织不存在利益冲突").check()
    _click(expert, "submit-review")
    expect(expert.locator("main")).to_contain_text("评分已提交")
    expert.goto("/philanthropy/reviews/")
    expect(expert.get_by_test_id("review-queue")).not_to_contain_text(TITLE)

    # 发布
    staff.goto(proposal_url)
    expect(staff.get_by_test_id("final-score")).to_have_text("88.00")
    _click(staff, "shortlist")
    staff.get_by_label("核定预算（元）").fill("50000")
    _click(staff, "publish")
    expect(staff.get_by_test_id("project-title")).to_have_text(TITLE)
    project_url = staff.url

    # 认购
    funder = new_page()
    login(funder, "phil_funder")
    funder.goto("/philanthropy/projects/")
    with funder.expect_navigation():
        funder.get_by_test_id("project-cards").get_by_role("link", name=TITLE).click()
    funder.get_by_label("认购金额（元）").fill("30000")
    funder.get_by_label("资助方名称（票据抬头）").fill("武汉爱心实业有限公司")
    _click(funder, "subscribe")
    expect(funder.get_by_test_id("subscribed")).to_have_text("30,000.00")
    screenshot(funder, "philanthropy-funder-project")

    # 实施: contract with tranches, first tranche paid
    staff.goto(project_url)
    staff.get_by_label("合同金额（元）").fill("50000")
    staff.get_by_label("拨付计划（每行：里程碑,金额,计划日期）").fill(
        "项目启动,20000,2026-05-01\n中期评估通过,20000,2026-09-01\n结项验收,10000,2026-12-01"
    )
    _click(staff, "sign-contract")
    expect(staff.get_by_test_id("tranches")).to_contain_text("中期评估通过")
    _click(staff, "disburse")
    expect(staff.get_by_test_id("disbursed")).to_have_text("20,000.00")
    with staff.expect_download() as download:
        staff.get_by_test_id("contract-pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    screenshot(staff, "philanthropy-project-staff")

    # 评估: self then expert
    org.goto(project_url)
    org.get_by_label("自评得分（0–100）").fill("95")
    org.get_by_label("自评报告").fill("全部产出指标完成，老人满意度 96%。")
    _click(org, "submit-self-evaluation")
    expert.goto(project_url)
    expert.get_by_label("专家/第三方评分（0–100）").fill("85")
    expert.get_by_label("评估意见").fill("执行规范，成效明显。")
    _click(expert, "submit-evaluation")
    expect(expert.get_by_test_id("final-evaluation")).to_contain_text("88.00")

    # 结项: results to the portal
    staff.goto(project_url)
    staff.get_by_label("结项成果（将在门户公开）").fill("服务独居老人 120 名，助餐 3,200 人次。")
    _click(staff, "publish-result")
    expect(staff.get_by_test_id("result")).to_contain_text("助餐 3,200 人次")

    public = new_page()
    public.goto("/portal/projects/")
    with public.expect_navigation():
        public.get_by_test_id("portal-projects").get_by_role("link", name=TITLE).click()
    expect(public.get_by_test_id("portal-result")).to_contain_text("服务独居老人 120 名")
    expect(public.get_by_test_id("portal-result")).to_contain_text("88.00")
    screenshot(public, "philanthropy-portal-result")

    project = Project.objects.get(title=TITLE)
    assert project.status == "completed"
    money = services.project_money(project)
    assert money["disbursed"] == Decimal("20000.00") and money["committed"] == Decimal("0.00")
    assert LedgerEntry.objects.filter(project=project, kind="release").exists()
