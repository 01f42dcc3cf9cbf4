"""Journey: the bureau opens a grading round → the organization self-assesses with evidence → the bureau accepts
it and assigns a third-party evaluator → the evaluator scores on a phone → the committee grades, the organization
accepts, the grade is confirmed → the grade shows in the registry and on the public portal."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.phone_codes import code_in_text
from civicnest.accounts.roles import Role
from civicnest.core.sms import LoggingSmsBackend
from civicnest.evaluation import defaults
from civicnest.evaluation import services as eval_services
from civicnest.evaluation.models import Indicator, IndicatorTemplate
from civicnest.network.models import Center
from civicnest.registry.models import SocialOrganization
from civicnest.registry.tests.factories import OrganizationFactory
from e2e.helpers import PHONE, screenshot

pytestmark = pytest.mark.playwright
ORG_NAME = "江岸区暖心社工服务中心"


@pytest.fixture
def setting(jiangan_center: Center, make_user: Callable[..., User]) -> SocialOrganization:
    defaults.install(IndicatorTemplate, Indicator)  # live-server tests flush the migration's rows
    make_user(Role.BUREAU_OFFICER, "4201", username="city_officer", full_name="赵局长")
    org = OrganizationFactory.create(
        name=ORG_NAME, region_id="420102002", registered_on=datetime.date(2018, 5, 1)
    )
    rep = make_user(username="org_rep", full_name="周理事长")
    RoleAssignment.objects.create(user=rep, role=Role.ORG_REP, region_id="420102", organization=org)
    make_user(Role.EXPERT, "420106", username="expert", full_name="吴专家")
    return org


def _fill_scores(page: Page, value: str) -> None:
    fields = page.locator("input[data-testid^='score-']")
    assert fields.count() == 14  # the 14 leaf indicators of the grading template
    for i in range(fields.count()):
        fields.nth(i).fill(value)


def test_grading_round_to_registry_and_portal(
    new_page: Callable[..., Page],
    login: Callable[..., None],
    setting: SocialOrganization,
    tmp_path,
) -> None:
    bureau = new_page()
    login(bureau, "city_officer")
    bureau.goto("/evaluation/")
    bureau.get_by_test_id("open-round").click()
    bureau.get_by_label("评估批次").fill("2026 年度社会组织等级评估")
    bureau.get_by_label("申报截止").fill("2099-12-31")
    bureau.get_by_test_id("submit-round").click()
    expect(bureau.get_by_test_id("round-name")).to_have_text("2026 年度社会组织等级评估")

    org = new_page()
    login(org, "org_rep")
    org.goto("/evaluation/")
    org.get_by_test_id("open-rounds").get_by_test_id("apply").click()
    expect(org.get_by_test_id("self-form")).to_be_visible()
    # Submitting with gaps is refused field by field, nothing is lost.
    org.get_by_test_id("submit-self").click()
    expect(org.locator(".invalid-feedback").first).to_contain_text("请为该指标打分")
    evidence = tmp_path / "章程.pdf"
    evidence.write_bytes(b"%PDF-1.4 charter")
    org.get_by_label("材料名称").fill("机构章程（核准版）")
    org.get_by_label("文件").set_input_files(str(evidence))
    org.get_by_test_id("upload-evidence").click()
    expect(org.get_by_text("机构章程（核准版）")).to_be_visible()
    _fill_scores(org, "95")
    org.get_by_label("自评报告").fill("章程规范，理事会按期召开，年度服务居民 1,200 人次。")
    org.get_by_test_id("submit-self").click()
    expect(org.get_by_test_id("assessment-status")).to_have_text("已申报")
    assessment_url = org.url

    bureau.goto(assessment_url)
    bureau.get_by_test_id("eligibility").click()
    expect(bureau.get_by_test_id("assessment-status")).to_have_text("资格审核通过")
    bureau.get_by_label("评估专家").select_option(label="吴专家")
    bureau.get_by_test_id("assign").click()
    expect(bureau.get_by_test_id("score-table")).to_contain_text("吴专家")

    evaluator = new_page(viewport=PHONE)
    login(evaluator, "expert")
    evaluator.goto("/evaluation/")
    evaluator.get_by_test_id("assignments").get_by_text(ORG_NAME).click()
    expect(evaluator.get_by_test_id("score-form")).to_be_visible()
    _fill_scores(evaluator, "96")
    evaluator.get_by_label("评估意见").fill("查阅理事会记录与财务凭证，走访服务对象 6 人。")
    screenshot(evaluator, "evaluation-score-phone")
    # No horizontal scrolling on a phone.
    assert evaluator.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    evaluator.get_by_test_id("submit-scores").click()
    expect(evaluator.get_by_test_id("assessment-status")).to_have_text("实地评估完成")

    bureau.reload()
    bureau.get_by_test_id("propose").click()
    expect(bureau.get_by_test_id("proposed-grade")).to_contain_text("5A")

    org.reload()
    org.get_by_test_id("waive").click()
    bureau.reload()
    bureau.get_by_test_id("confirm").click()
    expect(bureau.get_by_test_id("final-grade")).to_contain_text("5A")
    screenshot(bureau, "evaluation-confirmed")

    bureau.goto(f"/registry/{setting.pk}/")
    expect(bureau.get_by_test_id("org-name")).to_contain_text("5A")

    public = new_page(viewport=PHONE)
    public.goto("/portal/evaluation/")
    row = public.get_by_test_id("evaluation-results").locator("tr", has_text=ORG_NAME)
    expect(row).to_contain_text("5A")
    expect(row).to_contain_text("有效期至")
    screenshot(public, "evaluation-portal-phone")
    public.goto("/portal/organizations/")
    expect(public.get_by_test_id("org-directory")).to_contain_text("5A")


def test_a_resident_answers_a_survey_on_a_phone_with_an_sms_code(
    new_page: Callable[..., Page], jiangan_center: Center, make_user: Callable[..., User]
) -> None:
    """The QR-code journey: no account, ratings chosen, 获取验证码 keeps them, the texted code proves the number."""
    staff = make_user(Role.CENTER_STAFF, "420102", center=jiangan_center, username="survey_staff")
    survey = eval_services.survey_create(
        actor=staff,
        center=jiangan_center,
        data={
            "title": "重阳节敬老活动满意度",
            "subject": "service",
            "year": timezone.localdate().year,
            "closes_on": timezone.localdate() + datetime.timedelta(days=7),
        },
    )
    page = new_page(viewport=PHONE)
    page.goto(f"/evaluation/s/{survey.token}/")
    for name in ("overall", "attitude", "professionalism", "facilities"):
        page.locator(f"input[name={name}][value='4']").check()
    page.get_by_label("手机号码").fill("13700001111")
    LoggingSmsBackend.sent.clear()
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    expect(page.locator("input[name=overall][value='4']")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "survey-phone-code-sent")
    phone, text = LoggingSmsBackend.sent[-1]
    assert phone == "13700001111"
    page.get_by_label("短信验证码").fill(code_in_text(text))
    page.get_by_test_id("submit-survey").click()
    expect(page.get_by_test_id("survey-thanks")).to_be_visible()
    assert survey.responses.get().overall == 4
