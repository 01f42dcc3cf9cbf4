"""Each step of the chain: the transition, who may take it, the audit entry and the notification."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.models import Notification
from civicnest.network.models import Center
from civicnest.philanthropy import selectors, services
from civicnest.philanthropy.models import (
    EntryKind,
    Fund,
    FundingProgram,
    LedgerEntry,
    ProjectStatus,
    Proposal,
    ProposalStatus,
    Receipt,
    TrancheStatus,
)
from civicnest.philanthropy.tests.factories import (
    DAY,
    contract_for,
    fund_for,
    program_for,
    proposal_for,
    published_project,
    score_all,
    user_with,
)
from civicnest.registry.models import SocialOrganization

pytestmark = pytest.mark.django_db


def test_money_is_validated_to_the_cent() -> None:
    assert services.money("12,000.5") == Decimal("12000.50")
    for bad in ("0", "-1", "1.001", "abc", "NaN", "Infinity", "1e20"):
        with pytest.raises(ValidationError):
            services.money(bad)


def test_program_timeline_and_cap_are_database_rules(
    jiangan_staff: User, jiangan_center: Center, fund: Fund
) -> None:
    with pytest.raises(ValidationError) as exc:
        program_for(jiangan_staff, jiangan_center, fund, budget="1000", cap="5000")
    assert "单个项目上限" in str(exc.value)
    assert not FundingProgram.objects.exists()


def test_program_advances_in_order_only_by_its_center(
    program: FundingProgram, jiangan_staff: User, wuchang_officer: User, expert: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.program_advance(actor=wuchang_officer, program=program, to="reviewing")
    with pytest.raises(ApplicationError):
        services.program_advance(actor=jiangan_staff, program=program, to="published")
    with pytest.raises(ApplicationError, match="评审专家"):
        services.program_advance(actor=jiangan_staff, program=program, to="reviewing")
    services.expert_assign(actor=jiangan_staff, program=program, expert=expert)
    assert Notification.objects.filter(
        recipient=expert, event="philanthropy.expert_assigned"
    ).exists()
    services.program_advance(actor=jiangan_staff, program=program, to="reviewing")
    program.refresh_from_db()
    assert program.status == "reviewing"
    assert LogEntry.objects.get_for_object(program).filter(actor=jiangan_staff).exists()


def test_only_the_organization_proposes_and_nothing_is_half_saved(
    program: FundingProgram, org: SocialOrganization, org_rep: User, other_rep: User
) -> None:
    with pytest.raises(PermissionDenied):
        proposal_for(other_rep, program, org)
    with pytest.raises(ValidationError) as exc:
        proposal_for(org_rep, program, org, lines=[("人员", "60000"), ("物料", "50000")])
    assert "超过单个项目上限" in str(exc.value)
    with pytest.raises(ValidationError):
        proposal_for(org_rep, program, org, lines=[("人员", "100"), ("物料", "-5")])
    assert not Proposal.objects.exists()
    proposal = proposal_for(org_rep, program, org)
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.requested_total == Decimal("50000.00")
    with pytest.raises(ApplicationError):
        services.proposal_submit(actor=org_rep, proposal=proposal)


def test_eligibility_rules_block_a_pass(
    program: FundingProgram, org: SocialOrganization, org_rep: User, jiangan_staff: User
) -> None:
    org.registered_on = datetime.date(2025, 12, 1)  # under one year at the call
    org.save()
    proposal = proposal_for(org_rep, program, org)
    assert services.eligibility_problems(proposal) == ["登记未满 1 年。"]
    with pytest.raises(ApplicationError, match="登记未满"):
        services.proposal_check_eligibility(actor=jiangan_staff, proposal=proposal, eligible=True)
    with pytest.raises(ValidationError):
        services.proposal_check_eligibility(actor=jiangan_staff, proposal=proposal, eligible=False)
    services.proposal_check_eligibility(
        actor=jiangan_staff, proposal=proposal, eligible=False, note="登记不满一年"
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.INELIGIBLE
    assert Notification.objects.filter(recipient=org_rep, event="philanthropy.eligibility").exists()


def test_review_rubric_weighted_mean_and_outliers(
    program: FundingProgram,
    org: SocialOrganization,
    org_rep: User,
    jiangan_staff: User,
    expert: User,
    expert_b: User,
) -> None:
    third = user_with(Role.EXPERT, "420102", username="expert_c")
    for e in (expert, expert_b, third):
        services.expert_assign(actor=jiangan_staff, program=program, expert=e)
    proposal = proposal_for(org_rep, program, org)
    services.proposal_check_eligibility(actor=jiangan_staff, proposal=proposal, eligible=True)
    with pytest.raises(ApplicationError):  # the program is not in review yet
        score_all(expert, Proposal.objects.get(pk=proposal.pk), 80)
    services.program_advance(actor=jiangan_staff, program=program, to="reviewing")
    criteria = list(program.criteria.all())  # weights 30, 40, 30
    with pytest.raises(ValidationError):
        services.review_submit(
            actor=expert,
            proposal=proposal,
            scores={c.pk: 80 for c in criteria},
            no_conflict=False,
        )
    with pytest.raises(ValidationError):
        services.review_submit(
            actor=expert, proposal=proposal, scores={criteria[0].pk: 101}, no_conflict=True
        )
    review = services.review_submit(
        actor=expert,
        proposal=proposal,
        scores={criteria[0].pk: 90, criteria[1].pk: 80, criteria[2].pk: 70},
        no_conflict=True,
    )
    assert review.total == Decimal("80.00")  # (30×90 + 40×80 + 30×70) / 100
    with pytest.raises(ApplicationError):
        score_all(expert, proposal, 50)
    score_all(expert_b, proposal, 82)
    score_all(third, proposal, 40)
    summary = selectors.proposal_scores(proposal)
    assert summary.mean == Decimal("67.33")
    assert summary.outliers == {proposal.reviews.get(expert=third).pk}
    with pytest.raises(PermissionDenied):
        services.review_submit(actor=jiangan_staff, proposal=proposal, scores={}, no_conflict=True)


def test_conflict_of_interest_refuses_review_and_hides_the_proposal(
    program: FundingProgram,
    org: SocialOrganization,
    org_rep: User,
    jiangan_staff: User,
    expert: User,
) -> None:
    services.expert_assign(actor=jiangan_staff, program=program, expert=expert)
    proposal = proposal_for(org_rep, program, org)
    services.proposal_check_eligibility(actor=jiangan_staff, proposal=proposal, eligible=True)
    services.program_advance(actor=jiangan_staff, program=program, to="reviewing")
    assert proposal in selectors.review_queue(user=expert)
    services.conflict_declare(actor=expert, proposal=proposal, reason="曾任该机构理事")
    with pytest.raises(PermissionDenied, match="利益冲突"):
        score_all(expert, Proposal.objects.get(pk=proposal.pk), 90)
    assert proposal not in selectors.review_queue(user=expert)
    assert not selectors.proposals_visible_to(expert).filter(pk=proposal.pk).exists()
    assert Notification.objects.filter(event="philanthropy.conflict_declared").exists()


def test_an_organization_sees_only_its_own_proposals_and_scores(
    program: FundingProgram,
    org: SocialOrganization,
    other_org: SocialOrganization,
    org_rep: User,
    other_rep: User,
    jiangan_staff: User,
    expert: User,
    client,
) -> None:
    services.expert_assign(actor=jiangan_staff, program=program, expert=expert)
    mine = proposal_for(org_rep, program, org, title="我的项目")
    theirs = proposal_for(other_rep, program, other_org, title="别人的项目")
    for p in (mine, theirs):
        services.proposal_check_eligibility(actor=jiangan_staff, proposal=p, eligible=True)
    services.program_advance(actor=jiangan_staff, program=program, to="reviewing")
    score_all(expert, Proposal.objects.get(pk=mine.pk), 70)
    score_all(expert, Proposal.objects.get(pk=theirs.pk), 95)
    assert list(selectors.proposals_visible_to(org_rep)) == [mine]
    assert [p.pk for p in selectors.program_proposals(user=org_rep, program=program)] == [mine.pk]
    client.force_login(org_rep)
    page = client.get(f"/philanthropy/proposals/{mine.pk}/").content.decode()
    assert "70.00" in page and "王教授" not in page  # own score, reviewers anonymous
    assert client.get(f"/philanthropy/proposals/{theirs.pk}/").status_code == 404
    body = client.get("/api/v1/proposals/").json()
    assert [r["id"] for r in body["results"]] == [mine.pk]
    assert body["results"][0]["score"] == "70.00"
    client.force_login(jiangan_staff)
    export = client.get(f"/philanthropy/programs/{program.pk}/export/")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_publish_subscribe_contract_disburse_evaluate_result(
    program: FundingProgram,
    fund: Fund,
    org: SocialOrganization,
    org_rep: User,
    jiangan_staff: User,
    expert: User,
    funder: User,
    wuchang_officer: User,
) -> None:
    project = published_project(jiangan_staff, expert, org_rep, program, org, budget="50000")
    assert project.status == ProjectStatus.PUBLISHED
    assert project in selectors.public_projects()
    # 认购: partial co-funding, never past the budget
    with pytest.raises(PermissionDenied):
        services.subscription_create(actor=org_rep, project=project, amount="100")
    services.subscription_create(
        actor=funder, project=project, amount="30000", funder_name="甲公司"
    )
    with pytest.raises(ConflictError) as exc:
        services.subscription_create(actor=funder, project=project, amount="20000.01")
    assert exc.value.extra == {"remaining": "20000.00"}
    receipt = Receipt.objects.get(donor_name="甲公司")
    assert receipt.serial.startswith("WHF-") and receipt.amount == Decimal("30000.00")
    assert services.project_money(project)["committed"] == Decimal("30000.00")
    # 实施: the contract tops the commitment up from the fund
    with pytest.raises(PermissionDenied):
        contract_for(wuchang_officer, project)
    contract = contract_for(
        jiangan_staff, project, tranches=[("启动", "20000"), ("中期评估", "20000")]
    )
    assert services.project_money(project)["committed"] == Decimal("50000.00")
    with pytest.raises(ConflictError):
        services.tranche_add(
            actor=jiangan_staff, project=project, milestone="结项", amount="10000.01", due_on=DAY
        )
    final = services.tranche_add(
        actor=jiangan_staff, project=project, milestone="结项", amount="10000", due_on=DAY
    )
    first = contract.tranches.get(seq=1)
    with pytest.raises(PermissionDenied):
        services.tranche_disburse(actor=org_rep, tranche=first)
    services.tranche_disburse(actor=jiangan_staff, tranche=first, note="启动材料齐全")
    with pytest.raises(ConflictError):
        services.tranche_disburse(actor=jiangan_staff, tranche=first)
    first.refresh_from_db()
    assert first.status == TrancheStatus.PAID
    assert first.entry is not None and first.entry.kind == EntryKind.DISBURSEMENT
    assert Notification.objects.filter(recipient=org_rep, event="philanthropy.disbursed").exists()
    # progress report with receipts
    upload = SimpleUploadedFile("发票.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")
    report = services.report_submit(
        actor=org_rep,
        project=project,
        period="2026 年第二季度",
        narrative="完成助餐 800 人次",
        indicators=[{"name": "助餐人次", "target": "3000", "actual": "800"}],
        spent="15000",
        receipts=[upload],
    )
    assert report.attachments.count() == 1
    with pytest.raises(ValidationError):
        services.report_submit(
            actor=org_rep,
            project=project,
            period="x",
            narrative="x",
            indicators=[],
            spent="0",
            receipts=[SimpleUploadedFile("a.exe", b"MZ")],
        )
    # 评估: self then expert
    with pytest.raises(ApplicationError):
        services.evaluation_expert_submit(actor=expert, project=project, score=90, comment="好")
    services.evaluation_self_submit(actor=org_rep, project=project, score=95, report="全部完成")
    with pytest.raises(PermissionDenied):
        services.evaluation_expert_submit(actor=funder, project=project, score=90, comment="好")
    evaluation = services.evaluation_expert_submit(
        actor=expert, project=project, score=85, comment="成效明显"
    )
    assert evaluation.final_score == Decimal("88.00")  # 0.3×95 + 0.7×85
    assert evaluation.conclusion == "良好"
    # 结项: the unpaid remainder is released back to the fund
    services.project_result_publish(actor=jiangan_staff, project=project, summary="服务老人 120 名")
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED
    money = services.project_money(project)
    assert money["disbursed"] == Decimal("20000.00") and money["committed"] == Decimal("0.00")
    totals = services.fund_totals(fund)
    # 1,000,000 appropriation + 30,000 subscription − 20,000 paid
    assert totals["balance"] == Decimal("1010000.00")
    assert totals["committed"] == Decimal("0.00")
    assert final.status == TrancheStatus.PLANNED
    assert Notification.objects.filter(recipient=funder, event="philanthropy.result").exists()


def test_fund_commitment_cannot_exceed_what_the_fund_holds(
    jiangan_staff: User,
    jiangan_center: Center,
    org: SocialOrganization,
    org_rep: User,
    expert: User,
) -> None:
    poor = fund_for(jiangan_staff, jiangan_center, code="POOR", money="10000")
    program = program_for(jiangan_staff, jiangan_center, poor)
    project = published_project(jiangan_staff, expert, org_rep, program, org, budget="50000")
    with pytest.raises(ApplicationError, match="可用余额不足"):
        contract_for(jiangan_staff, project)
    assert not LedgerEntry.objects.filter(project=project).exists()
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED


def test_program_budget_caps_published_projects(
    jiangan_staff: User,
    jiangan_center: Center,
    fund: Fund,
    org: SocialOrganization,
    org_rep: User,
    expert: User,
) -> None:
    program = program_for(jiangan_staff, jiangan_center, fund, budget="80000", cap="50000")
    services.expert_assign(actor=jiangan_staff, program=program, expert=expert)
    first = proposal_for(org_rep, program, org, title="一")
    second = proposal_for(org_rep, program, org, title="二")
    for p in (first, second):
        services.proposal_check_eligibility(actor=jiangan_staff, proposal=p, eligible=True)
    services.program_advance(actor=jiangan_staff, program=program, to="reviewing")
    for p in (first, second):
        score_all(expert, p, 80)
        services.proposal_shortlist(actor=jiangan_staff, proposal=p, shortlisted=True)
    services.project_publish(actor=jiangan_staff, proposal=first, budget="50000")
    with pytest.raises(ConflictError, match="总预算"):
        services.project_publish(actor=jiangan_staff, proposal=second, budget="40000")
    with pytest.raises(ValidationError):  # more than the proposal asked for
        services.project_publish(actor=jiangan_staff, proposal=second, budget="50000.01")
    services.project_publish(actor=jiangan_staff, proposal=second, budget="30000")


def test_tender_bid_award_with_reasons(
    jiangan_staff: User,
    jiangan_center: Center,
    fund: Fund,
    org: SocialOrganization,
    other_org: SocialOrganization,
    org_rep: User,
    other_rep: User,
) -> None:
    program = program_for(
        jiangan_staff, jiangan_center, fund, kind="purchase", name="社区养老购买服务"
    )
    with pytest.raises(ApplicationError):
        proposal_for(org_rep, program, org)
    tender = services.tender_open(
        actor=jiangan_staff,
        program=program,
        data={
            "title": "大智街道居家养老服务",
            "requirements": "为 200 名老人提供上门服务",
            "ceiling": "90000",
            "closes_on": datetime.date(2099, 1, 1),
        },
    )
    with pytest.raises(PermissionDenied):
        services.bid_submit(
            actor=org_rep, tender=tender, organization=other_org, price="1", plan="x"
        )
    with pytest.raises(ValidationError):
        services.bid_submit(actor=org_rep, tender=tender, organization=org, price="90001", plan="x")
    a = services.bid_submit(
        actor=org_rep, tender=tender, organization=org, price="85000", plan="方案甲"
    )
    b = services.bid_submit(
        actor=other_rep, tender=tender, organization=other_org, price="80000", plan="方案乙"
    )
    services.bid_score(actor=jiangan_staff, bid=a, score=92, note="方案完整")
    with pytest.raises(ApplicationError, match="未评分"):
        services.tender_award(actor=jiangan_staff, tender=tender, bid=a, reasons="综合得分最高")
    services.bid_score(actor=jiangan_staff, bid=b, score=78)
    with pytest.raises(ValidationError):
        services.tender_award(actor=jiangan_staff, tender=tender, bid=a, reasons=" ")
    project = services.tender_award(
        actor=jiangan_staff, tender=tender, bid=a, reasons="综合得分最高，服务经验丰富"
    )
    tender.refresh_from_db()
    assert tender.awarded_bid == a and project.organization == org
    assert project.budget == Decimal("85000.00")
    assert Notification.objects.filter(recipient=other_rep, title__startswith="未中标").exists()
    contract = contract_for(jiangan_staff, project, tranches=[("首期", "40000")])
    assert services.project_money(project)["committed"] == contract.amount


def test_receipts_serials_per_fund_and_year_and_voiding_keeps_the_number(
    fund: Fund, jiangan_staff: User, wuchang_officer: User
) -> None:
    r2 = services.donation_record(
        actor=jiangan_staff, fund=fund, donor_name="乙公司", amount="500", received_on=DAY
    )
    r3 = services.donation_record(
        actor=jiangan_staff,
        fund=fund,
        donor_name="丙基金会",
        amount="800",
        received_on=datetime.date(2027, 1, 2),
    )
    assert r2.serial == "WHF-2026-000002"  # the fixture's appropriation took 000001
    assert r3.serial == "WHF-2027-000001"
    with pytest.raises(PermissionDenied):
        services.receipt_void(actor=wuchang_officer, receipt=r2, reason="x")
    with pytest.raises(ValidationError):
        services.receipt_void(actor=jiangan_staff, receipt=r2, reason="")
    services.receipt_void(actor=jiangan_staff, receipt=r2, reason="捐赠方名称有误")
    r2.refresh_from_db()
    assert r2.voided_at and r2.serial == "WHF-2026-000002"
    r4 = services.donation_record(
        actor=jiangan_staff, fund=fund, donor_name="乙有限公司", amount="500", received_on=DAY
    )
    assert r4.serial == "WHF-2026-000003"  # the voided number is never reused
    pdf = r4
    assert pdf.amount == Decimal("500.00")


def test_ledger_entries_are_append_only(fund: Fund) -> None:
    entry = fund.entries.first()
    assert entry is not None
    with pytest.raises(ValueError, match="append-only"):
        entry.memo = "改"
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1"))
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("1000000.00")


def test_database_refuses_an_overdraft_even_without_the_service(
    fund: Fund, jiangan_staff: User
) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            fund=fund,
            seq=99,
            kind=EntryKind.COMMITMENT,
            amount=Decimal("5"),
            balance_after=Decimal("1"),
            committed_after=Decimal("2"),
            posted_by=jiangan_staff,
            project=None,
        )


def test_termination_releases_and_refund_is_bounded(
    program: FundingProgram,
    fund: Fund,
    org: SocialOrganization,
    org_rep: User,
    jiangan_staff: User,
    expert: User,
) -> None:
    project = published_project(jiangan_staff, expert, org_rep, program, org, budget="40000")
    contract = contract_for(jiangan_staff, project, tranches=[("首期", "10000")])
    services.tranche_disburse(actor=jiangan_staff, tranche=contract.tranches.get())
    with pytest.raises(ValidationError):
        services.refund_record(actor=jiangan_staff, project=project, amount="10000.01", note="")
    services.refund_record(actor=jiangan_staff, project=project, amount="4000", note="未用完退回")
    services.project_terminate(actor=jiangan_staff, project=project, reason="机构无法继续执行")
    totals = services.fund_totals(fund)
    assert totals["committed"] == Decimal("0.00")
    assert totals["balance"] == Decimal("994000.00")


@pytest.mark.django_db
def test_a_receipt_that_cannot_be_stored_leaves_no_report_and_no_files(
    make_user, jiangan_center: Center, disk_media, full_disk_after
) -> None:
    """Disk full at the second of two receipts: the report is not saved and the first receipt's file,
    already written, is removed again."""
    from unittest import mock

    from civicnest.philanthropy.models import ProgressReport, ReportAttachment
    from civicnest.philanthropy.tests.factories import foreign_chain
    from civicnest.registry.tests.factories import OrganizationFactory

    officer = make_user(Role.BUREAU_OFFICER, jiangan_center.region_id)
    org = OrganizationFactory.create(region_id=jiangan_center.region_id)
    chain = foreign_chain(officer, jiangan_center, org, marker="M", private="P")
    rep = User.objects.get(username="sweep_foreign_rep")
    reports, files = ProgressReport.objects.count(), ReportAttachment.objects.count()
    on_disk = {p for p in disk_media.rglob("*") if p.is_file()}
    real_fdopen = __import__("os").fdopen
    calls = {"n": 0}

    def second_write_fails(fd: int, mode: str = "r", *args, **kwargs):
        if "w" in mode:
            calls["n"] += 1
            if calls["n"] == 2:
                return full_disk_after(10)(fd, mode, *args, **kwargs)
        return real_fdopen(fd, mode, *args, **kwargs)

    receipts = [
        SimpleUploadedFile(
            f"发票{i}.pdf", b"%PDF-1.4 " + b"x" * 5000, content_type="application/pdf"
        )
        for i in (1, 2)
    ]
    with (
        mock.patch("django.core.files.storage.filesystem.os.fdopen", second_write_fails),
        pytest.raises(ValidationError) as exc,
    ):
        services.report_submit(
            actor=rep,
            project=chain["project"],
            period="二季度",
            narrative="进展",
            indicators=[],
            spent="0",
            receipts=receipts,
        )
    assert "服务器存储空间已满" in exc.value.message_dict["files"][0]
    assert calls["n"] >= 2  # the first receipt had been written
    assert (ProgressReport.objects.count(), ReportAttachment.objects.count()) == (reports, files)
    assert {p for p in disk_media.rglob("*") if p.is_file()} == on_disk
