"""Pages, exports, PDFs and the API of the funding chain, for each role."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.philanthropy import services
from civicnest.philanthropy.models import Fund, FundingProgram, Proposal, Subscription
from civicnest.philanthropy.tests.factories import (
    contract_for,
    proposal_for,
    published_project,
    user_with,
)
from civicnest.registry.models import SocialOrganization

pytestmark = pytest.mark.django_db


def test_staff_set_up_a_fund_and_a_program_through_the_pages(
    client, jiangan_staff: User, jiangan_center: Center
) -> None:
    client.force_login(jiangan_staff)
    assert client.get("/philanthropy/").status_code == 200
    response = client.post(
        "/philanthropy/funds/",
        {"center": jiangan_center.pk, "name": "江岸公益基金", "code": "ja-1", "kind": "foundation"},
    )
    assert response.status_code == 200
    assert "账户代码只能由字母和数字组成" in response.content.decode()
    client.post(
        "/philanthropy/funds/",
        {"center": jiangan_center.pk, "name": "江岸公益基金", "code": "JA1", "kind": "foundation"},
    )
    fund = Fund.objects.get(code="JA1")
    client.post(
        f"/philanthropy/funds/{fund.pk}/donations/",
        {
            "donor_name": '=HYPERLINK("http://evil.example","区财政局")',
            "amount": "200000",
            "received_on": "2026-03-01",
            "purpose": "拨款",
        },
    )
    page = client.get(f"/philanthropy/funds/{fund.pk}/").content.decode()
    assert "JA1-2026-000001" in page and "200,000.00" in page
    data = {
        "center": jiangan_center.pk,
        "fund": fund.pk,
        "name": "2026 江岸公益创投",
        "kind": "venture",
        "focus_areas": ["elderly"],
        "eligible_org_types": ["social_service"],
        "min_registered_years": "1",
        "budget": "100000",
        "per_project_cap": "30000",
        "call_opens": "2026-03-01",
        "call_closes": "2026-02-01",  # before it opens
        "review_until": "2026-04-15",
        "publish_on": "2026-04-20",
        "implementation_ends": "2026-12-31",
        "evaluation_by": "2027-01-31",
        "criteria": "需求,50\n可行性,abc",
    }
    response = client.post("/philanthropy/programs/new/", data)
    body = response.content.decode()
    assert response.status_code == 200 and "评分指标格式" in body
    assert not FundingProgram.objects.exists()
    data["criteria"] = "需求,50\n可行性,50"
    response = client.post("/philanthropy/programs/new/", data)
    assert "时间安排须依次为" in response.content.decode()
    data["call_closes"] = "2026-03-31"
    response = client.post("/philanthropy/programs/new/", data)
    program = FundingProgram.objects.get()
    assert response.status_code == 302 and program.criteria.count() == 2
    export = client.get(f"/philanthropy/funds/{fund.pk}/export/")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[2]][2:4] == ["资金流入", 200000]
    # Issue 18, finding 5: a donor name typed as a formula is written as text, never as a live formula.
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in sheet[2])
    receipt = fund.receipts.get()
    pdf = client.get(f"/philanthropy/receipts/{receipt.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_organization_applies_with_field_level_errors(
    client, program: FundingProgram, org_rep: User
) -> None:
    client.force_login(org_rep)
    page = client.get(f"/philanthropy/programs/{program.pk}/").content.decode()
    assert "申报项目" in page
    form = {
        "organization": org_rep.role_assignments.get().organization_id,
        "title": "社区长者助餐",
        "category": "elderly",
        "objectives": "助餐",
        "beneficiaries": "老人",
        "beneficiary_count": "100",
        "activities": "送餐",
        "budget_lines": "人员经费,三万",
        "outputs": "助餐人次,3000",
        "outcomes": "",
        "team": "社工 2 人",
    }
    response = client.post(f"/philanthropy/programs/{program.pk}/apply/", form)
    assert response.status_code == 200
    assert "请输入金额" in response.content.decode()
    assert not Proposal.objects.exists()
    form["budget_lines"] = "人员经费,30000\n物料,5000.50"
    response = client.post(f"/philanthropy/programs/{program.pk}/apply/", form)
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and proposal.requested_total == Decimal("35000.50")
    client.post(f"/philanthropy/proposals/{proposal.pk}/submit/")
    proposal.refresh_from_db()
    assert proposal.status == "submitted"


def test_expert_queue_review_and_conflict_pages(
    client,
    program: FundingProgram,
    org: SocialOrganization,
    other_org: SocialOrganization,
    org_rep: User,
    other_rep: User,
    jiangan_staff: User,
    expert: User,
) -> None:
    services.expert_assign(actor=jiangan_staff, program=program, expert=expert)
    mine = proposal_for(org_rep, program, org)
    theirs = proposal_for(other_rep, program, other_org)
    for p in (mine, theirs):
        services.proposal_check_eligibility(actor=jiangan_staff, proposal=p, eligible=True)
    services.program_advance(actor=jiangan_staff, program=program, to="reviewing")
    client.force_login(expert)
    queue = client.get("/philanthropy/reviews/").content.decode()
    assert mine.title in queue
    criteria = list(program.criteria.all())
    # missing the declaration: refused, nothing saved
    client.post(
        f"/philanthropy/proposals/{mine.pk}/review/", {f"score_{c.pk}": "80" for c in criteria}
    )
    assert not mine.reviews.exists()
    scores = {f"score_{c.pk}": "80" for c in criteria}
    client.post(f"/philanthropy/proposals/{mine.pk}/review/", {**scores, "no_conflict": "on"})
    assert mine.reviews.get().total == Decimal("80.00")
    client.post(f"/philanthropy/proposals/{theirs.pk}/conflict/", {"reason": "亲属任职"})
    assert client.get(f"/philanthropy/proposals/{theirs.pk}/").status_code == 404
    client.post(f"/philanthropy/proposals/{theirs.pk}/review/", {**scores, "no_conflict": "on"})
    assert not theirs.reviews.exists()
    client.force_login(jiangan_staff)
    page = client.get(f"/philanthropy/proposals/{mine.pk}/").content.decode()
    assert "王教授" in page  # staff see who scored
    export = client.get(f"/philanthropy/programs/{program.pk}/export/")
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[1][7] == 80 or rows[2][7] == 80


def test_funder_pages_and_subscription_api(
    client,
    api_client,
    program: FundingProgram,
    org: SocialOrganization,
    org_rep: User,
    jiangan_staff: User,
    expert: User,
    funder: User,
    wuchang_officer: User,
) -> None:
    project = published_project(jiangan_staff, expert, org_rep, program, org, budget="40000")
    client.force_login(funder)
    assert project.title in client.get("/philanthropy/projects/").content.decode()
    client.post(
        f"/philanthropy/projects/{project.pk}/subscribe/",
        {"amount": "10000", "funder_name": "甲公司"},
    )
    assert Subscription.objects.get().amount == Decimal("10000.00")
    api_client.force_authenticate(funder)
    url = f"/api/v1/projects/{project.pk}/subscriptions/"
    over = api_client.post(url, {"amount": "30000.01"}, format="json")
    assert over.status_code == 409
    assert over.json() == {
        "message": "认购金额超过项目剩余可认购额度 30000.00 元。",
        "extra": {"remaining": "30000.00"},
    }
    ok = api_client.post(url, {"amount": "30000", "funder_name": "乙公司"}, format="json")
    assert ok.status_code == 201 and ok.json()["receipt"].startswith("WHF-")
    bad = api_client.post(url, {"amount": "abc"}, format="json")
    assert bad.status_code == 400 and "amount" in bad.json()["extra"]["fields"]
    listing = api_client.get(url).json()
    assert {r["amount"] for r in listing["results"]} == {"10000.00", "30000.00"}
    assert api_client.get("/api/v1/projects/").json()["results"][0]["subscribed"] == "40000.00"
    # another district's funder does not see the project
    other = user_with(Role.FUNDER, "420106", username="wuchang_funder")
    api_client.force_authenticate(other)
    assert api_client.get(url).status_code == 404
    assert api_client.post(url, {"amount": "1"}, format="json").status_code == 404
    # the ledger API: only the fund's keepers
    fund_url = f"/api/v1/funds/{program.fund_id}/ledger/"
    api_client.force_authenticate(funder)
    assert api_client.get(fund_url).status_code == 404
    api_client.force_authenticate(jiangan_staff)
    ledger = api_client.get(fund_url).json()
    assert ledger["totals"]["committed"] == "40000.00"
    assert [e["kind"] for e in ledger["results"]][-2:] == ["inflow", "commitment"]
    api_client.force_authenticate(wuchang_officer)
    assert api_client.get(fund_url).status_code == 404


def test_tranche_api_contract_pdf_and_portal(
    client,
    api_client,
    program: FundingProgram,
    org: SocialOrganization,
    org_rep: User,
    jiangan_staff: User,
    expert: User,
) -> None:
    project = published_project(jiangan_staff, expert, org_rep, program, org, budget="40000")
    url = f"/api/v1/projects/{project.pk}/tranches/"
    api_client.force_authenticate(jiangan_staff)
    assert (
        api_client.post(
            url, {"milestone": "启动", "amount": "1", "due_on": "2026-05-01"}, format="json"
        ).status_code
        == 400
    )
    contract_for(jiangan_staff, project, tranches=[("启动", "20000")])
    created = api_client.post(
        url, {"milestone": "结项", "amount": "20000", "due_on": "2026-12-01"}, format="json"
    )
    assert created.status_code == 201 and created.json()["seq"] == 2
    assert (
        api_client.post(
            url, {"milestone": "多余", "amount": "0.01", "due_on": "2026-12-01"}, format="json"
        ).status_code
        == 409
    )
    api_client.force_authenticate(org_rep)
    assert (
        api_client.post(
            url, {"milestone": "x", "amount": "1", "due_on": "2026-12-01"}, format="json"
        ).status_code
        == 403
    )
    assert len(api_client.get(url).json()["results"]) == 2
    client.force_login(org_rep)
    pdf = client.get(f"/philanthropy/projects/{project.pk}/contract.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.logout()
    public = client.get(
        reverse("portal:project-detail", kwargs={"pk": project.pk})
    ).content.decode()
    assert project.title in public and "社工 3 人" not in public  # the team stays internal
    assert project.title in client.get(reverse("portal:projects")).content.decode()


def test_openapi_schema_has_the_routes(api_client, jiangan_staff: User) -> None:
    api_client.force_authenticate(jiangan_staff)
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for route in (
        "/api/v1/programs/",
        "/api/v1/proposals/",
        "/api/v1/projects/",
        "/api/v1/projects/{id}/subscriptions/",
        "/api/v1/projects/{id}/tranches/",
        "/api/v1/funds/{id}/ledger/",
    ):
        assert route in schema["paths"], route


def test_subscribed_funder_follows_progress_but_not_receipts(
    client,
    program: FundingProgram,
    org: SocialOrganization,
    org_rep: User,
    jiangan_staff: User,
    expert: User,
    funder: User,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = published_project(jiangan_staff, expert, org_rep, program, org, budget="40000")
    services.subscription_create(actor=funder, project=project, amount="1000")
    contract_for(jiangan_staff, project)
    report = services.report_submit(
        actor=org_rep,
        project=project,
        period="一季度",
        narrative="开展助餐 300 人次",
        indicators=[],
        spent="0",
        receipts=[SimpleUploadedFile("发票.pdf", b"%PDF-1.4 x", content_type="application/pdf")],
    )
    client.force_login(funder)
    page = client.get(f"/philanthropy/projects/{project.pk}/").content.decode()
    assert "开展助餐 300 人次" in page and "发票.pdf" not in page
    attachment = report.attachments.get()
    assert client.get(f"/philanthropy/attachments/{attachment.pk}/").status_code == 404
    client.force_login(org_rep)
    assert client.get(f"/philanthropy/attachments/{attachment.pk}/").status_code == 200
