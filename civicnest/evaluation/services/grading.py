"""Grading of organizations (等级评估): rounds, applications, self-assessment and evidence, eligibility,
evaluators, on-site scores, the committee's draft grade, appeals and the confirmed grade. Every status step
is guarded by the tables of `evaluation.workflows`."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.selectors import org_reps_of
from civicnest.core.exceptions import ApplicationError
from civicnest.core.saving import save_changes, save_new
from civicnest.core.services import notify
from civicnest.core.uploads import ARCHIVE, store_upload, validate_upload
from civicnest.evaluation import permissions, scoring, selectors
from civicnest.evaluation.forms import parse_rates
from civicnest.evaluation.models import (
    DEFAULT_GRADE_BANDS,
    Appeal,
    Assessment,
    AssessmentStatus,
    ConflictDeclaration,
    EvaluatorAssignment,
    EvidenceFile,
    GradingRound,
    Indicator,
    OnsiteScore,
    SelfScore,
    TemplateKind,
)
from civicnest.evaluation.workflows import (
    APPEAL,
    ASSESSMENT,
    IN_ORDER,
    ROUND,
    ROUND_ACTION_TO,
    RUNS_ROUND,
)
from civicnest.regions.models import Region
from civicnest.registry.models import OrgStatus, SocialOrganization
from civicnest.registry.services import organization_set_grade

GRADES = ["5A", "4A", "3A", "2A", "1A"]


# -- rounds -----------------------------------------------------------------------------------------
@transaction.atomic
def round_open(*, actor: User, data: dict[str, Any]) -> GradingRound:
    region: Region = data["region"]
    if not permissions.can_open_round(actor, region.code):
        raise PermissionDenied(_("只有本辖区的民政局可以发起等级评估。"))
    templates = list(data.get("templates") or [])
    errors: dict[str, list[str]] = {}
    if not templates:
        errors["templates"] = [_("请至少选择一个指标模板。")]
    elif any(t.kind != TemplateKind.ORG_GRADING or not t.is_current for t in templates):
        errors["templates"] = [_("只能选择社会组织等级评估的当前版本模板。")]
    elif len({t.org_type for t in templates}) != len(templates):
        errors["templates"] = [_("每种组织类型只能选择一个模板。")]
    bands = data.get("grade_bands") or dict(DEFAULT_GRADE_BANDS)
    problems = scoring.validate_bands(bands, GRADES)
    if problems:
        errors["grade_bands"] = problems
    if data.get("applications_close_on") and data["applications_close_on"] < timezone.localdate():
        errors["applications_close_on"] = [_("申报截止日期不能早于今天。")]
    if errors:
        raise ValidationError(errors)
    round_ = GradingRound(
        region=region,
        name=data["name"].strip(),
        year=data["year"],
        applications_close_on=data["applications_close_on"],
        grade_bands={k: int(Decimal(str(v))) for k, v in bands.items()},
        validity_years=data.get("validity_years") or 5,
        appeal_days=data.get("appeal_days") or 7,
        min_years_registered=data.get("min_years_registered", 2),
        notice=data.get("notice", ""),
        created_by=actor,
    )
    save_new(actor, round_)
    round_.templates.set(templates)
    return round_


@transaction.atomic
def round_advance(*, actor: User, round_: GradingRound, status: str) -> GradingRound:
    # Locked: an assessment step running meanwhile waits for the close, or the close for it.
    locked = GradingRound.objects.select_for_update().get(pk=round_.pk)
    action = ROUND_ACTION_TO.get(status)
    if action is None:  # back, or to where it already is
        if not permissions.can_run_round(actor, locked):
            raise PermissionDenied(str(RUNS_ROUND))
        raise ApplicationError(str(IN_ORDER))
    transition = ROUND.check(locked, action, actor)
    locked.status = transition.target
    save_changes(actor, locked, ["status"])
    round_.status = locked.status
    return locked


def _lock_assessment(pk: int, *related: str) -> Assessment:
    """The assessment row, then its round's (the order every step locks them in): a step and the round's
    close wait for each other, and the guard sees the round's status as it is now."""
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round", *related)
        .get(pk=pk)
    )
    locked.round = GradingRound.objects.select_for_update().get(pk=locked.round_id)
    return locked


# -- applications -----------------------------------------------------------------------------------
def eligibility_problems(org: SocialOrganization, round_: GradingRound) -> list[str]:
    """The 2011 rules' defaults: registered for the round's minimum years (or grade validity ended), not on
    the abnormal list, last year's annual inspection not failed."""
    problems = []
    today = timezone.localdate()
    years = (today - org.registered_on).days / 365.25
    grade_expiring = org.grade and org.grade_valid_until and org.grade_valid_until <= today
    if org.grade and not grade_expiring:
        problems.append(_("该组织已有有效等级（%(g)s），有效期内不能重复申报。") % {"g": org.grade})
    elif years < round_.min_years_registered:
        problems.append(_("登记未满 %(n)d 年，不能申报。") % {"n": round_.min_years_registered})
    if org.status != OrgStatus.NORMAL:
        problems.append(_("该组织处于“%(s)s”状态，不能申报。") % {"s": org.get_status_display()})
    if selectors.annual_inspection_failed(org, year=today.year - 1):
        problems.append(_("上年度年检不合格，不能申报。"))
    return problems


@transaction.atomic
def assessment_apply(
    *, actor: User, round_: GradingRound, organization: SocialOrganization
) -> Assessment:
    if not permissions.can_apply(actor, organization):
        raise PermissionDenied(_("只有该组织的负责人可以申报。"))
    ROUND.check(round_, "apply", actor)
    if not organization.region_id.startswith(round_.region_id):
        raise ApplicationError(_("该组织不在本批次的评估范围内。"))
    problems = eligibility_problems(organization, round_)
    if problems:
        raise ApplicationError("；".join(problems))
    template = round_.templates.filter(org_type=organization.org_type).first()
    if template is None:
        raise ApplicationError(_("本批次没有适用于该组织类型的指标模板。"))
    try:
        with transaction.atomic():
            return save_new(
                actor,
                Assessment(
                    round=round_,
                    organization=organization,
                    region_id=organization.region_id,
                    template=template,
                ),
            )
    except (IntegrityError, ValidationError) as exc:
        raise ApplicationError(_("该组织已申报本批次评估。")) from exc


@transaction.atomic
def self_assessment_save(
    *,
    actor: User,
    assessment: Assessment,
    scores: dict[int, Any],
    summary: str,
    submit: bool = False,
) -> Assessment:
    locked = _lock_assessment(assessment.pk, "organization")
    transition = ASSESSMENT.check(locked, "submit" if submit else "save_self", actor)
    rates = parse_rates(locked.template, scores, required=submit)
    for key, (rate, note) in rates.items():
        SelfScore.objects.update_or_create(
            assessment=locked, indicator_id=key, defaults={"score": rate, "note": note}
        )
    locked.self_summary = summary.strip()
    roots, _by_id = selectors.template_tree(locked.template)
    locked.self_total = scoring.total_score(
        roots, selectors.self_rates(locked), locked.template.full_score
    )
    fields = ["self_summary", "self_total"]
    if submit:
        if not locked.self_summary:
            raise ValidationError({"summary": [_("请填写自评报告。")]})
        locked.status, locked.submitted_at = transition.target, timezone.now()
        fields += ["status", "submitted_at"]
    return save_changes(actor, locked, fields)


@transaction.atomic
def evidence_upload(
    *,
    actor: User,
    assessment: Assessment,
    title: str,
    upload: UploadedFile,
    indicator: Indicator | None = None,
) -> EvidenceFile:
    locked = _lock_assessment(assessment.pk, "organization")
    ASSESSMENT.check(locked, "upload_evidence", actor)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("请填写材料名称。")]
    try:
        validate_upload(upload, ARCHIVE)  # the platform's one upload check (type, content, size)
    except ValidationError as exc:
        errors["file"] = exc.messages
    if indicator is not None and indicator.template_id != locked.template_id:
        errors["indicator"] = [_("该指标不属于本次评估的模板。")]
    if errors:
        raise ValidationError(errors)
    evidence = EvidenceFile(
        assessment=locked, indicator=indicator, title=title.strip(), uploaded_by=actor
    )
    # A storage failure (disk full…) is a field error and leaves no record; a failed insert no file.
    store_upload(evidence.file, upload.name or "evidence", upload, field="file")
    try:
        evidence.save(force_insert=True)
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def assessment_check_eligibility(
    *, actor: User, assessment: Assessment, accept: bool, note: str = ""
) -> Assessment:
    locked = _lock_assessment(assessment.pk)
    transition = ASSESSMENT.check(locked, "accept" if accept else "reject", actor)
    if transition.needs_reason and not note.strip():
        raise ValidationError({"note": [_("不予受理时必须说明理由。")]})
    locked.status = transition.target
    locked.eligibility_note = note.strip()
    save_changes(actor, locked, ["status", "eligibility_note"])
    notify(
        event="evaluation.eligibility",
        recipients=org_reps_of(locked.organization_id),
        title=_("等级评估申报已审核：%(s)s") % {"s": locked.get_status_display()},
        body=locked.eligibility_note,
        url=locked.get_absolute_url(),
    )
    return locked


# -- evaluators and on-site scores ------------------------------------------------------------------
@transaction.atomic
def conflict_declare(
    *, actor: User, organization: SocialOrganization, reason: str
) -> ConflictDeclaration:
    if not permissions.is_evaluator(actor):
        raise PermissionDenied(_("只有评估专家可以申报利益关系。"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请说明与该组织的关系。")]})
    declaration, _created = ConflictDeclaration.objects.update_or_create(
        evaluator=actor, organization=organization, defaults={"reason": reason.strip()}
    )
    return declaration


@transaction.atomic
def evaluator_assign(
    *, actor: User, assessment: Assessment, evaluator: User
) -> EvaluatorAssignment:
    locked = _lock_assessment(assessment.pk, "organization__center")
    ASSESSMENT.check(locked, "assign", actor)
    if not permissions.is_evaluator(evaluator):
        raise ValidationError({"evaluator": [_("所选用户不是评估专家。")]})
    if evaluator.pk == actor.pk:
        raise ValidationError({"evaluator": [_("不能分派自己。")]})
    reasons = permissions.conflict_reasons(evaluator, locked.organization)
    if reasons:
        raise ValidationError(
            {"evaluator": [_("存在利益冲突，不能分派：%(r)s") % {"r": "；".join(reasons)}]}
        )
    if locked.assignments.filter(evaluator=evaluator).exists():
        raise ValidationError({"evaluator": [_("该专家已分派到本组织。")]})
    assignment = save_new(
        actor, EvaluatorAssignment(assessment=locked, evaluator=evaluator, assigned_by=actor)
    )
    notify(
        event="evaluation.assigned",
        recipients=[evaluator],
        title=_("请对“%(o)s”进行实地评估") % {"o": locked.organization.name},
        url=locked.get_absolute_url(),
    )
    return assignment


@transaction.atomic
def onsite_score_submit(
    *,
    actor: User,
    assignment: EvaluatorAssignment,
    scores: dict[int, Any],
    summary: str,
    visited_on: datetime.date | None = None,
) -> EvaluatorAssignment:
    locked = EvaluatorAssignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    if locked.evaluator_id != actor.pk:
        raise PermissionDenied(_("只有被分派的专家可以打分。"))
    assessment = _lock_assessment(locked.assessment_id)
    transition = ASSESSMENT.check(assessment, "score", actor)
    if not summary.strip():
        raise ValidationError({"summary": [_("请填写评估意见。")]})
    rates = parse_rates(assessment.template, scores, required=True)
    for key, (rate, note) in rates.items():
        OnsiteScore.objects.update_or_create(
            assignment=locked, indicator_id=key, defaults={"score": rate, "note": note}
        )
    roots, _by_id = selectors.template_tree(assessment.template)
    locked.total = scoring.total_score(
        roots, selectors.onsite_rates(locked), assessment.template.full_score
    )
    locked.summary, locked.visited_on = summary.strip(), visited_on or timezone.localdate()
    locked.submitted_at = timezone.now()
    save_changes(actor, locked, ["total", "summary", "visited_on", "submitted_at"])
    totals = list(assessment.assignments.values_list("total", "submitted_at"))
    if all(submitted for _t, submitted in totals):  # the last evaluator moves it on
        values = [t for t, _s in totals if t is not None]
        assessment.onsite_total = (sum(values, Decimal(0)) / len(values)).quantize(scoring.CENT)
        assessment.status = transition.target
        save_changes(actor, assessment, ["onsite_total", "status"])
    return locked


# -- the committee's grade and appeals --------------------------------------------------------------
@transaction.atomic
def grade_propose(*, actor: User, assessment: Assessment, note: str = "") -> Assessment:
    """The evaluation committee's draft grade from the on-site total and the round's bands, put on public
    notice; the appeal window opens today."""
    locked = _lock_assessment(assessment.pk)
    transition = ASSESSMENT.check(locked, "propose", actor)
    total = locked.onsite_total or Decimal(0)  # never None here: the transition requires a total
    grade = scoring.grade_for(total, locked.round.grade_bands)
    today = timezone.localdate()
    locked.proposed_grade, locked.committee_note = grade, note.strip()
    locked.publicized_on = today
    locked.appeal_until = today + datetime.timedelta(days=locked.round.appeal_days)
    locked.status = transition.target
    save_changes(
        actor,
        locked,
        ["proposed_grade", "committee_note", "publicized_on", "appeal_until", "status"],
    )
    notify(
        event="evaluation.proposed",
        recipients=org_reps_of(locked.organization_id),
        title=_("初评等级 %(g)s 已公示，如有异议请在 %(d)s 前申诉")
        % {"g": grade, "d": locked.appeal_until.isoformat()},
        url=locked.get_absolute_url(),
    )
    return locked


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def appeal_submit(*, actor: User, assessment: Assessment, reason: str) -> Appeal:
    locked = _lock_assessment(assessment.pk, "organization")
    transition = ASSESSMENT.check(locked, "appeal", actor)
    if not reason.strip():
        raise ValidationError({"reason": [_("请写明申诉理由。")]})
    appeal = save_new(actor, Appeal(assessment=locked, reason=reason.strip(), submitted_by=actor))
    locked.status = transition.target
    save_changes(actor, locked, ["status"])
    return appeal


@transaction.atomic
def appeal_waive(*, actor: User, assessment: Assessment) -> Assessment:
    """The organization accepts the draft grade: the appeal window closes early."""
    locked = _lock_assessment(assessment.pk, "organization")
    ASSESSMENT.check(locked, "waive", actor)
    locked.appeal_until = timezone.localdate() - datetime.timedelta(days=1)
    return save_changes(actor, locked, ["appeal_until"])


@transaction.atomic
def appeal_decide(
    *,
    actor: User,
    appeal: Appeal,
    upheld: bool,
    decision: str,
    revised_total: Decimal | None = None,
) -> Appeal:
    locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
    assessment = _lock_assessment(locked.assessment_id)
    locked.assessment = assessment
    transition = APPEAL.check(locked, "uphold" if upheld else "dismiss", actor)
    if not decision.strip():
        raise ValidationError({"decision": [_("请填写处理意见。")]})
    if upheld:
        full = assessment.template.full_score
        if revised_total is None or not Decimal(0) <= revised_total <= full:
            raise ValidationError(
                {"revised_total": [_("申诉成立时请填写复核后的总分（0–%(f)s）。") % {"f": full}]}
            )
        assessment.onsite_total = revised_total
        assessment.proposed_grade = scoring.grade_for(revised_total, assessment.round.grade_bands)
    locked.status = transition.target
    locked.decision, locked.decided_by, locked.decided_at = decision.strip(), actor, timezone.now()
    save_changes(actor, locked, ["status", "decision", "decided_by", "decided_at"])
    assessment.status = AssessmentStatus.PUBLICIZED  # back on notice, with the decision
    save_changes(actor, assessment, ["onsite_total", "proposed_grade", "status"])
    return locked


@transaction.atomic
def grade_confirm(*, actor: User, assessment: Assessment) -> Assessment:
    """Confirm the grade once the appeal window is over (or the appeal decided) and write it to the registry
    with its validity."""
    locked = _lock_assessment(assessment.pk, "organization")
    transition = ASSESSMENT.check(locked, "confirm", actor)
    today = timezone.localdate()
    locked.final_grade = locked.proposed_grade
    locked.valid_until = add_years(today, locked.round.validity_years) - datetime.timedelta(days=1)
    locked.status, locked.confirmed_at, locked.confirmed_by = (
        transition.target,
        timezone.now(),
        actor,
    )
    save_changes(
        actor, locked, ["final_grade", "valid_until", "status", "confirmed_at", "confirmed_by"]
    )
    organization_set_grade(
        actor=actor,
        organization=locked.organization,
        grade=locked.final_grade,
        valid_until=locked.valid_until,
    )
    notify(
        event="evaluation.confirmed",
        recipients=org_reps_of(locked.organization_id),
        title=_("评估等级已确认：%(g)s，有效期至 %(d)s")
        % {"g": locked.final_grade, "d": locked.valid_until.isoformat()},
        url=locked.get_absolute_url(),
    )
    return locked
