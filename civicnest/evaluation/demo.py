"""Demo evaluation and oversight: templates, compliance facts for the demo network with a few deliberate breaches
(one acknowledged with a plan), a grading round with a confirmed grade and one under public notice, a center
review fed by a satisfaction survey with a reward, and the W 二(二) network targets. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.accounts.phone_codes import code_in_text
from civicnest.core.exceptions import ApplicationError
from civicnest.core.sms import captured_sms
from civicnest.evaluation import defaults, services
from civicnest.evaluation.models import (
    Assessment,
    ComplianceParameters,
    GradingRound,
    Indicator,
    IndicatorTemplate,
    TargetMetric,
    TemplateKind,
)
from civicnest.evaluation.scoring import leaves
from civicnest.evaluation.selectors import template_tree
from civicnest.network.models import Center, CenterLevel, CenterStaff, Employment
from civicnest.regions.models import Region

CITY_AVERAGE_WAGE = Decimal("112000.00")  # demo figure for the previous year's city average wage


def _rates(template: IndicatorTemplate, base: int) -> dict[int, Any]:
    roots, by_id = template_tree(template)
    return {
        n.key: (Decimal(min(100, base + (i * 7) % 9)), "")
        for i, n in enumerate(leaves(roots))
        if by_id[n.key].source == "manual"
    }


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _network_facts() -> dict[str, int]:
    """Every active center gets governance, rules and pay on file; then a few breaches on purpose."""
    Center.objects.update(
        has_board=True,
        has_supervisor=True,
        has_financial_rules=True,
        has_personnel_rules=True,
        has_procedure_rules=True,
        has_party_org=True,
    )
    CenterStaff.objects.filter(employment=Employment.FULL_TIME, annual_pay__isnull=True).update(
        annual_pay=Decimal("126000.00")
    )
    breaches = 0

    def first(level: str, district: str) -> Center | None:
        return (
            Center.objects.filter(level=level, region__code__startswith=district)
            .order_by("region_id", "pk")
            .first()
        )

    community = first(CenterLevel.COMMUNITY, "420102")
    if community is not None:  # premises too small (S 三(二))
        Center.objects.filter(pk=community.pk).update(premises_area=Decimal("24.00"))
        breaches += 1
    wuchang = first(CenterLevel.DISTRICT, "420106")
    if wuchang is not None:  # no supervisor (S 三(三))
        Center.objects.filter(pk=wuchang.pk).update(has_supervisor=False)
        breaches += 1
    street = first(CenterLevel.STREET, "420102")
    if street is not None:  # procedure rules missing (S 三(四))
        Center.objects.filter(pk=street.pk).update(has_procedure_rules=False)
        breaches += 1
    wuchang_street = first(CenterLevel.STREET, "420106")
    if wuchang_street is not None:  # low pay (S 四(三))
        CenterStaff.objects.filter(center=wuchang_street, employment=Employment.FULL_TIME).update(
            annual_pay=Decimal("68000.00")
        )
        breaches += 1
    return {"deliberate_breaches": breaches}


def _grading(admin: User) -> int:
    city = Region.objects.get(code="4201")
    round_ = services.round_open(
        actor=admin,
        data={
            "name": f"{timezone.localdate().year} 年度武汉市社会组织等级评估",
            "year": timezone.localdate().year,
            "region": city,
            "templates": list(
                IndicatorTemplate.objects.filter(kind=TemplateKind.ORG_GRADING, is_current=True)
            ),
            "applications_close_on": timezone.localdate() + datetime.timedelta(days=45),
            "notice": "依据《社会组织评估管理办法》，对登记满两年的社会组织开展等级评估，"
            "由第三方评估机构实地评估，评估委员会评定等级并公示。",
        },
    )
    plans = [
        ("jiangan_org", "wuchang_expert", 97, True),
        ("wuchang_org", "jiangan_expert", 88, False),
    ]
    done = 0
    for rep_name, expert_name, base, confirm in plans:
        rep, expert = _user(rep_name), _user(expert_name)
        grant = rep.role_assignments.filter(organization__isnull=False).first() if rep else None
        if rep is None or expert is None or grant is None:
            continue
        org = grant.organization
        if org is None:
            continue
        try:
            assessment = services.assessment_apply(actor=rep, round_=round_, organization=org)
        except ApplicationError:
            continue
        services.self_assessment_save(
            actor=rep,
            assessment=assessment,
            scores=_rates(assessment.template, base),
            summary=f"{org.name}章程规范、理事会按期召开，年度服务居民逾千人次。",
            submit=True,
        )
        services.assessment_check_eligibility(actor=admin, assessment=assessment, accept=True)
        assignment = services.evaluator_assign(actor=admin, assessment=assessment, evaluator=expert)
        services.onsite_score_submit(
            actor=expert,
            assignment=assignment,
            scores=_rates(assessment.template, base - 2),
            summary="查阅理事会记录、财务凭证与服务台账，走访服务对象 6 人。",
        )
        services.grade_propose(
            actor=admin, assessment=Assessment.objects.get(pk=assessment.pk), note="同意"
        )
        if confirm:
            services.appeal_waive(actor=rep, assessment=assessment)
            services.grade_confirm(actor=admin, assessment=assessment)
        done += 1
    return done


def _review_and_surveys(admin: User) -> int:
    supervisor = _user("jiangan_staff")
    third_party = _user("jiangan_expert")
    street = (
        Center.objects.filter(level=CenterLevel.STREET, region__code__startswith="420102")
        .order_by("region_id", "pk")
        .first()
    )
    if supervisor is None or street is None:
        return 0
    year = timezone.localdate().year - 1
    survey = services.survey_create(
        actor=supervisor,
        center=street,
        data={
            "title": f"{street.name} {year} 年度服务满意度调查",
            "subject": "service",
            "year": year,
            "closes_on": timezone.localdate() + datetime.timedelta(days=30),
        },
    )
    for n in range(12):
        phone = f"1580000{n:04d}"
        with captured_sms() as outbox:  # each respondent asks for a code and reads their SMS
            services.survey_code_send(survey=survey, phone=phone, client_ip=None)
        services.survey_answer(
            survey=survey,
            phone=phone,
            code=code_in_text(outbox[-1][1]),
            data={
                "overall": 5 - n % 3 // 2,
                "attitude": 5,
                "professionalism": 4 + n % 2,
                "facilities": 4 - n % 4 // 3,
                "comment": ["活动室再大一些就好了", "社工很耐心", ""][n % 3],
            },
        )
    review = services.review_open(actor=supervisor, center=street, year=year)
    services.review_score_submit(
        actor=supervisor, review=review, scores=_rates(review.template, 84)
    )
    if third_party is not None:
        services.review_score_submit(
            actor=third_party, review=review, scores=_rates(review.template, 78)
        )
    review = services.review_confirm(
        actor=supervisor, review=review, conclusion="孵化培育扎实，议事规则尚需健全。"
    )
    services.reward_record(
        actor=admin,
        review=review,
        data={
            "title": f"{year} 年度优秀街道社会组织促进中心",
            "amount": Decimal("30000.00"),
            "granted_on": timezone.localdate(),
            "note": "以奖代补，用于社区社会组织培育。",
        },
    )
    return 1


def _targets(admin: User) -> int:
    city = Region.objects.get(code="4201")
    targets = [
        (2016, TargetMetric.DISTRICTS, "100", "W 二(二)：2016年底前四级平台形成示范典型"),
        (2016, TargetMetric.STREETS, "30", "W 二(二)：街道级示范平台"),
        (2016, TargetMetric.COMMUNITIES, "5", "W 二(二)：社区级示范平台"),
        (2018, TargetMetric.DISTRICTS, "100", "W 二(二)：2018年建成培育孵化体系"),
        (2018, TargetMetric.STREETS, "100", "S 四(一)：街道（乡镇）全面建立服务中心"),
        (2018, TargetMetric.COMMUNITIES, "60", "W 二(一)：社区建立社会组织服务中心"),
        (2018, TargetMetric.COMPLIANT, "90", "S 三：人员、场所、运作、制度达标"),
    ]
    for year, metric, percent, note in targets:
        services.target_set(
            actor=admin,
            region=city,
            data={"year": year, "metric": metric, "target_percent": Decimal(percent), "note": note},
        )
    return len(targets)


def seed_evaluation(admin: User) -> dict[str, int]:
    defaults.install(IndicatorTemplate, Indicator)
    if GradingRound.objects.exists():
        return {}
    ComplianceParameters.objects.get_or_create(
        year=timezone.localdate().year,
        defaults={"city_average_wage": CITY_AVERAGE_WAGE, "updated_by": admin},
    )
    counts = _network_facts()
    counts["assessments"] = _grading(admin)
    counts["center_reviews"] = _review_and_surveys(admin)
    counts["network_targets"] = _targets(admin)
    community = (
        Center.objects.filter(level=CenterLevel.COMMUNITY, region__code__startswith="420102")
        .order_by("region_id", "pk")
        .first()
    )
    if community is not None:
        services.breach_acknowledge(
            actor=admin,
            center=community,
            rule="premises",
            plan="社区党群服务中心二楼腾出 45 平方米独立活动室，年底前搬入。",
            due_on=timezone.localdate() + datetime.timedelta(days=90),
        )
    return counts
