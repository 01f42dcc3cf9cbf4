"""Every read of the funding chain, scoped: staff by region, organizations by their own id, experts by their
panels, funders by the region they are bound to. Public reads (portal) show only published projects."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Max, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.accounts.selectors import users_with_role
from civicnest.philanthropy import permissions
from civicnest.philanthropy.models import (
    ENTRY_EFFECT,
    ZERO,
    Bid,
    ConflictDeclaration,
    Contract,
    EntryKind,
    Evaluation,
    ExpertAssignment,
    Fund,
    FundingProgram,
    LedgerEntry,
    ProgramStatus,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
    Receipt,
    ReportAttachment,
    Review,
    Subscription,
    Tender,
    TenderStatus,
    Tranche,
    TrancheStatus,
)
from civicnest.regions.codes import subtree_q
from civicnest.regions.scoping import Scope
from civicnest.registry.models import OrgStatus

CENT = Decimal("0.01")
# A reviewer's total this far from the median of three or more reviews is flagged for the panel to discuss.
OUTLIER_POINTS = Decimal("15")
PUBLIC_STATUSES = (
    ProjectStatus.PUBLISHED,
    ProjectStatus.CONTRACTED,
    ProjectStatus.EVALUATED,
    ProjectStatus.COMPLETED,
)
REVIEWABLE = (
    ProposalStatus.ELIGIBLE,
    ProposalStatus.SHORTLISTED,
    ProposalStatus.NOT_SELECTED,
    ProposalStatus.PUBLISHED,
)


def _ancestors(code: str) -> list[str]:
    """The region and every region above it (city 4 digits, district 6, street 9, community 12)."""
    return [code[:n] for n in (2, 4, 6, 9, 12) if len(code) >= n]


def _org_rep_regions(scope: Scope) -> list[str]:
    return [c for g in scope.grants if g.role == Role.ORG_REP for c in _ancestors(g.region_code)]


def programs_visible_to(user: Any) -> QuerySet[FundingProgram]:
    """Staff: their jurisdiction. Organizations: programs of their own region and the regions above it
    once the call is out, and any they applied to. Experts: their panels."""
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return FundingProgram.objects.all()
    condition = scope.q("region")
    regions = _org_rep_regions(scope)
    if regions:
        condition |= Q(region_id__in=regions) & ~Q(status=ProgramStatus.DRAFT)
        condition |= Q(
            pk__in=Proposal.objects.filter(
                organization_id__in=permissions.own_org_ids(user)
            ).values("program_id")
        )
    if scope.has_role(Role.EXPERT):
        condition |= Q(experts__expert_id=user.pk)
    return FundingProgram.objects.filter(
        pk__in=FundingProgram.objects.filter(condition).values("pk")
    )


def access_program_by_id(user: Any, pk: int) -> FundingProgram:
    return get_object_or_404(
        programs_visible_to(user).select_related("center", "fund", "region"), pk=pk
    )


def proposals_visible_to(user: Any) -> QuerySet[Proposal]:
    """An organization sees only its own proposals; an expert the eligible proposals of their panels,
    except those of organizations they declared a conflict with."""
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Proposal.objects.all()
    condition = scope.q("region") | Q(organization_id__in=permissions.own_org_ids(user))
    if scope.has_role(Role.EXPERT):
        conflicted = Q(
            pk__in=Proposal.objects.filter(
                program__conflicts__expert_id=user.pk,
                organization_id=F("program__conflicts__organization_id"),
            ).values("pk")
        )
        condition |= Q(program__experts__expert_id=user.pk) & Q(status__in=REVIEWABLE) & ~conflicted
    return Proposal.objects.filter(pk__in=Proposal.objects.filter(condition).values("pk"))


def access_proposal_by_id(user: Any, pk: int) -> Proposal:
    return get_object_or_404(
        proposals_visible_to(user).select_related(
            "program__center", "program__fund", "organization", "region"
        ),
        pk=pk,
    )


@dataclass
class ScoreSummary:
    count: int = 0
    mean: Decimal | None = None
    reviews: list[Review] = field(default_factory=list)
    outliers: set[int] = field(default_factory=set)
    criteria_means: list[tuple[str, Decimal]] = field(default_factory=list)


def proposal_scores(proposal: Proposal) -> ScoreSummary:
    """The final score is the mean of the reviewers' rubric-weighted totals; outliers are flagged."""
    reviews = list(proposal.reviews.select_related("expert").order_by("pk"))
    if not reviews:
        return ScoreSummary()
    totals = [r.total for r in reviews]
    mean = (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"))
    outliers: set[int] = set()
    if len(totals) >= 3:
        median = Decimal(statistics.median(totals))
        outliers = {r.pk for r in reviews if abs(r.total - median) > OUTLIER_POINTS}
    criteria_means = []
    for c in proposal.program.criteria.all():
        values = [Decimal(r.scores[str(c.pk)]) for r in reviews if str(c.pk) in r.scores]
        if values:
            criteria_means.append(
                (c.name, (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")))
            )
    return ScoreSummary(len(reviews), mean, reviews, outliers, criteria_means)


def program_proposals(*, user: Any, program: FundingProgram) -> list[Proposal]:
    """The program's proposals the user may see, each with `score` (mean) and `review_count`."""
    rows = list(
        proposals_visible_to(user)
        .filter(program=program)
        .exclude(status=ProposalStatus.DRAFT)
        .select_related("organization", "program")
        .prefetch_related("budget_lines", "reviews", "program__criteria")
        .order_by("pk")
    )
    for p in rows:
        summary = proposal_scores(p)
        p.score = summary.mean  # type: ignore[attr-defined]
        p.review_count = summary.count  # type: ignore[attr-defined]
        p.outlier_count = len(summary.outliers)  # type: ignore[attr-defined]
    rows.sort(key=lambda p: (p.score is None, -(p.score or 0), p.pk))  # type: ignore[attr-defined]
    return rows


def review_queue(*, user: Any) -> list[Proposal]:
    """Proposals waiting for the expert's score (programs in review, eligible, not yet scored by them)."""
    rows = list(
        proposals_visible_to(user)
        .filter(
            program__experts__expert_id=user.pk,
            program__status=ProgramStatus.REVIEWING,
            status=ProposalStatus.ELIGIBLE,
        )
        .exclude(reviews__expert_id=user.pk)
        .select_related("program", "organization")
        .order_by("program_id", "pk")
    )
    return rows


def my_reviews(*, user: Any) -> QuerySet[Review]:
    return Review.objects.filter(expert_id=user.pk).select_related("proposal__program")


def projects_visible_to(user: Any) -> QuerySet[Project]:
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Project.objects.all()
    condition = scope.q("region") | Q(organization_id__in=permissions.own_org_ids(user))
    if scope.has_role(Role.FUNDER):
        condition |= scope.q("region", roles=[Role.FUNDER]) & Q(status__in=PUBLIC_STATUSES)
    if scope.has_role(Role.EXPERT):
        condition |= Q(program__experts__expert_id=user.pk)
    return Project.objects.filter(pk__in=Project.objects.filter(condition).values("pk"))


def access_project_by_id(user: Any, pk: int) -> Project:
    return get_object_or_404(
        projects_visible_to(user).select_related(
            "program__center", "program__fund", "organization", "region", "proposal"
        ),
        pk=pk,
    )


def public_projects(*, district: str = "") -> QuerySet[Project]:

    qs = Project.objects.filter(status__in=PUBLIC_STATUSES).select_related(
        "program", "organization", "region"
    )
    if district:
        qs = qs.filter(subtree_q([district], "region"))
    return qs.order_by("-published_at", "-pk")


def access_public_project(pk: int) -> Project:
    return get_object_or_404(public_projects(), pk=pk)


def funds_visible_to(user: Any) -> QuerySet[Fund]:
    return Scope.for_user(user).filter(Fund.objects.select_related("center"), "region")


def access_fund_by_id(user: Any, pk: int) -> Fund:
    return get_object_or_404(funds_visible_to(user), pk=pk)


def fund_ledger(*, fund: Fund) -> QuerySet[LedgerEntry]:
    return fund.entries.select_related("project", "posted_by").order_by("seq")


def receipts_visible_to(user: Any) -> QuerySet[Receipt]:
    return Scope.for_user(user).filter(Receipt.objects.select_related("fund"), "region")


def access_receipt_by_id(user: Any, pk: int) -> Receipt:
    return get_object_or_404(receipts_visible_to(user).select_related("fund__center"), pk=pk)


def tenders_visible_to(user: Any) -> QuerySet[Tender]:
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Tender.objects.all()
    condition = scope.q("region")
    regions = _org_rep_regions(scope)
    if regions:
        condition |= Q(region_id__in=regions, status=TenderStatus.OPEN)
        condition |= Q(bids__organization_id__in=permissions.own_org_ids(user))
    return Tender.objects.filter(pk__in=Tender.objects.filter(condition).values("pk"))


def access_tender_by_id(user: Any, pk: int) -> Tender:
    return get_object_or_404(
        tenders_visible_to(user).select_related("program__center", "awarded_bid"), pk=pk
    )


def tender_bids(*, user: Any, tender: Tender) -> QuerySet[Bid]:
    """Staff see every bid; an organization only its own."""
    qs = tender.bids.select_related("organization").order_by("-score", "price", "pk")
    if permissions.can_run_program(user, tender.program):
        return qs
    return qs.filter(organization_id__in=permissions.own_org_ids(user))


def access_bid_by_id(user: Any, pk: int) -> Bid:
    return get_object_or_404(
        Scope.for_user(user)
        .filter(Bid.objects.all(), "region")
        .select_related("tender__program__center"),
        pk=pk,
    )


def access_tranche_by_id(user: Any, pk: int) -> Tranche:
    return get_object_or_404(
        Tranche.objects.filter(contract__project__in=projects_visible_to(user)).select_related(
            "contract__project__program__center"
        ),
        pk=pk,
    )


def access_attachment_by_id(user: Any, pk: int) -> ReportAttachment:
    return get_object_or_404(
        ReportAttachment.objects.filter(
            report__project__in=projects_visible_to(user).filter(Q(pk__in=_report_readers(user)))
        ),
        pk=pk,
    )


def _report_readers(user: Any) -> Any:
    """Receipts in progress reports: the organization itself and the program's staff, not funders."""
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Project.objects.values("pk")
    return Project.objects.filter(
        scope.q("region") | Q(organization_id__in=permissions.own_org_ids(user))
    ).values("pk")


def can_read_reports(user: Any, project: Project) -> bool:
    return permissions.speaks_for(user, project.organization_id) or Scope.for_user(user).covers(
        project.region_id
    )


def subscriptions_of(*, project: Project) -> list[Any]:
    return list(project.subscriptions.order_by("pk"))


def funder_subscriptions(*, user: Any) -> QuerySet[Any]:

    return Subscription.objects.filter(funder_id=user.pk).select_related("project")


def experts(*, excluding_program: Any = None) -> QuerySet[User]:
    """Active users holding the expert role (those not yet on the program's panel, when given)."""
    found = users_with_role(Role.EXPERT)
    if excluding_program is not None:
        found = found.exclude(pk__in=excluding_program.experts.values("expert_id"))
    return found.order_by("username")


# -- money (balances are derived from the ledger entries, never stored) -----------------------------


def fund_totals(fund: Fund) -> dict[str, Decimal]:
    """Balances derived from the entries (never stored): cash held, committed to projects, available."""
    sums = dict(
        LedgerEntry.objects.filter(fund=fund)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    cash = committed = ZERO
    for kind, total in sums.items():
        cash_sign, commit_sign = ENTRY_EFFECT[kind]
        cash += cash_sign * total
        committed += commit_sign * total
    return {
        "balance": cash.quantize(CENT),
        "committed": committed.quantize(CENT),
        "available": (cash - committed).quantize(CENT),
    }


def fund_last_entry(fund: Fund) -> tuple[Decimal, Decimal, int]:
    """(balance, committed, seq) after the fund's last entry; zeros for a new fund."""
    last = (
        LedgerEntry.objects.filter(fund=fund)
        .order_by("-seq")
        .values_list("balance_after", "committed_after", "seq")
        .first()
    )
    return last or (ZERO, ZERO, 0)


def project_commitment(fund: Fund, project: Project) -> Decimal:
    """What the fund still holds for the project: commitments − releases − disbursements."""
    sums = dict(
        LedgerEntry.objects.filter(fund=fund, project=project)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return (
        sums.get(EntryKind.COMMITMENT, ZERO)
        - sums.get(EntryKind.RELEASE, ZERO)
        - sums.get(EntryKind.DISBURSEMENT, ZERO)
    )


def project_money(project: Project) -> dict[str, Decimal]:
    sums = dict(
        LedgerEntry.objects.filter(project=project)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    subscribed = project.subscriptions.aggregate(t=Sum("amount"))["t"] or ZERO
    committed = (
        sums.get(EntryKind.COMMITMENT, ZERO)
        - sums.get(EntryKind.RELEASE, ZERO)
        - sums.get(EntryKind.DISBURSEMENT, ZERO)
    )
    return {
        "subscribed": Decimal(subscribed).quantize(CENT),
        "remaining": (project.budget - subscribed).quantize(CENT),
        "committed": Decimal(committed).quantize(CENT),
        "disbursed": Decimal(sums.get(EntryKind.DISBURSEMENT, ZERO)).quantize(CENT),
        "returned": Decimal(sums.get(EntryKind.RETURN, ZERO)).quantize(CENT),
    }


def subscribed_total(project: Project) -> Decimal:
    return Decimal(project.subscriptions.aggregate(t=Sum("amount"))["t"] or ZERO)


def program_budget_used(program: FundingProgram) -> Decimal:
    """Σ budgets of the program's projects that were not terminated."""
    return Decimal(
        program.projects.exclude(status=ProjectStatus.TERMINATED).aggregate(t=Sum("budget"))["t"]
        or ZERO
    )


def next_receipt_seq(fund: Fund, year: int) -> int:
    return (Receipt.objects.filter(fund=fund, year=year).aggregate(m=Max("seq"))["m"] or 0) + 1


# -- facts the workflows and services read -----------------------------------------------------------


def eligibility_problems(proposal: Proposal) -> list[str]:
    """The program's eligibility rules applied to the proposal (shown to staff; they block 通过)."""
    program, org = proposal.program, proposal.organization
    problems: list[str] = []
    if org.status != OrgStatus.NORMAL:
        problems.append(_("申报组织处于活动异常或注销状态。"))
    if program.eligible_org_types and org.org_type not in program.eligible_org_types:
        problems.append(_("组织类型不在本项目申报范围内。"))
    if program.min_registered_years:
        anniversary = (
            org.registered_on.replace(year=org.registered_on.year + program.min_registered_years)
            if not (org.registered_on.month == 2 and org.registered_on.day == 29)
            else datetime.date(org.registered_on.year + program.min_registered_years, 3, 1)
        )
        if anniversary > program.call_opens:
            problems.append(_("登记未满 %(n)d 年。") % {"n": program.min_registered_years})
    if proposal.requested_total > program.per_project_cap:
        problems.append(_("申请金额超过单个项目上限。"))
    if program.focus_areas and proposal.category not in program.focus_areas:
        problems.append(_("服务领域不在本项目资助范围内。"))
    return problems


def program_has_experts(program: FundingProgram) -> bool:
    return program.experts.exists()


def program_expert_users(program: FundingProgram) -> QuerySet[User]:
    return User.objects.filter(pk__in=program.experts.values("expert_id"))


def is_on_panel(program: FundingProgram, expert: User) -> bool:
    return ExpertAssignment.objects.filter(program=program, expert=expert).exists()


def has_expert_role(user: User) -> bool:
    return user.role_assignments.filter(role=Role.EXPERT).exists()


def proposal_has_reviews(proposal: Proposal) -> bool:
    return proposal.reviews.exists()


def has_reviewed(user: Any, proposal: Proposal) -> bool:
    return Review.objects.filter(proposal=proposal, expert_id=user.pk).exists()


def has_reviewed_organization(user: Any, program: FundingProgram, organization_id: int) -> bool:
    """Whether the expert already scored a proposal of the organization in the program."""
    return Review.objects.filter(
        proposal__program=program, proposal__organization_id=organization_id, expert_id=user.pk
    ).exists()


def has_declared_conflict(user: Any, program: FundingProgram, organization_id: int) -> bool:
    return ConflictDeclaration.objects.filter(
        program=program, expert_id=user.pk, organization_id=organization_id
    ).exists()


def project_has_subscriptions(project: Project) -> bool:
    return project.subscriptions.exists()


def subscribed_by(user: Any, project: Project) -> bool:
    return project.subscriptions.filter(funder_id=user.pk).exists()


def subscription_funders(project: Project) -> QuerySet[User]:
    return User.objects.filter(pk__in=project.subscriptions.values("funder_id"))


def contract_of(project: Project) -> Contract | None:
    return Contract.objects.filter(project=project).first()


def locked_contract_of(project: Project) -> Contract | None:
    """The project's contract under a row lock (the caller is in a transaction)."""
    return Contract.objects.select_for_update().filter(project=project).first()


def contract_planned(contract: Contract) -> Decimal:
    return Decimal(contract.tranches.aggregate(t=Sum("amount"))["t"] or ZERO)


def contract_paid(contract: Contract) -> Decimal:
    return Decimal(
        contract.tranches.filter(status=TrancheStatus.PAID).aggregate(t=Sum("amount"))["t"] or ZERO
    )


def next_tranche_seq(contract: Contract) -> int:
    return (contract.tranches.aggregate(m=Max("seq"))["m"] or 0) + 1


def evaluation_of(project: Project) -> Evaluation | None:
    return Evaluation.objects.filter(project=project).first()


def tender_has_bids(tender: Tender) -> bool:
    return tender.bids.exists()


def tender_has_unscored_bids(tender: Tender) -> bool:
    return tender.bids.filter(score__isnull=True).exists()


def has_bid(tender: Tender, organization_id: int) -> bool:
    return tender.bids.filter(organization_id=organization_id).exists()


def orgs_yet_to_bid(user: Any, tender: Tender) -> set[int]:
    """The user's organizations that have not bid on the tender yet."""
    own = permissions.own_org_ids(user)
    done = set(
        tender.bids.filter(organization_id__in=own).values_list("organization_id", flat=True)
    )
    return own - done


def bid_of_tender(tender: Tender, pk: Any) -> Bid | None:
    return tender.bids.filter(pk=pk).first()


def bids_with_organizations(tender: Tender) -> QuerySet[Bid]:
    return tender.bids.select_related("organization")


def awarded_project(*, user: Any, tender: Tender) -> Project | None:
    """The project a tender's award created (same program, organization and title)."""
    awarded = tender.awarded_bid
    if awarded is None:
        return None
    return (
        projects_visible_to(user)
        .filter(program=tender.program, organization_id=awarded.organization_id, title=tender.title)
        .first()
    )


# -- what the pages show -----------------------------------------------------------------------------


def own_proposals(*, user: Any) -> QuerySet[Proposal]:
    """The proposals of the user's own organizations, newest first."""
    return (
        proposals_visible_to(user)
        .filter(organization_id__in=permissions.own_org_ids(user))
        .select_related("program")
        .order_by("-pk")
    )


def recent_projects(*, user: Any) -> QuerySet[Project]:
    return (
        projects_visible_to(user)
        .select_related("organization", "program", "region")
        .order_by("-published_at")
    )


def open_tenders(*, user: Any) -> QuerySet[Tender]:
    return tenders_visible_to(user).filter(status=TenderStatus.OPEN).order_by("closes_on")


def active_funds(*, user: Any) -> QuerySet[Fund]:
    return funds_visible_to(user).filter(is_active=True)


def fund_receipts(*, fund: Fund) -> QuerySet[Receipt]:
    return fund.receipts.order_by("-year", "-seq")


def program_criteria(program: FundingProgram) -> list[Any]:
    return list(program.criteria.all())


def program_panel(program: FundingProgram) -> QuerySet[ExpertAssignment]:
    return program.experts.select_related("expert")


def program_projects(*, user: Any, program: FundingProgram) -> QuerySet[Project]:
    return projects_visible_to(user).filter(program=program).select_related("organization")


def program_tenders(*, user: Any, program: FundingProgram) -> QuerySet[Tender]:
    return tenders_visible_to(user).filter(program=program)


def contract_tranches(contract: Contract | None, *, with_entries: bool = True) -> list[Tranche]:
    """The contract's tranches in order, each knowing its contract (what the workflow reads)."""
    if contract is None:
        return []
    qs = contract.tranches.select_related("entry") if with_entries else contract.tranches.all()
    rows = list(qs.order_by("seq"))
    for t in rows:
        t.contract = contract
    return rows


def project_reports(*, user: Any, project: Project) -> Any:
    """Progress reports: the organization and the program's staff, and funders who subscribed (who
    follow the progress; the receipts stay with the organization and staff)."""
    if can_read_reports(user, project) or subscribed_by(user, project):
        return project.reports.prefetch_related("attachments")
    return []


def project_subscriptions(*, project: Project) -> QuerySet[Subscription]:
    return project.subscriptions.select_related("inflow__receipt").order_by("pk")
