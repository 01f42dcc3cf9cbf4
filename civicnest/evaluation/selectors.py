"""Every read of evaluation data, scoped by the user's jurisdiction (and, for evaluators and organizations,
by what is theirs)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.evaluation import compliance, scoring
from civicnest.evaluation.models import (
    Appeal,
    Assessment,
    AssessmentStatus,
    BreachAcknowledgement,
    CenterReview,
    ComplianceParameters,
    ConflictDeclaration,
    EvaluatorAssignment,
    EvidenceFile,
    GradingRound,
    Indicator,
    IndicatorTemplate,
    NetworkTarget,
    RoundStatus,
    Survey,
    SurveyResponse,
    TargetMetric,
    TemplateKind,
)
from civicnest.matching.models import Match
from civicnest.network.models import Center, CenterLevel, CenterStatus, Employment, StaffPosition
from civicnest.network.selectors import centers_visible_to, network_coverage
from civicnest.regions.codes import subtree_q
from civicnest.regions.scoping import Scope
from civicnest.registry.models import ActivityTeam, FilingStatus, OrgStatus, SocialOrganization
from civicnest.training.models import Event

STAFF = (Role.BUREAU_OFFICER, Role.CENTER_STAFF)


# -- templates --------------------------------------------------------------------------------------
def template_list() -> QuerySet[IndicatorTemplate]:
    """Templates are city-wide reference data (no personal data): every staff member and expert reads them."""
    return IndicatorTemplate.objects.annotate(indicator_count=Count("indicators")).order_by(
        "kind", "family", "-version"
    )


def access_template_by_id(user: Any, pk: int) -> IndicatorTemplate:
    scope = Scope.for_user(user)
    if not (scope.is_staff_member or scope.has_role(Role.EXPERT, Role.ORG_REP)):
        raise PermissionDenied(_("您无权查看指标模板。"))
    return get_object_or_404(IndicatorTemplate, pk=pk)


def template_tree(template: IndicatorTemplate) -> tuple[list[scoring.Node], dict[int, Indicator]]:
    indicators = list(template.indicators.order_by("position", "code"))
    by_id = {i.pk: i for i in indicators}
    roots = scoring.build_tree((i.pk, i.parent_id, i.weight) for i in indicators)
    return roots, by_id


@dataclass
class IndicatorRow:
    indicator: Indicator
    depth: int
    is_leaf: bool
    max_points: Decimal


def indicator_rows(template: IndicatorTemplate) -> list[IndicatorRow]:
    roots, by_id = template_tree(template)
    points = scoring.max_points(roots, template.full_score)
    rows: list[IndicatorRow] = []

    def walk(nodes: list[scoring.Node], depth: int) -> None:
        for n in nodes:
            rows.append(IndicatorRow(by_id[n.key], depth, n.is_leaf, points[n.key]))
            walk(n.children, depth + 1)

    walk(roots, 0)
    return rows


def current_template(*, kind: str, org_type: str = "") -> IndicatorTemplate | None:
    return (
        IndicatorTemplate.objects.filter(kind=kind, org_type=org_type, is_current=True)
        .order_by("family")
        .first()
    )


# -- grading rounds ---------------------------------------------------------------------------------
def rounds_visible_to(user: Any) -> QuerySet[GradingRound]:
    """Staff see the rounds of their jurisdiction; organizations the rounds covering their region; experts
    the rounds they evaluate in."""
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return GradingRound.objects.all()
    condition = scope.q("region")
    org_regions = [
        g.region_code for g in scope.grants if g.role == Role.ORG_REP and g.organization_id
    ]
    orgs = SocialOrganization.objects.filter(
        pk__in=[g.organization_id for g in scope.grants if g.role == Role.ORG_REP]
    ).values_list("region_id", flat=True)
    prefixes = {code[:n] for code in [*org_regions, *orgs] for n in (2, 4, 6) if len(code) >= n}
    if prefixes:
        condition |= Q(region_id__in=prefixes)
    if scope.has_role(Role.EXPERT):
        condition |= Q(assessments__assignments__evaluator_id=user.pk)
    return GradingRound.objects.filter(condition).distinct()


def access_round_by_id(user: Any, pk: int) -> GradingRound:
    return get_object_or_404(rounds_visible_to(user).select_related("region"), pk=pk)


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Assessment.objects.all()
    condition = scope.q("region")
    own = [g.organization_id for g in scope.grants if g.role == Role.ORG_REP and g.organization_id]
    if own:
        condition |= Q(organization_id__in=own)
    if scope.has_role(Role.EXPERT):
        condition |= Q(
            pk__in=EvaluatorAssignment.objects.filter(evaluator_id=user.pk).values("assessment_id")
        )
    return Assessment.objects.filter(condition)


def access_assessment_by_id(user: Any, pk: int) -> Assessment:
    return get_object_or_404(
        assessments_visible_to(user).select_related(
            "round__region", "organization__region", "organization__center", "template"
        ),
        pk=pk,
    )


def round_assessments(*, user: Any, round_: GradingRound) -> QuerySet[Assessment]:
    return (
        assessments_visible_to(user)
        .filter(round=round_)
        .select_related("organization")
        .annotate(evaluators=Count("assignments"))
        .order_by("organization__name")
    )


def my_assignments(*, user: Any) -> QuerySet[EvaluatorAssignment]:
    return (
        EvaluatorAssignment.objects.filter(evaluator_id=user.pk)
        .select_related("assessment__organization", "assessment__round")
        .order_by("submitted_at", "-pk")
    )


def my_applications(*, user: Any) -> QuerySet[Assessment]:
    scope = Scope.for_user(user)
    own = [g.organization_id for g in scope.grants if g.role == Role.ORG_REP and g.organization_id]
    return (
        Assessment.objects.filter(organization_id__in=own)
        .select_related("round", "organization")
        .order_by("-created_at")
    )


def open_rounds_for_org(org: SocialOrganization) -> QuerySet[GradingRound]:
    """Rounds whose region covers the organization and still take applications."""
    prefixes = [org.region_id[:n] for n in (2, 4, 6)]
    return GradingRound.objects.filter(
        region_id__in=prefixes,
        status=RoundStatus.OPEN,
        applications_close_on__gte=timezone.localdate(),
    ).exclude(assessments__organization=org)


def self_rates(assessment: Assessment) -> dict[int, Decimal]:
    return {s.indicator_id: s.score for s in assessment.self_scores.all()}


def onsite_rates(assignment: EvaluatorAssignment) -> dict[int, Decimal]:
    return {s.indicator_id: s.score for s in assignment.scores.all()}


def evaluators_for(*, user: Any) -> QuerySet[Any]:
    """Experts the bureau can assign: every active user holding the expert role."""

    return (
        User.objects.filter(is_active=True, role_assignments__role=Role.EXPERT)
        .distinct()
        .order_by("full_name", "username")
    )


def published_results(*, district: str = "") -> QuerySet[Assessment]:
    """The public list (portal): confirmed grades and grades under public notice. No personal data."""
    qs = Assessment.objects.filter(
        status__in=[
            AssessmentStatus.CONFIRMED,
            AssessmentStatus.PUBLICIZED,
            AssessmentStatus.APPEALED,
        ]
    ).select_related("organization__region", "round")
    if district:
        qs = qs.filter(subtree_q([district], "organization__region"))
    return qs.order_by("-round__year", "status", "organization__name")


# -- center reviews and surveys ---------------------------------------------------------------------
def reviews_visible_to(user: Any) -> QuerySet[CenterReview]:
    scope = Scope.for_user(user)
    condition = scope.q("region")
    experts = [g.region_code[:6] for g in scope.grants if g.role == Role.EXPERT]
    if experts:
        condition |= subtree_q(experts, "region")
    if scope.is_superuser:
        return CenterReview.objects.all()
    return CenterReview.objects.filter(condition)


def access_review_by_id(user: Any, pk: int) -> CenterReview:
    return get_object_or_404(
        reviews_visible_to(user).select_related("center__region", "center__parent", "template"),
        pk=pk,
    )


def surveys_visible_to(user: Any) -> QuerySet[Survey]:
    return Scope.for_user(user).filter(Survey.objects.all(), "region")


def access_survey_by_id(user: Any, pk: int) -> Survey:
    return get_object_or_404(
        surveys_visible_to(user)
        .select_related("center")
        .annotate(
            answers=Count("responses"),
            avg_overall=Avg("responses__overall"),
        ),
        pk=pk,
    )


def survey_satisfaction(*, center: Center, year: int) -> tuple[Decimal | None, int]:
    """Satisfaction of a center's surveys for a year, 0–100 (the mean of all ratings mapped 1→0, 5→100)."""
    qs = SurveyResponse.objects.filter(survey__center=center, survey__year=year)
    agg = qs.aggregate(
        n=Count("pk"),
        avg=Avg((F("overall") + F("attitude") + F("professionalism") + F("facilities")) / 4.0),
    )
    if not agg["n"]:
        return None, 0
    mean = Decimal(str(agg["avg"]))
    return ((mean - 1) * 25).quantize(Decimal("0.01")), agg["n"]


def review_rates(review: CenterReview) -> dict[int, Decimal]:
    """Per indicator: the mean of all reviewers' rates; survey-fed indicators take the survey result."""
    rows = review.scores.values("indicator_id").annotate(avg=Avg("score"))
    rates = {r["indicator_id"]: Decimal(str(r["avg"])) for r in rows}
    satisfaction, _n = survey_satisfaction(center=review.center, year=review.year)
    for ind in review.template.indicators.filter(source="survey"):
        rates[ind.pk] = satisfaction or Decimal(0)
    return rates


# -- compliance ------------------------------------------------------------------------------------
def parameters_for(year: int | None = None) -> compliance.Parameters:
    year = year or timezone.localdate().year
    row = (
        ComplianceParameters.objects.filter(year__lte=year).order_by("-year").first()
        or ComplianceParameters.objects.order_by("year").first()
    )
    if row is None:
        return compliance.Parameters(year=year)
    return compliance.Parameters(
        year=row.year,
        min_premises_area=row.min_premises_area,
        served_per_staff=row.served_per_staff,
        social_worker_share=row.social_worker_share,
        city_average_wage=row.city_average_wage,
    )


def filed_teams_by_prefix(teams: QuerySet[ActivityTeam] | None = None) -> dict[str, int]:
    """Filed activity teams counted under their own region and its street: one GROUP BY, summed in Python
    (a per-center prefix subquery cannot use an index and grows with centers × teams)."""
    qs = ActivityTeam.objects.all() if teams is None else teams
    grouped = (
        qs.filter(status=FilingStatus.FILED)
        .order_by()
        .values("region_id")
        .annotate(n=Count("pk"))
        .values_list("region_id", "n")
    )
    totals: dict[str, int] = {}
    for code, n in grouped:
        for prefix in {code, code[:9]} if len(code) > 9 else {code}:
            totals[prefix] = totals.get(prefix, 0) + n
    return totals


def center_facts(
    centers: QuerySet[Center], teams_qs: QuerySet[ActivityTeam] | None = None
) -> list[compliance.CenterFacts]:
    active_ft = Q(staff__is_active=True, staff__employment=Employment.FULL_TIME)
    orgs = (
        SocialOrganization.objects.filter(center=OuterRef("pk"))
        .exclude(status=OrgStatus.DEREGISTERED)
        .order_by()
        .values("center")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        centers.filter(status=CenterStatus.ACTIVE)
        .annotate(
            ft=Count("staff", filter=active_ft),
            certified=Count("staff", filter=active_ft & ~Q(staff__social_worker_level="")),
            party=Count("staff", filter=Q(staff__is_active=True, staff__is_party_member=True)),
            directors=Count(
                "staff", filter=Q(staff__is_active=True, staff__position=StaffPosition.DIRECTOR)
            ),
            pay_avg=Avg("staff__annual_pay", filter=active_ft),
            pay_missing=Count("staff", filter=active_ft & Q(staff__annual_pay__isnull=True)),
            orgs_served=Coalesce(Subquery(orgs), 0),
        )
        .order_by("region_id", "name")
    )
    teams = filed_teams_by_prefix(teams_qs)
    facts = []
    for c in rows.values(  # plain dicts: no model instances for thousands of centers
        "pk",
        "name",
        "level",
        "region_id",
        "premises_area",
        "premises_independent",
        "has_party_org",
        "has_board",
        "has_supervisor",
        "has_financial_rules",
        "has_personnel_rules",
        "has_procedure_rules",
        "ft",
        "certified",
        "party",
        "directors",
        "pay_avg",
        "pay_missing",
        "orgs_served",
    ):
        facts.append(
            compliance.CenterFacts(
                center_id=c["pk"],
                name=c["name"],
                level=c["level"],
                region_id=c["region_id"],
                premises_area=c["premises_area"],
                premises_independent=c["premises_independent"],
                full_time=c["ft"],
                certified=c["certified"],
                party_members=c["party"],
                has_party_org=c["has_party_org"],
                directors=c["directors"],
                has_board=c["has_board"],
                has_supervisor=c["has_supervisor"],
                rules={
                    "financial": c["has_financial_rules"],
                    "personnel": c["has_personnel_rules"],
                    "procedure": c["has_procedure_rules"],
                },
                average_pay=Decimal(str(c["pay_avg"])) if c["pay_avg"] is not None else None,
                pay_missing=c["pay_missing"],
                organizations_served=c["orgs_served"],
                teams_served=teams.get(c["region_id"], 0)
                if c["level"] in (CenterLevel.STREET, CenterLevel.COMMUNITY)
                else 0,
            )
        )
    return facts


@dataclass
class Breach:
    center_id: int
    center_name: str
    region_id: str
    rule: compliance.Rule
    outcome: compliance.Outcome
    acknowledgement: BreachAcknowledgement | None


@dataclass
class ComplianceReport:
    centers: int
    compliant: int
    breaches: list[Breach]
    outcomes: dict[int, list[compliance.Outcome]]
    parameters: compliance.Parameters

    @property
    def compliant_percent(self) -> float:
        return round(100 * self.compliant / self.centers, 1) if self.centers else 0.0


def compliance_report(
    *, user: Any, center_ids: list[int] | None = None, rule: str = ""
) -> ComplianceReport:
    centers = centers_visible_to(user)
    if center_ids is not None:
        centers = centers.filter(pk__in=center_ids)
    params = parameters_for()
    facts = center_facts(centers, Scope.for_user(user).filter(ActivityTeam.objects.all(), "region"))
    acks = {
        (a.center_id, a.rule): a
        for a in BreachAcknowledgement.objects.filter(
            center__in=centers, closed_at__isnull=True
        ).select_related("acknowledged_by")
    }
    breaches: list[Breach] = []
    outcomes: dict[int, list[compliance.Outcome]] = {}
    compliant = 0
    for f in facts:
        results = compliance.evaluate(f, params)
        outcomes[f.center_id] = results
        failed = [o for o in results if not o.passed]
        if not failed:
            compliant += 1
        for o in failed:
            if rule and o.rule != rule:
                continue
            breaches.append(
                Breach(
                    f.center_id,
                    f.name,
                    f.region_id,
                    compliance.RULES_BY_CODE[o.rule],
                    o,
                    acks.get((f.center_id, o.rule)),
                )
            )
    return ComplianceReport(len(facts), compliant, breaches, outcomes, params)


# -- targets ---------------------------------------------------------------------------------------
@dataclass
class TargetRow:
    target: NetworkTarget
    actual: float

    @property
    def met(self) -> bool:
        return Decimal(str(self.actual)) >= self.target.target_percent


def targets_visible_to(user: Any) -> QuerySet[NetworkTarget]:
    """Targets set for the user's region or any region above it (the city's targets bind a district)."""
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return NetworkTarget.objects.all()
    condition = scope.q("region")
    for prefix in scope.prefixes():
        condition |= Q(region_id__in=[prefix[:n] for n in (2, 4, 6, 9) if len(prefix) > n])
    return NetworkTarget.objects.filter(condition)


def target_tracking(*, user: Any) -> list[TargetRow]:
    coverage = {row.level: row.percent for row in network_coverage(user=user)}
    report = compliance_report(user=user)
    actual = {
        TargetMetric.DISTRICTS: coverage.get(CenterLevel.DISTRICT, 0.0),
        TargetMetric.STREETS: coverage.get(CenterLevel.STREET, 0.0),
        TargetMetric.COMMUNITIES: coverage.get(CenterLevel.COMMUNITY, 0.0),
        TargetMetric.COMPLIANT: report.compliant_percent,
    }
    return [
        TargetRow(t, actual[TargetMetric(t.metric)])
        for t in targets_visible_to(user).select_related("region").order_by("year", "metric")
    ]


# -- reads the pages need (views never query models themselves) ------------------------------------


def organizations_represented(*, user: Any) -> QuerySet[SocialOrganization]:
    """The organizations the user represents (their org_rep grants)."""
    ids = [
        g.organization_id
        for g in Scope.for_user(user).grants
        if g.role == Role.ORG_REP and g.organization_id
    ]
    return SocialOrganization.objects.filter(pk__in=ids)


def organization_by_id(pk: Any) -> SocialOrganization | None:
    """An organization by id, or None (the caller checks what the user may do with it)."""
    try:
        return SocialOrganization.objects.filter(pk=int(pk or 0)).first()
    except (TypeError, ValueError):
        return None


def organization_by_uscc(uscc: str) -> SocialOrganization | None:
    return SocialOrganization.objects.filter(uscc=uscc.strip().upper()).first()


def template_versions(template: IndicatorTemplate) -> QuerySet[IndicatorTemplate]:
    return IndicatorTemplate.objects.filter(family=template.family).order_by("-version")


def current_grading_templates() -> QuerySet[IndicatorTemplate]:
    return IndicatorTemplate.objects.filter(kind=TemplateKind.ORG_GRADING, is_current=True)


def access_indicator_by_id(user: Any, pk: int) -> Indicator:
    indicator = get_object_or_404(Indicator.objects.select_related("template"), pk=pk)
    access_template_by_id(user, indicator.template_id)
    return indicator


def appeal_of(assessment: Assessment) -> Appeal | None:
    return Appeal.objects.filter(assessment=assessment).first()


def access_evidence_by_id(user: Any, pk: int) -> EvidenceFile:
    return get_object_or_404(
        EvidenceFile.objects.filter(assessment__in=assessments_visible_to(user)), pk=pk
    )


def conflicts_declared_by(*, user: Any) -> QuerySet[ConflictDeclaration]:
    return ConflictDeclaration.objects.filter(evaluator_id=user.pk).select_related("organization")


def centers_by_ids(ids: list[int]) -> QuerySet[Center]:
    """Centers the caller has already found in the user's scope, as a queryset for a form's choices."""
    return Center.objects.filter(pk__in=ids)


def surveys_of_review(review: CenterReview) -> QuerySet[Survey]:
    return Survey.objects.filter(center=review.center, year=review.year)


def survey_choices(*, user: Any, center_ids: list[int]) -> dict[str, Any]:
    """What a survey can be about: the centers, their recent events and matches in the user's scope."""
    return {
        "centers": Center.objects.filter(pk__in=center_ids),
        "events": Event.objects.filter(center_id__in=center_ids).order_by("-starts_at")[:200],
        "matches": Scope.for_user(user)
        .filter(Match.objects.select_related("need"), "region")
        .order_by("-pk")[:200],
    }


def survey_by_token(token: str) -> Survey:
    """The survey a public link names (the token is the capability)."""
    return get_object_or_404(Survey.objects.select_related("center"), token=token)


def compliance_parameter_rows() -> QuerySet[ComplianceParameters]:
    return ComplianceParameters.objects.all()


def access_appeal_of(assessment: Assessment) -> Appeal:
    """The appeal of an assessment the caller already reached through `access_assessment_by_id` (404 if none)."""
    return get_object_or_404(Appeal, assessment=assessment)


def assignments_of(assessment: Assessment) -> list[EvaluatorAssignment]:
    return list(assessment.assignments.select_related("evaluator").prefetch_related("scores"))


def evidence_of(assessment: Assessment) -> QuerySet[EvidenceFile]:
    return assessment.evidence.select_related("indicator")


def own_self_scores(assessment: Assessment) -> dict[int, tuple[Decimal, str]]:
    return {s.indicator_id: (s.score, s.note) for s in assessment.self_scores.all()}


def own_review_scores(review: CenterReview, *, user: Any) -> dict[int, tuple[Decimal, str]]:
    return {s.indicator_id: (s.score, s.note) for s in review.scores.filter(reviewer_id=user.pk)}


def review_scores(review: CenterReview) -> QuerySet[Any]:
    return review.scores.select_related("reviewer", "indicator").order_by("indicator__code")


def review_rewards(review: CenterReview) -> QuerySet[Any]:
    return review.rewards.all()


def survey_comments(survey: Survey, limit: int = 50) -> list[str]:
    return list(survey.responses.exclude(comment="").values_list("comment", flat=True)[:limit])


def indicator_of_template(template: IndicatorTemplate, pk: Any) -> Indicator | None:
    """An indicator of this template by the id a form posted, or None."""
    try:
        return template.indicators.filter(pk=int(pk)).first() if pk else None
    except (TypeError, ValueError):
        return None


# -- reads the services need ------------------------------------------------------------------------
def template_in_use(template: IndicatorTemplate) -> bool:
    """Used by a round, an assessment or a review: its next edit makes a new version."""
    return (
        template.rounds.exists()
        or Assessment.objects.filter(template=template).exists()
        or CenterReview.objects.filter(template=template).exists()
    )


def unfinished_assessment_count(round_: GradingRound, statuses: tuple[str, ...]) -> int:
    return round_.assessments.filter(status__in=statuses).count()


def review_has_scores(review: CenterReview) -> bool:
    return review.scores.exists()


def review_exists(*, center: Center, year: int) -> bool:
    return CenterReview.objects.filter(center=center, year=year).exists()


def annual_inspection_failed(org: SocialOrganization, *, year: int) -> bool:
    last = org.annual_reports.filter(year=year).first()
    return last is not None and last.result == "fail"


def parameters_row(*, year: int) -> ComplianceParameters | None:
    return ComplianceParameters.objects.filter(year=year).first()


def target_row(*, region: Any, year: int, metric: str) -> NetworkTarget | None:
    return NetworkTarget.objects.filter(region=region, year=year, metric=metric).first()
