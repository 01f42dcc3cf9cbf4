"""Every read of the funding chain, scoped: staff by region, organizations by their own id, experts by their
panels, funders by the region they are bound to. Public reads (portal) show only published projects."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.accounts.selectors import users_with_role
from civicnest.philanthropy import permissions
from civicnest.philanthropy.models import (
    Bid,
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
)
from civicnest.regions.codes import subtree_q
from civicnest.regions.scoping import Scope

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
