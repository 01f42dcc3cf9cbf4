"""Each compliance rule with a passing and a failing case (pure), then the same rules over real rows, the
compliance page, acknowledgements, parameters and the network targets."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.evaluation import compliance, selectors, services
from civicnest.evaluation.compliance import FAIL, NOT_APPLICABLE, PASS, CenterFacts, Parameters
from civicnest.evaluation.models import BreachAcknowledgement, ComplianceParameters, TargetMetric
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory, CenterStaffFactory
from civicnest.regions.models import Region
from civicnest.registry.tests.factories import OrganizationFactory, TeamFactory

PARAMS = Parameters(
    year=2026,
    min_premises_area=Decimal("30"),
    served_per_staff=10,
    social_worker_share=Decimal("30"),
    city_average_wage=Decimal("100000"),
)

GOOD = CenterFacts(
    center_id=1,
    name="好中心",
    level="district",
    region_id="420102",
    premises_area=Decimal("120"),
    premises_independent=True,
    full_time=4,
    certified=2,
    party_members=3,
    has_party_org=True,
    directors=1,
    has_board=True,
    has_supervisor=True,
    rules={"financial": True, "personnel": True, "procedure": True},
    average_pay=Decimal("110000"),
    pay_missing=0,
    organizations_served=25,
    teams_served=10,
)


def status(rule: str, facts: CenterFacts, params: Parameters = PARAMS) -> str:
    return compliance.RULES_BY_CODE[rule].check(facts, params).status


def test_good_center_passes_every_rule() -> None:
    assert [o.status for o in compliance.evaluate(GOOD, PARAMS)] == [PASS] * len(compliance.RULES)


def test_every_rule_cites_its_source_in_the_seeds() -> None:
    for rule in compliance.RULES:
        assert str(rule.source)[:1] in {"W", "S"}, rule.code


@pytest.mark.parametrize(
    ("rule", "failing"),
    [
        ("premises", {"premises_area": Decimal("29.99")}),
        ("premises", {"premises_independent": False}),
        ("full_time_staff", {"full_time": 0, "certified": 0}),
        ("staff_ratio", {"full_time": 3}),  # 35 served / 10 per person → 4 needed
        ("social_workers", {"certified": 1}),  # 25 % < 30 %
        ("party_organization", {"has_party_org": False}),
        ("average_pay", {"average_pay": Decimal("99999.99")}),
        ("average_pay", {"pay_missing": 1}),
        ("board", {"has_board": False}),
        ("board", {"has_supervisor": False}),
        ("board", {"directors": 0}),
        ("rules", {"rules": {"financial": True, "personnel": False, "procedure": True}}),
    ],
)
def test_each_rule_fails_on_its_own_breach(rule: str, failing: dict[str, object]) -> None:
    assert status(rule, GOOD) == PASS
    bad = replace(GOOD, **failing)  # type: ignore[arg-type]
    outcome = compliance.RULES_BY_CODE[rule].check(bad, PARAMS)
    assert outcome.status == FAIL
    assert outcome.message
    assert outcome.data  # the data behind the breach is shown beside it


def test_boundaries_pass() -> None:
    assert status("premises", replace(GOOD, premises_area=Decimal("30"))) == PASS
    assert status("staff_ratio", replace(GOOD, organizations_served=30, teams_served=10)) == PASS
    assert status("social_workers", replace(GOOD, full_time=10, certified=3)) == PASS
    assert status("average_pay", replace(GOOD, average_pay=Decimal("100000"))) == PASS


def test_rules_that_do_not_apply() -> None:
    street = replace(GOOD, level="street", full_time=0, certified=0)
    assert status("full_time_staff", street) == NOT_APPLICABLE  # W 二(三): "原则上应配有"
    assert status("party_organization", replace(GOOD, party_members=2, has_party_org=False)) == (
        NOT_APPLICABLE
    )
    assert status("average_pay", GOOD, replace(PARAMS, city_average_wage=None)) == NOT_APPLICABLE
    assert status("staff_ratio", replace(GOOD, organizations_served=0, teams_served=0)) == (
        NOT_APPLICABLE
    )


def test_staff_ratio_is_configurable() -> None:
    assert status("staff_ratio", GOOD, replace(PARAMS, served_per_staff=5)) == FAIL
    assert status("staff_ratio", GOOD, replace(PARAMS, served_per_staff=20)) == PASS


# -- over real rows ---------------------------------------------------------------------------------
@pytest.fixture
def wage(db: None) -> ComplianceParameters:
    return ComplianceParameters.objects.create(
        year=timezone.localdate().year,
        city_average_wage=Decimal("100000"),
        served_per_staff=2,
    )


def _compliant_center(**extra: object) -> Center:
    center = CenterFactory.create(
        has_party_org=True,
        has_board=True,
        has_supervisor=True,
        has_financial_rules=True,
        has_personnel_rules=True,
        has_procedure_rules=True,
        **extra,
    )
    CenterStaffFactory.create(
        center=center,
        position="director",
        social_worker_level="intermediate",
        annual_pay=Decimal("120000"),
    )
    return center


@pytest.mark.django_db
def test_facts_come_from_the_centers_rows(
    wage: ComplianceParameters, jiangan_officer: User
) -> None:
    center = _compliant_center()
    report = selectors.compliance_report(user=jiangan_officer)
    assert report.centers == 1 and report.compliant == 1 and report.breaches == []

    # Three organizations served by one full-time person, with 2 per person allowed → staff_ratio fails.
    OrganizationFactory.create_batch(3, center=center)
    for _ in range(3):
        CenterStaffFactory.create(center=center, employment="part_time", is_party_member=True)
    CenterStaffFactory.create(center=center, employment="full_time", annual_pay=Decimal("50000"))
    Center.objects.filter(pk=center.pk).update(has_party_org=False, premises_area=Decimal("20"))
    report = selectors.compliance_report(user=jiangan_officer)
    failed = {b.rule.code for b in report.breaches}
    # 2 full-time (1 certified = 50 %) cover 4 served; average pay 85,000 < 100,000; 3 party members.
    assert failed == {"premises", "average_pay", "party_organization"}
    assert report.compliant == 0
    pay = next(b for b in report.breaches if b.rule.code == "average_pay")
    assert pay.outcome.data_dict()["专职人员平均收入"] == "85000.00 元"


@pytest.mark.django_db
def test_street_centers_count_filed_teams(wage: ComplianceParameters, city_officer: User) -> None:
    street = _compliant_center(region_id="420102002", level="street")
    for n in range(3):
        TeamFactory.create(region_id="420102002003", status="filed", filing_number=f"BA-{n}")
    TeamFactory.create(region_id="420102002003", status="submitted")  # not filed: not counted
    facts = selectors.center_facts(Center.objects.filter(pk=street.pk))[0]
    assert facts.teams_served == 3
    assert status("staff_ratio", facts, selectors.parameters_for()) == FAIL


@pytest.mark.django_db
def test_other_districts_centers_are_not_checked_for_me(
    wage: ComplianceParameters, jiangan_officer: User
) -> None:
    CenterFactory.create(region_id="420106", name="武昌不合规中心")
    report = selectors.compliance_report(user=jiangan_officer)
    assert report.centers == 0


@pytest.mark.django_db
def test_acknowledge_a_breach_with_plan_and_due_date(
    client, wage: ComplianceParameters, jiangan_staff: User, jiangan_center: Center
) -> None:
    jiangan_staff = User.objects.get(pk=jiangan_staff.pk)
    Center.objects.filter(pk=jiangan_center.pk).update(premises_area=Decimal("20"))
    due = timezone.localdate() + datetime.timedelta(days=60)
    with pytest.raises(ApplicationError, match="符合这条规则"):
        Center.objects.filter(pk=jiangan_center.pk).update(has_board=True, has_supervisor=True)
        CenterStaffFactory.create(center=jiangan_center, position="director")
        services.breach_acknowledge(
            actor=jiangan_staff, center=jiangan_center, rule="board", plan="x", due_on=due
        )
    with pytest.raises(ValidationError) as exc:
        services.breach_acknowledge(
            actor=jiangan_staff,
            center=jiangan_center,
            rule="premises",
            plan="",
            due_on=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"plan", "due_on"}
    client.force_login(jiangan_staff)
    response = client.post(
        reverse("evaluation:breach-ack", kwargs={"pk": jiangan_center.pk}),
        {"rule": "premises", "plan": "街道协调二楼 60 平方米活动室", "due_on": due.isoformat()},
    )
    assert response.status_code == 302
    ack = BreachAcknowledgement.objects.get()
    assert ack.plan.startswith("街道协调") and ack.due_on == due
    page = client.get(reverse("evaluation:compliance")).content.decode()
    assert "街道协调二楼" in page
    assert "S 三(二)" in page  # the source is shown beside the breach
    api = client.get(reverse("api:compliance-list")).json()
    premises = next(r for r in api["results"] if r["rule"] == "premises")
    assert premises["plan"].startswith("街道协调") and premises["facts"]["场地面积"] == "20.00 ㎡"


@pytest.mark.django_db
def test_acknowledging_needs_the_right_to_run_the_center(
    wage: ComplianceParameters, make_user: Callable[..., User], jiangan_center: Center
) -> None:
    other = make_user(Role.CENTER_STAFF, "420102", center=CenterFactory.create())
    with pytest.raises(PermissionDenied):
        services.breach_acknowledge(
            actor=other,
            center=jiangan_center,
            rule="premises",
            plan="x",
            due_on=timezone.localdate(),
        )


@pytest.mark.django_db
def test_parameters_only_by_the_city_bureau(
    client, city_officer: User, jiangan_officer: User
) -> None:
    data = {
        "year": 2026,
        "min_premises_area": "30",
        "served_per_staff": 30,
        "social_worker_share": "25",
        "city_average_wage": "118000",
    }
    client.force_login(jiangan_officer)
    assert client.post(reverse("evaluation:parameters"), data).status_code == 403
    client.force_login(city_officer)
    assert client.post(reverse("evaluation:parameters"), data).status_code == 302
    assert ComplianceParameters.objects.get(year=2026).city_average_wage == Decimal("118000")
    assert selectors.parameters_for(2027).served_per_staff == 30  # the latest year applies


@pytest.mark.django_db
def test_targets_are_tracked_against_the_data(
    client, city_officer: User, jiangan_officer: User, wage: ComplianceParameters
) -> None:
    city = Region.objects.get(code="4201")
    services.target_set(
        actor=city_officer,
        region=city,
        data={"year": 2018, "metric": TargetMetric.DISTRICTS, "target_percent": Decimal("100")},
    )
    services.target_set(
        actor=city_officer,
        region=city,
        data={"year": 2018, "metric": TargetMetric.COMPLIANT, "target_percent": Decimal("80")},
    )
    with pytest.raises(PermissionDenied):
        services.target_set(
            actor=jiangan_officer,
            region=city,
            data={"year": 2018, "metric": TargetMetric.STREETS, "target_percent": Decimal("1")},
        )
    _compliant_center(region_id="420102", level="district")
    rows = {r.target.metric: r for r in selectors.target_tracking(user=city_officer)}
    assert rows[TargetMetric.DISTRICTS].actual == round(100 / 13, 1)
    assert not rows[TargetMetric.DISTRICTS].met
    assert rows[TargetMetric.COMPLIANT].actual == 100.0 and rows[TargetMetric.COMPLIANT].met
    # A district officer sees the city's targets measured over their own district.
    mine = {r.target.metric: r for r in selectors.target_tracking(user=jiangan_officer)}
    assert mine[TargetMetric.DISTRICTS].actual == 100.0
    client.force_login(jiangan_officer)
    assert "设有中心的区县比例" in client.get(reverse("evaluation:targets")).content.decode()
