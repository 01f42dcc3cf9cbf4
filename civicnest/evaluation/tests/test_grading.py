"""Grading rounds: apply → self-assess → eligibility → evaluators (no conflict of interest) → on-site scores →
committee grade by bands → public notice and appeal window → confirmation written to the registry."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.evaluation import services
from civicnest.evaluation.models import (
    Assessment,
    AssessmentStatus,
    GradingRound,
    IndicatorTemplate,
    SelfScore,
)
from civicnest.evaluation.tests.conftest import all_rates, score_all
from civicnest.network.models import Center
from civicnest.registry.models import SocialOrganization
from civicnest.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_full_workflow_writes_the_grade_to_the_registry(
    accepted: Assessment, city_officer: User, org_rep: User, expert: User, expert_b: User
) -> None:
    services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=expert)
    services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=expert_b)
    score_all(accepted, expert, 96)
    accepted.refresh_from_db()
    assert accepted.status == AssessmentStatus.ACCEPTED  # the second evaluator has not scored yet
    score_all(accepted, expert_b, 94)
    accepted.refresh_from_db()
    assert accepted.status == AssessmentStatus.SCORED
    assert accepted.onsite_total == Decimal("950.00")  # mean of 960 and 940
    services.grade_propose(actor=city_officer, assessment=accepted)
    accepted.refresh_from_db()
    assert accepted.proposed_grade == "4A"  # 950 is below the 951 line of 5A
    assert accepted.appeal_until == timezone.localdate() + datetime.timedelta(days=7)
    with pytest.raises(ApplicationError, match="期满后"):
        services.grade_confirm(actor=city_officer, assessment=accepted)
    services.appeal_waive(actor=org_rep, assessment=accepted)
    services.grade_confirm(actor=city_officer, assessment=accepted)
    org = SocialOrganization.objects.get(pk=accepted.organization_id)
    assert org.grade == "4A"
    today = timezone.localdate()
    assert org.grade_valid_until == services.add_years(today, 5) - datetime.timedelta(days=1)


def test_self_assessment_total_is_weighted(accepted: Assessment) -> None:
    assert accepted.self_total == Decimal("950.00")
    assert accepted.status == AssessmentStatus.ACCEPTED


def test_submit_requires_every_indicator_and_saves_nothing_on_bad_input(
    grading_round: GradingRound, org: SocialOrganization, org_rep: User
) -> None:
    assessment = services.assessment_apply(actor=org_rep, round_=grading_round, organization=org)
    scores = all_rates(assessment.template, 80)
    first = next(iter(scores))
    scores[first] = (Decimal("120"), "")
    with pytest.raises(ValidationError) as exc:
        services.self_assessment_save(
            actor=org_rep, assessment=assessment, scores=scores, summary="x", submit=True
        )
    assert "得分率应在 0 到 100 之间。" in exc.value.message_dict[f"score_{first}"]
    assert not SelfScore.objects.filter(assessment=assessment).exists()
    scores.pop(first)
    with pytest.raises(ValidationError) as exc:
        services.self_assessment_save(
            actor=org_rep, assessment=assessment, scores=scores, summary="x", submit=True
        )
    assert f"score_{first}" in exc.value.message_dict
    # Saving a draft with gaps is fine.
    services.self_assessment_save(actor=org_rep, assessment=assessment, scores=scores, summary="")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_eligibility_rules(
    grading_round: GradingRound, make_user: Callable[..., User], jiangan_center: Center
) -> None:
    young = OrganizationFactory.create(
        region_id="420102", registered_on=timezone.localdate() - datetime.timedelta(days=200)
    )
    abnormal = OrganizationFactory.create(region_id="420102", status="abnormal")
    graded = OrganizationFactory.create(
        region_id="420102",
        grade="3A",
        grade_valid_until=timezone.localdate() + datetime.timedelta(days=100),
    )
    for org, message in ((young, "登记未满 2 年"), (abnormal, "活动异常"), (graded, "有效等级")):
        rep = make_user()
        RoleAssignment.objects.create(
            user=rep, role=Role.ORG_REP, region_id="420102", organization=org
        )
        with pytest.raises(ApplicationError, match=message):
            services.assessment_apply(actor=rep, round_=grading_round, organization=org)


def test_only_the_organization_applies_and_only_once(
    grading_round: GradingRound, org: SocialOrganization, org_rep: User, jiangan_officer: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.assessment_apply(actor=jiangan_officer, round_=grading_round, organization=org)
    services.assessment_apply(actor=org_rep, round_=grading_round, organization=org)
    with pytest.raises(ApplicationError, match="已申报"):
        services.assessment_apply(actor=org_rep, round_=grading_round, organization=org)


# -- conflict of interest ---------------------------------------------------------------------------
def test_conflict_of_interest_refused_for_the_organizations_own_representative(
    accepted: Assessment, city_officer: User, org_rep: User
) -> None:
    RoleAssignment.objects.create(user=org_rep, role=Role.EXPERT, region_id="420102")
    org_rep = User.objects.get(pk=org_rep.pk)  # the scope is cached on the instance
    with pytest.raises(ValidationError, match=r"利益冲突.*负责人"):
        services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=org_rep)
    assert not accepted.assignments.exists()


def test_conflict_of_interest_refused_for_staff_of_the_serving_center(
    accepted: Assessment, city_officer: User, make_user: Callable[..., User], jiangan_center: Center
) -> None:
    staff = make_user(Role.CENTER_STAFF, "420102", center=jiangan_center)
    RoleAssignment.objects.create(user=staff, role=Role.EXPERT, region_id="420102")
    staff = User.objects.get(pk=staff.pk)
    with pytest.raises(ValidationError, match="中心任职"):
        services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=staff)


def test_conflict_of_interest_refused_after_a_declaration(
    accepted: Assessment, city_officer: User, expert: User
) -> None:
    services.conflict_declare(
        actor=expert, organization=accepted.organization, reason="曾任该机构顾问"
    )
    with pytest.raises(ValidationError, match="曾任该机构顾问"):
        services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=expert)


def test_a_non_expert_cannot_be_assigned(
    accepted: Assessment, city_officer: User, jiangan_officer: User
) -> None:
    with pytest.raises(ValidationError, match="不是评估专家"):
        services.evaluator_assign(
            actor=city_officer, assessment=accepted, evaluator=jiangan_officer
        )


def test_assign_page_shows_the_refusal(
    client, accepted: Assessment, city_officer: User, expert: User
) -> None:
    services.conflict_declare(actor=expert, organization=accepted.organization, reason="亲属任职")
    client.force_login(city_officer)
    response = client.post(
        reverse("evaluation:assign", kwargs={"pk": accepted.pk}),
        {"evaluator": expert.pk},
        follow=True,
    )
    assert "存在利益冲突" in response.content.decode()
    assert not accepted.assignments.exists()


# -- scoring permissions ----------------------------------------------------------------------------
def test_only_the_assigned_evaluator_scores(
    accepted: Assessment, city_officer: User, expert: User, expert_b: User
) -> None:
    assignment = services.evaluator_assign(
        actor=city_officer, assessment=accepted, evaluator=expert
    )
    with pytest.raises(PermissionDenied):
        services.onsite_score_submit(
            actor=expert_b,
            assignment=assignment,
            scores=all_rates(accepted.template, 90),
            summary="x",
        )
    score_all(accepted, expert, 90)
    with pytest.raises(ApplicationError):
        score_all(accepted, expert, 10)  # submitted scores are final


# -- appeal window ----------------------------------------------------------------------------------
@pytest.fixture
def publicized(accepted: Assessment, city_officer: User, expert: User) -> Assessment:
    services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=expert)
    score_all(accepted, expert, 86)
    return services.grade_propose(actor=city_officer, assessment=accepted)


def test_appeal_within_the_window_and_its_decision(
    publicized: Assessment, org_rep: User, city_officer: User
) -> None:
    assert publicized.proposed_grade == "3A"
    appeal = services.appeal_submit(actor=org_rep, assessment=publicized, reason="财务分漏计")
    publicized.refresh_from_db()
    assert publicized.status == AssessmentStatus.APPEALED
    with pytest.raises(ApplicationError, match="只能申诉一次"):
        publicized.status = AssessmentStatus.PUBLICIZED
        publicized.save(update_fields=["status"])
        services.appeal_submit(actor=org_rep, assessment=publicized, reason="再次")
    with pytest.raises(ValidationError):
        services.appeal_decide(actor=city_officer, appeal=appeal, upheld=True, decision="复核")
    services.appeal_decide(
        actor=city_officer,
        appeal=appeal,
        upheld=True,
        decision="复核后加分",
        revised_total=Decimal("905"),
    )
    publicized.refresh_from_db()
    assert publicized.proposed_grade == "4A"
    # A decided appeal lets the committee confirm before the window ends.
    services.grade_confirm(actor=city_officer, assessment=publicized)
    assert SocialOrganization.objects.get(pk=publicized.organization_id).grade == "4A"


def test_appeal_after_the_window_is_refused(
    publicized: Assessment, org_rep: User, city_officer: User
) -> None:
    Assessment.objects.filter(pk=publicized.pk).update(
        appeal_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    publicized.refresh_from_db()
    with pytest.raises(ApplicationError, match="不在公示及申诉期内"):
        services.appeal_submit(actor=org_rep, assessment=publicized, reason="晚了")
    services.grade_confirm(actor=city_officer, assessment=publicized)
    publicized.refresh_from_db()
    assert publicized.final_grade == "3A"


def test_the_last_day_of_the_window_still_accepts_an_appeal(
    publicized: Assessment, org_rep: User
) -> None:
    Assessment.objects.filter(pk=publicized.pk).update(appeal_until=timezone.localdate())
    publicized.refresh_from_db()
    assert services.appeal_window_open(publicized)
    assert not services.appeal_window_open(
        publicized, today=timezone.localdate() + datetime.timedelta(days=1)
    )
    services.appeal_submit(actor=org_rep, assessment=publicized, reason="最后一天")


def test_only_the_organization_appeals_and_only_the_bureau_confirms(
    publicized: Assessment, expert: User, org_rep: User, wuchang_officer: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.appeal_submit(actor=expert, assessment=publicized, reason="x")
    with pytest.raises(PermissionDenied):
        services.grade_confirm(actor=org_rep, assessment=publicized)
    with pytest.raises(PermissionDenied):
        services.grade_confirm(actor=wuchang_officer, assessment=publicized)


def test_committee_refuses_a_score_below_every_band(
    accepted: Assessment, city_officer: User, expert: User
) -> None:
    accepted.round.grade_bands = {"5A": 951, "4A": 901, "3A": 851, "2A": 801, "1A": 600}
    accepted.round.save()
    services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=expert)
    score_all(accepted, expert, 50)
    with pytest.raises(ApplicationError, match="未达到任何等级"):
        services.grade_propose(actor=city_officer, assessment=accepted)


def test_round_refuses_bands_out_of_order(
    templates: dict[str, IndicatorTemplate], city_officer: User, jiangan_officer: User
) -> None:
    from civicnest.regions.models import Region

    data = {
        "name": "x",
        "year": 2026,
        "region": Region.objects.get(code="4201"),
        "templates": [templates["grading-social-service"]],
        "applications_close_on": timezone.localdate(),
        "grade_bands": {"5A": 900, "4A": 950, "3A": 851, "2A": 801, "1A": 0},
    }
    with pytest.raises(ValidationError) as exc:
        services.round_open(actor=city_officer, data=data)
    assert "5A 的分数线必须高于 4A" in exc.value.message_dict["grade_bands"]
    data["grade_bands"] = None
    with pytest.raises(PermissionDenied):
        services.round_open(actor=jiangan_officer, data=data)  # a district cannot open a city round
    assert not GradingRound.objects.exists()


# -- evidence ---------------------------------------------------------------------------------------
def test_evidence_upload_checks_type_and_owner(
    grading_round: GradingRound, org: SocialOrganization, org_rep: User, expert: User
) -> None:
    assessment = services.assessment_apply(actor=org_rep, round_=grading_round, organization=org)
    with pytest.raises(ValidationError) as exc:
        services.evidence_upload(
            actor=org_rep,
            assessment=assessment,
            title="章程",
            upload=SimpleUploadedFile("x.exe", b"MZ"),
        )
    assert "file" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.evidence_upload(
            actor=expert,
            assessment=assessment,
            title="章程",
            upload=SimpleUploadedFile("c.pdf", b"%PDF-1.4"),
        )
    services.evidence_upload(
        actor=org_rep,
        assessment=assessment,
        title="章程",
        upload=SimpleUploadedFile("c.pdf", b"%PDF-1.4"),
    )
    assert assessment.evidence.count() == 1


# -- templates are versioned ------------------------------------------------------------------------
def test_editing_a_template_in_use_creates_a_new_version(
    accepted: Assessment, city_officer: User, jiangan_officer: User
) -> None:
    template = accepted.template
    indicator = template.indicators.get(code="2.5")
    with pytest.raises(PermissionDenied):
        services.indicator_update(actor=jiangan_officer, indicator=indicator, data={"weight": 20})
    updated = services.indicator_update(
        actor=city_officer, indicator=indicator, data={"weight": Decimal("20")}
    )
    assert updated.template_id != template.pk
    assert updated.template.version == template.version + 1
    assert updated.template.is_current
    template.refresh_from_db()
    assert not template.is_current
    assert template.indicators.get(code="2.5").weight == Decimal(
        "12"
    )  # the used version is untouched
    assert updated.template.indicators.count() == template.indicators.count()
    # The new version is not in use yet: a second edit changes it in place.
    again = services.indicator_update(
        actor=city_officer, indicator=updated, data={"name": "财务与资产管理"}
    )
    assert again.template_id == updated.template_id
    accepted.refresh_from_db()
    assert accepted.template_id == template.pk


def test_a_full_disk_during_an_evidence_upload_leaves_no_record_and_no_file(
    grading_round: GradingRound,
    org: SocialOrganization,
    org_rep: User,
    disk_media,
    full_disk_after,
) -> None:
    from unittest import mock

    from civicnest.evaluation.models import EvidenceFile

    assessment = services.assessment_apply(actor=org_rep, round_=grading_round, organization=org)
    upload = SimpleUploadedFile("章程.pdf", b"%PDF-1.4\n" + b"x" * 100_000)
    with (
        mock.patch("django.core.files.storage.filesystem.os.fdopen", full_disk_after(4096)),
        pytest.raises(ValidationError) as exc,
    ):
        services.evidence_upload(actor=org_rep, assessment=assessment, title="章程", upload=upload)
    assert "服务器存储空间已满" in exc.value.message_dict["file"][0]
    assert EvidenceFile.objects.count() == 0
    assert [p for p in disk_media.rglob("*") if p.is_file()] == []
    upload.seek(0)
    services.evidence_upload(actor=org_rep, assessment=assessment, title="章程", upload=upload)
    assert EvidenceFile.objects.count() == 1


def test_a_round_closes_only_when_every_assessment_is_settled_and_then_nothing_changes(
    accepted: Assessment, city_officer: User, org_rep: User, expert: User
) -> None:
    grading_round = accepted.round
    services.round_advance(actor=city_officer, round_=grading_round, status="evaluating")
    services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=expert)
    with pytest.raises(ApplicationError, match="还有 1 个评估"):
        services.round_advance(actor=city_officer, round_=grading_round, status="closed")
    score_all(accepted, expert, 96)
    services.grade_propose(actor=city_officer, assessment=accepted)
    with pytest.raises(ApplicationError, match="还有 1 个评估"):  # on public notice
        services.round_advance(actor=city_officer, round_=grading_round, status="closed")
    services.appeal_waive(actor=org_rep, assessment=accepted)
    services.grade_confirm(actor=city_officer, assessment=accepted)
    services.round_advance(actor=city_officer, round_=grading_round, status="closed")
    grading_round.refresh_from_db()
    assert grading_round.status == "closed"

    accepted.refresh_from_db()
    closed = "评估批次已结束"
    with pytest.raises(ApplicationError, match=closed):
        services.appeal_submit(actor=org_rep, assessment=accepted, reason="不服")
    with pytest.raises(ApplicationError, match=closed):
        services.grade_confirm(actor=city_officer, assessment=accepted)
    with pytest.raises(ApplicationError, match=closed):
        services.evidence_upload(
            actor=org_rep,
            assessment=accepted,
            title="补充材料",
            upload=SimpleUploadedFile("c.pdf", b"%PDF-1.4"),
        )
    with pytest.raises(ApplicationError, match="依次推进"):  # and it never reopens
        services.round_advance(actor=city_officer, round_=grading_round, status="open")


def test_a_draft_left_in_a_closed_round_is_frozen(
    grading_round: GradingRound, org: SocialOrganization, org_rep: User, city_officer: User
) -> None:
    draft = services.assessment_apply(actor=org_rep, round_=grading_round, organization=org)
    services.round_advance(actor=city_officer, round_=grading_round, status="evaluating")
    services.round_advance(actor=city_officer, round_=grading_round, status="closed")
    with pytest.raises(ApplicationError, match="评估批次已结束"):
        services.self_assessment_save(
            actor=org_rep,
            assessment=draft,
            scores=all_rates(draft.template, 80),
            summary="迟交的自评",
            submit=True,
        )
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT and draft.self_summary == ""
