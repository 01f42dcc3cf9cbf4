"""Every write of evaluation: templates (versioned), grading rounds, assessments, evaluators, grades,
appeals, center reviews, rewards, surveys, breach acknowledgements, parameters and targets."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User, mobile_validator
from civicnest.accounts.selectors import org_reps_of
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.services import notify
from civicnest.core.uploads import ARCHIVE, store_upload, validate_upload
from civicnest.evaluation import compliance, permissions, scoring, selectors
from civicnest.evaluation.models import (
    DEFAULT_GRADE_BANDS,
    DEFAULT_REVIEW_BANDS,
    Appeal,
    AppealStatus,
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
    OnsiteScore,
    ReviewerKind,
    ReviewScore,
    ReviewStatus,
    Reward,
    RoundStatus,
    ScoreSource,
    SelfScore,
    Survey,
    SurveyResponse,
    TemplateKind,
)
from civicnest.network.models import Center
from civicnest.regions.models import Region
from civicnest.registry.models import Grade, OrgStatus, SocialOrganization
from civicnest.registry.services import organization_set_grade

GRADES = ["5A", "4A", "3A", "2A", "1A"]


def _save(actor: Any, obj: Any, **kwargs: Any) -> Any:
    obj.full_clean()
    with acting_as(actor):
        obj.save(**kwargs)
    return obj


# -- templates --------------------------------------------------------------------------------------
def template_in_use(template: IndicatorTemplate) -> bool:
    return (
        template.rounds.exists()
        or Assessment.objects.filter(template=template).exists()
        or CenterReview.objects.filter(template=template).exists()
    )


def _editable(actor: Any, template: IndicatorTemplate) -> tuple[IndicatorTemplate, dict[int, int]]:
    """The template itself while unused; once used, a new current version (a copy) and the id mapping."""
    if not permissions.can_edit_templates(actor):
        raise PermissionDenied(_("只有市民政局可以修改指标模板。"))
    locked = IndicatorTemplate.objects.select_for_update().get(pk=template.pk)
    if not locked.is_current:
        raise ApplicationError(_("这是历史版本，请在当前版本上修改。"))
    indicators = list(locked.indicators.order_by("pk"))
    if not template_in_use(locked):
        return locked, {i.pk: i.pk for i in indicators}
    next_version = (
        IndicatorTemplate.objects.filter(family=locked.family).aggregate(v=Max("version"))["v"] + 1
    )
    locked.is_current = False
    with acting_as(actor):
        locked.save(update_fields=["is_current", "updated_at"])
    copy = IndicatorTemplate(
        family=locked.family,
        version=next_version,
        name=locked.name,
        kind=locked.kind,
        org_type=locked.org_type,
        full_score=locked.full_score,
        note=locked.note,
        created_by=actor,
    )
    _save(actor, copy, force_insert=True)
    mapping: dict[int, int] = {}
    pending = indicators
    while pending:  # parents before children
        rest = []
        for old in pending:
            if old.parent_id is not None and old.parent_id not in mapping:
                rest.append(old)
                continue
            new = Indicator.objects.create(
                template=copy,
                parent_id=mapping.get(old.parent_id) if old.parent_id else None,
                code=old.code,
                name=old.name,
                weight=old.weight,
                guidance=old.guidance,
                source=old.source,
                position=old.position,
            )
            mapping[old.pk] = new.pk
        pending = rest
    return copy, mapping


INDICATOR_FIELDS = ("code", "name", "weight", "guidance", "source", "position")


@transaction.atomic
def indicator_update(*, actor: Any, indicator: Indicator, data: dict[str, Any]) -> Indicator:
    template, mapping = _editable(actor, indicator.template)
    target = Indicator.objects.get(pk=mapping[indicator.pk])
    for key in INDICATOR_FIELDS:
        if key in data:
            setattr(target, key, data[key])
    target.full_clean()
    target.save()
    template.save(update_fields=["updated_at"])
    return target


@transaction.atomic
def indicator_add(
    *, actor: Any, template: IndicatorTemplate, parent: Indicator | None, data: dict[str, Any]
) -> Indicator:
    editable, mapping = _editable(actor, template)
    if parent is not None and parent.template_id != template.pk:
        raise ValidationError({"parent": [_("上级指标不属于该模板。")]})
    new = Indicator(
        template=editable,
        parent_id=mapping[parent.pk] if parent is not None else None,
        **{k: data[k] for k in INDICATOR_FIELDS if k in data},
    )
    new.full_clean()
    new.save()
    return new


@transaction.atomic
def template_create(
    *, actor: Any, data: dict[str, Any], tree: list[dict[str, Any]]
) -> IndicatorTemplate:
    """A new template family with its whole tree: [{code, name, weight, guidance, children: [...]}, ...]."""
    if not permissions.can_edit_templates(actor):
        raise PermissionDenied(_("只有市民政局可以创建指标模板。"))
    template = _save(actor, IndicatorTemplate(created_by=actor, version=1, is_current=True, **data))

    def add(nodes: list[dict[str, Any]], parent: Indicator | None) -> None:
        for position, node in enumerate(nodes):
            ind = Indicator(
                template=template,
                parent=parent,
                position=position,
                **{
                    k: node[k]
                    for k in ("code", "name", "weight", "guidance", "source")
                    if k in node
                },
            )
            ind.full_clean()
            ind.save()
            add(node.get("children", []), ind)

    add(tree, None)
    return template


# -- rounds -----------------------------------------------------------------------------------------
@transaction.atomic
def round_open(*, actor: Any, data: dict[str, Any]) -> GradingRound:
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
    _save(actor, round_, force_insert=True)
    round_.templates.set(templates)
    return round_


@transaction.atomic
def round_advance(*, actor: Any, round_: GradingRound, status: str) -> GradingRound:
    if not permissions.can_run_round(actor, round_):
        raise PermissionDenied(_("您无权管理该评估批次。"))
    with transaction.atomic():
        # Locked: an assessment step running meanwhile waits for the close, or the close for it.
        locked = GradingRound.objects.select_for_update().get(pk=round_.pk)
        order = list(RoundStatus.values)
        if status not in order or order.index(status) != order.index(locked.status) + 1:
            raise ApplicationError(_("评估批次只能按“接受申报 → 实地评估 → 已结束”依次推进。"))
        if status == RoundStatus.CLOSED:
            unfinished = locked.assessments.filter(status__in=UNFINISHED).count()
            if unfinished:
                raise ApplicationError(
                    _("还有 %(n)d 个评估没有确认等级或作出资格结论，不能结束评估批次。")
                    % {"n": unfinished}
                )
        locked.status = status
        _save(actor, locked, update_fields=["status", "updated_at"])
    round_.status = locked.status
    return locked


# Assessments still moving through the round: a round with any of them cannot be closed.
UNFINISHED = (
    AssessmentStatus.SUBMITTED,
    AssessmentStatus.ACCEPTED,
    AssessmentStatus.SCORED,
    AssessmentStatus.PUBLICIZED,
    AssessmentStatus.APPEALED,
)


def _require_round_not_closed(round_id: int) -> None:
    """Every step of an assessment takes the round's row lock and stops once the round is closed."""
    status = (
        GradingRound.objects.select_for_update()
        .filter(pk=round_id)
        .values_list("status", flat=True)
    )
    if status.first() == RoundStatus.CLOSED:
        raise ApplicationError(_("评估批次已结束，不能再修改。"))


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
    last = org.annual_reports.filter(year=today.year - 1).first()
    if last is not None and last.result == "fail":
        problems.append(_("上年度年检不合格，不能申报。"))
    return problems


@transaction.atomic
def assessment_apply(
    *, actor: Any, round_: GradingRound, organization: SocialOrganization
) -> Assessment:
    if not permissions.can_apply(actor, organization):
        raise PermissionDenied(_("只有该组织的负责人可以申报。"))
    if round_.status != RoundStatus.OPEN or round_.applications_close_on < timezone.localdate():
        raise ApplicationError(_("该批次已停止接受申报。"))
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
            return _save(
                actor,
                Assessment(
                    round=round_,
                    organization=organization,
                    region_id=organization.region_id,
                    template=template,
                ),
                force_insert=True,
            )
    except (IntegrityError, ValidationError) as exc:
        raise ApplicationError(_("该组织已申报本批次评估。")) from exc


def _parse_rates(
    template: IndicatorTemplate, scores: dict[int, Any], *, required: bool
) -> dict[int, tuple[Decimal, str]]:
    """{indicator_id: (rate, note)} for the template's manually scored leaves; field errors in Chinese."""
    roots, by_id = selectors.template_tree(template)
    leaf_ids = [n.key for n in scoring.leaves(roots) if by_id[n.key].source == ScoreSource.MANUAL]
    errors: dict[str, list[str]] = {}
    out: dict[int, tuple[Decimal, str]] = {}
    for key in leaf_ids:
        raw = scores.get(key)
        value, note = raw if isinstance(raw, tuple) else (raw, "")
        if value in (None, ""):
            if required:
                errors[f"score_{key}"] = [_("请为“%(n)s”打分。") % {"n": by_id[key].name}]
            continue
        try:
            rate = Decimal(str(value))
        except ArithmeticError:
            rate = Decimal(-1)
        if not Decimal(0) <= rate <= Decimal(100):
            errors[f"score_{key}"] = [_("得分率应在 0 到 100 之间。")]
            continue
        out[key] = (rate, note or "")
    unknown = set(scores) - set(leaf_ids)
    if unknown:
        errors["__all__"] = [_("包含不属于该模板的指标。")]
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def self_assessment_save(
    *,
    actor: Any,
    assessment: Assessment,
    scores: dict[int, Any],
    summary: str,
    submit: bool = False,
) -> Assessment:
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=assessment.pk)
    )
    if not permissions.can_edit_self_assessment(actor, locked):
        raise PermissionDenied(_("只有该组织的负责人可以填写自评。"))
    _require_round_not_closed(locked.round_id)
    if locked.status != AssessmentStatus.DRAFT:
        raise ApplicationError(_("自评已提交，不能再修改。"))
    rates = _parse_rates(locked.template, scores, required=submit)
    for key, (rate, note) in rates.items():
        SelfScore.objects.update_or_create(
            assessment=locked, indicator_id=key, defaults={"score": rate, "note": note}
        )
    locked.self_summary = summary.strip()
    roots, _by_id = selectors.template_tree(locked.template)
    locked.self_total = scoring.total_score(
        roots, selectors.self_rates(locked), locked.template.full_score
    )
    fields = ["self_summary", "self_total", "updated_at"]
    if submit:
        if not locked.self_summary:
            raise ValidationError({"summary": [_("请填写自评报告。")]})
        locked.status, locked.submitted_at = AssessmentStatus.SUBMITTED, timezone.now()
        fields += ["status", "submitted_at"]
    return _save(actor, locked, update_fields=fields)


@transaction.atomic
def evidence_upload(
    *,
    actor: Any,
    assessment: Assessment,
    title: str,
    upload: UploadedFile,
    indicator: Indicator | None = None,
) -> EvidenceFile:
    if not permissions.can_edit_self_assessment(actor, assessment):
        raise PermissionDenied(_("只有该组织的负责人可以上传佐证材料。"))
    # The assessment row first, then the round's: the order every other step locks them in.
    Assessment.objects.select_for_update(of=("self",)).filter(pk=assessment.pk).first()
    _require_round_not_closed(assessment.round_id)
    if assessment.status not in (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED):
        raise ApplicationError(_("资格审核后不能再补充材料。"))
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("请填写材料名称。")]
    try:
        validate_upload(upload, ARCHIVE)  # the platform's one upload check (type, content, size)
    except ValidationError as exc:
        errors["file"] = exc.messages
    if indicator is not None and indicator.template_id != assessment.template_id:
        errors["indicator"] = [_("该指标不属于本次评估的模板。")]
    if errors:
        raise ValidationError(errors)
    evidence = EvidenceFile(
        assessment=assessment, indicator=indicator, title=title.strip(), uploaded_by=actor
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
    *, actor: Any, assessment: Assessment, accept: bool, note: str = ""
) -> Assessment:
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round")
        .get(pk=assessment.pk)
    )
    if not permissions.can_run_round(actor, locked.round):
        raise PermissionDenied(_("只有组织评估的民政局可以审核申报资格。"))
    _require_round_not_closed(locked.round_id)
    if locked.status != AssessmentStatus.SUBMITTED:
        raise ApplicationError(_("只有已申报的评估可以审核资格。"))
    if not accept and not note.strip():
        raise ValidationError({"note": [_("不予受理时必须说明理由。")]})
    locked.status = AssessmentStatus.ACCEPTED if accept else AssessmentStatus.REJECTED
    locked.eligibility_note = note.strip()
    _save(actor, locked, update_fields=["status", "eligibility_note", "updated_at"])
    notify(
        event="evaluation.eligibility",
        recipients=org_reps_of(locked.organization_id),
        title=_("等级评估申报已审核：%(s)s") % {"s": locked.get_status_display()},
        body=locked.eligibility_note,
        url=locked.get_absolute_url(),
    )
    return locked


@transaction.atomic
def conflict_declare(
    *, actor: Any, organization: SocialOrganization, reason: str
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
def evaluator_assign(*, actor: Any, assessment: Assessment, evaluator: User) -> EvaluatorAssignment:
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round", "organization__center")
        .get(pk=assessment.pk)
    )
    if not permissions.can_run_round(actor, locked.round):
        raise PermissionDenied(_("只有组织评估的民政局可以分派评估专家。"))
    _require_round_not_closed(locked.round_id)
    if locked.status != AssessmentStatus.ACCEPTED:
        raise ApplicationError(_("资格审核通过、尚未完成实地评估的申报才能分派专家。"))
    if not permissions.is_evaluator(evaluator):
        raise ValidationError({"evaluator": [_("所选用户不是评估专家。")]})
    if evaluator.pk == getattr(actor, "pk", None):
        raise ValidationError({"evaluator": [_("不能分派自己。")]})
    reasons = permissions.conflict_reasons(evaluator, locked.organization)
    if reasons:
        raise ValidationError(
            {"evaluator": [_("存在利益冲突，不能分派：%(r)s") % {"r": "；".join(reasons)}]}
        )
    if locked.assignments.filter(evaluator=evaluator).exists():
        raise ValidationError({"evaluator": [_("该专家已分派到本组织。")]})
    assignment = _save(
        actor,
        EvaluatorAssignment(assessment=locked, evaluator=evaluator, assigned_by=actor),
        force_insert=True,
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
    actor: Any,
    assignment: EvaluatorAssignment,
    scores: dict[int, Any],
    summary: str,
    visited_on: datetime.date | None = None,
) -> EvaluatorAssignment:
    locked = EvaluatorAssignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=locked.assessment_id)
    if locked.evaluator_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只有被分派的专家可以打分。"))
    _require_round_not_closed(assessment.round_id)
    if assessment.status != AssessmentStatus.ACCEPTED or locked.submitted_at:
        raise ApplicationError(_("评分已提交或该评估不在实地评估阶段。"))
    if not summary.strip():
        raise ValidationError({"summary": [_("请填写评估意见。")]})
    rates = _parse_rates(assessment.template, scores, required=True)
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
    _save(
        actor,
        locked,
        update_fields=["total", "summary", "visited_on", "submitted_at", "updated_at"],
    )
    totals = list(assessment.assignments.values_list("total", "submitted_at"))
    if all(submitted for _t, submitted in totals):
        values = [t for t, _s in totals if t is not None]
        assessment.onsite_total = (sum(values, Decimal(0)) / len(values)).quantize(scoring.CENT)
        assessment.status = AssessmentStatus.SCORED
        _save(actor, assessment, update_fields=["onsite_total", "status", "updated_at"])
    return locked


@transaction.atomic
def grade_propose(*, actor: Any, assessment: Assessment, note: str = "") -> Assessment:
    """The evaluation committee's draft grade from the on-site total and the round's bands, put on public
    notice; the appeal window opens today."""
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round")
        .get(pk=assessment.pk)
    )
    if not permissions.can_run_round(actor, locked.round):
        raise PermissionDenied(_("只有评估委员会（民政局）可以评定等级。"))
    _require_round_not_closed(locked.round_id)
    if locked.status != AssessmentStatus.SCORED or locked.onsite_total is None:
        raise ApplicationError(_("实地评估完成后才能评定等级。"))
    grade = scoring.grade_for(locked.onsite_total, locked.round.grade_bands)
    if not grade:
        raise ApplicationError(_("得分未达到任何等级的分数线。"))
    today = timezone.localdate()
    locked.proposed_grade, locked.committee_note = grade, note.strip()
    locked.publicized_on = today
    locked.appeal_until = today + datetime.timedelta(days=locked.round.appeal_days)
    locked.status = AssessmentStatus.PUBLICIZED
    _save(
        actor,
        locked,
        update_fields=[
            "proposed_grade",
            "committee_note",
            "publicized_on",
            "appeal_until",
            "status",
            "updated_at",
        ],
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


def appeal_window_open(assessment: Assessment, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        assessment.status == AssessmentStatus.PUBLICIZED
        and assessment.appeal_until is not None
        and today <= assessment.appeal_until
    )


@transaction.atomic
def appeal_submit(*, actor: Any, assessment: Assessment, reason: str) -> Appeal:
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=assessment.pk)
    )
    if not permissions.is_org_rep(actor, locked.organization):
        raise PermissionDenied(_("只有该组织的负责人可以申诉。"))
    _require_round_not_closed(locked.round_id)
    if not appeal_window_open(locked):
        raise ApplicationError(_("不在公示及申诉期内，不能申诉。"))
    if Appeal.objects.filter(assessment=locked).exists():
        raise ApplicationError(_("每次评估只能申诉一次。"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请写明申诉理由。")]})
    appeal = _save(actor, Appeal(assessment=locked, reason=reason.strip(), submitted_by=actor))
    locked.status = AssessmentStatus.APPEALED
    _save(actor, locked, update_fields=["status", "updated_at"])
    return appeal


@transaction.atomic
def appeal_waive(*, actor: Any, assessment: Assessment) -> Assessment:
    """The organization accepts the draft grade: the appeal window closes early."""
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=assessment.pk)
    )
    if not permissions.is_org_rep(actor, locked.organization):
        raise PermissionDenied(_("只有该组织的负责人可以确认无异议。"))
    _require_round_not_closed(locked.round_id)
    if not appeal_window_open(locked):
        raise ApplicationError(_("不在公示及申诉期内。"))
    locked.appeal_until = timezone.localdate() - datetime.timedelta(days=1)
    return _save(actor, locked, update_fields=["appeal_until", "updated_at"])


@transaction.atomic
def appeal_decide(
    *, actor: Any, appeal: Appeal, upheld: bool, decision: str, revised_total: Decimal | None = None
) -> Appeal:
    locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round")
        .get(pk=locked.assessment_id)
    )
    if not permissions.can_run_round(actor, assessment.round):
        raise PermissionDenied(_("只有评估委员会（民政局）可以处理申诉。"))
    _require_round_not_closed(assessment.round_id)
    if locked.status != AppealStatus.PENDING:
        raise ApplicationError(_("该申诉已处理。"))
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
    locked.status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
    locked.decision, locked.decided_by, locked.decided_at = decision.strip(), actor, timezone.now()
    _save(actor, locked)
    assessment.status = AssessmentStatus.PUBLICIZED
    _save(
        actor, assessment, update_fields=["onsite_total", "proposed_grade", "status", "updated_at"]
    )
    return locked


@transaction.atomic
def grade_confirm(*, actor: Any, assessment: Assessment) -> Assessment:
    """Confirm the grade once the appeal window is over (or the appeal decided) and write it to the registry
    with its validity."""
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round", "organization")
        .get(pk=assessment.pk)
    )
    if not permissions.can_run_round(actor, locked.round):
        raise PermissionDenied(_("只有评估委员会（民政局）可以确认等级。"))
    _require_round_not_closed(locked.round_id)
    if locked.status != AssessmentStatus.PUBLICIZED:
        raise ApplicationError(_("只有公示中的初评等级可以确认。"))
    appeal = Appeal.objects.filter(assessment=locked).first()
    decided = appeal is not None and appeal.status != AppealStatus.PENDING
    if appeal_window_open(locked) and not decided:
        raise ApplicationError(
            _("公示及申诉期至 %(d)s，期满后才能确认等级。") % {"d": locked.appeal_until}
        )
    if locked.proposed_grade not in Grade.values or not locked.proposed_grade:
        raise ApplicationError(_("没有可确认的等级。"))
    today = timezone.localdate()
    locked.final_grade = locked.proposed_grade
    locked.valid_until = add_years(today, locked.round.validity_years) - datetime.timedelta(days=1)
    locked.status, locked.confirmed_at, locked.confirmed_by = (
        AssessmentStatus.CONFIRMED,
        timezone.now(),
        actor,
    )
    _save(
        actor,
        locked,
        update_fields=[
            "final_grade",
            "valid_until",
            "status",
            "confirmed_at",
            "confirmed_by",
            "updated_at",
        ],
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


# -- center reviews ---------------------------------------------------------------------------------
@transaction.atomic
def review_open(
    *, actor: Any, center: Center, year: int, template: IndicatorTemplate | None = None
) -> CenterReview:
    if not permissions.can_supervise_center(actor, center):
        raise PermissionDenied(_("中心的年度考评由上级中心或民政局组织。"))
    template = template or selectors.current_template(kind=TemplateKind.CENTER_REVIEW)
    if template is None or template.kind != TemplateKind.CENTER_REVIEW:
        raise ValidationError({"template": [_("请先建立中心考评指标模板。")]})
    if CenterReview.objects.filter(center=center, year=year).exists():
        raise ValidationError({"year": [_("该中心本年度的考评已经建立。")]})
    return _save(
        actor,
        CenterReview(
            center=center, region_id=center.region_id, year=year, template=template, opened_by=actor
        ),
        force_insert=True,
    )


@transaction.atomic
def review_score_submit(
    *, actor: Any, review: CenterReview, scores: dict[int, Any], note: str = ""
) -> list[ReviewScore]:
    locked = (
        CenterReview.objects.select_for_update(of=("self",))
        .select_related("center")
        .get(pk=review.pk)
    )
    if not permissions.can_score_review(actor, locked):
        raise PermissionDenied(_("只有上级主管部门或第三方评估专家可以打分。"))
    if locked.status != ReviewStatus.OPEN:
        raise ApplicationError(_("考评已确认，不能再打分。"))
    kind = (
        ReviewerKind.SUPERVISOR
        if permissions.can_run_review(actor, locked)
        else ReviewerKind.THIRD_PARTY
    )
    rates = _parse_rates(locked.template, scores, required=True)
    saved = []
    for key, (rate, score_note) in rates.items():
        row, _c = ReviewScore.objects.update_or_create(
            review=locked,
            indicator_id=key,
            reviewer=actor,
            defaults={"score": rate, "note": score_note or note, "reviewer_kind": kind},
        )
        saved.append(row)
    return saved


def review_result(total: Decimal, full_score: Decimal) -> str:
    percent = total * 100 / full_score if full_score else Decimal(0)
    return scoring.grade_for(percent, DEFAULT_REVIEW_BANDS)


@transaction.atomic
def review_confirm(*, actor: Any, review: CenterReview, conclusion: str) -> CenterReview:
    locked = (
        CenterReview.objects.select_for_update(of=("self",))
        .select_related("center")
        .get(pk=review.pk)
    )
    if not permissions.can_run_review(actor, locked):
        raise PermissionDenied(_("只有组织考评的上级可以确认结果。"))
    if locked.status != ReviewStatus.OPEN:
        raise ApplicationError(_("考评已确认。"))
    if not locked.scores.exists():
        raise ApplicationError(_("还没有人打分。"))
    if not conclusion.strip():
        raise ValidationError({"conclusion": [_("请填写考评结论。")]})
    roots, _by_id = selectors.template_tree(locked.template)
    locked.total = scoring.total_score(
        roots, selectors.review_rates(locked), locked.template.full_score
    )
    locked.result = review_result(locked.total, locked.template.full_score)
    locked.satisfaction, locked.survey_responses = selectors.survey_satisfaction(
        center=locked.center, year=locked.year
    )
    locked.conclusion, locked.status, locked.confirmed_at = (
        conclusion.strip(),
        ReviewStatus.CONFIRMED,
        timezone.now(),
    )
    return _save(actor, locked)


@transaction.atomic
def reward_record(*, actor: Any, review: CenterReview, data: dict[str, Any]) -> Reward:
    if not permissions.can_run_review(actor, review):
        raise PermissionDenied(_("只有组织考评的上级可以记录奖励。"))
    if review.status != ReviewStatus.CONFIRMED:
        raise ApplicationError(_("考评结果确认后才能记录奖励。"))
    return _save(
        actor,
        Reward(
            review=review,
            region_id=review.region_id,
            recorded_by=actor,
            **{k: data[k] for k in ("title", "amount", "granted_on", "note") if k in data},
        ),
        force_insert=True,
    )


# -- surveys ----------------------------------------------------------------------------------------
@transaction.atomic
def survey_create(*, actor: Any, center: Center, data: dict[str, Any]) -> Survey:
    if not permissions.can_manage_surveys(actor, center):
        raise PermissionDenied(_("只有本中心的工作人员可以发起满意度调查。"))
    survey = Survey(
        center=center,
        region_id=center.region_id,
        created_by=actor,
        **{
            k: data[k]
            for k in ("title", "subject", "event", "match", "year", "closes_on")
            if k in data
        },
    )
    errors: dict[str, list[str]] = {}
    if survey.subject == "event" and survey.event is None:
        errors["event"] = [_("请选择活动。")]
    if survey.subject == "match" and survey.match is None:
        errors["match"] = [_("请选择对接服务。")]
    if survey.event is not None and survey.event.center_id != center.pk:
        errors["event"] = [_("只能调查本中心的活动。")]
    if survey.match is not None and not survey.match.region_id.startswith(center.region_id):
        errors["match"] = [_("只能调查本中心辖区内的对接服务。")]
    if errors:
        raise ValidationError(errors)
    return _save(actor, survey, force_insert=True)


@transaction.atomic
def survey_close(*, actor: Any, survey: Survey) -> Survey:
    if not permissions.can_manage_surveys(actor, survey.center):
        raise PermissionDenied(_("只有本中心的工作人员可以关闭调查。"))
    survey.is_open = False
    return _save(actor, survey, update_fields=["is_open", "updated_at"])


def respondent_key(*, user: Any = None, phone: str = "") -> str:
    """The account, or a keyed hash of the mobile number (the number itself is never stored)."""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"u:{user.pk}"
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"survey-phone:{phone}".encode(), hashlib.sha256
    ).hexdigest()
    return f"p:{digest}"


@transaction.atomic
def survey_answer(
    *, survey: Survey, user: Any = None, phone: str = "", data: dict[str, Any]
) -> SurveyResponse:
    today = timezone.localdate()
    if not survey.is_open or survey.closes_on < today:
        raise ApplicationError(_("该调查已结束。"))
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    if not authenticated:
        try:
            mobile_validator(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
    response = SurveyResponse(
        survey=survey,
        respondent_key=respondent_key(user=user if authenticated else None, phone=phone),
        respondent=user if authenticated else None,
        **{
            k: data[k]
            for k in ("overall", "attitude", "professionalism", "facilities", "comment")
            if k in data
        },
    )
    response.full_clean(exclude=["respondent_key", "survey"], validate_constraints=False)
    try:
        with transaction.atomic():
            response.save(force_insert=True)
    except IntegrityError as exc:
        raise ConflictError(_("您已经填写过这份问卷，每人只能填写一次。")) from exc
    return response


# -- compliance and targets ------------------------------------------------------------------------
@transaction.atomic
def breach_acknowledge(
    *, actor: Any, center: Center, rule: str, plan: str, due_on: datetime.date
) -> BreachAcknowledgement:
    if not permissions.can_acknowledge_breach(actor, center):
        raise PermissionDenied(_("只有本中心或上级可以登记整改计划。"))
    if rule not in compliance.RULES_BY_CODE:
        raise ValidationError({"rule": [_("未知的规则。")]})
    errors: dict[str, list[str]] = {}
    if not plan.strip():
        errors["plan"] = [_("请填写整改计划。")]
    if due_on < timezone.localdate():
        errors["due_on"] = [_("整改期限不能早于今天。")]
    if errors:
        raise ValidationError(errors)
    report = selectors.compliance_report(user=actor, center_ids=[center.pk], rule=rule)
    if not report.breaches:
        raise ApplicationError(_("该中心目前符合这条规则，无需整改。"))
    BreachAcknowledgement.objects.filter(center=center, rule=rule, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    return _save(
        actor,
        BreachAcknowledgement(
            center=center,
            region_id=center.region_id,
            rule=rule,
            plan=plan.strip(),
            due_on=due_on,
            acknowledged_by=actor,
        ),
        force_insert=True,
    )


@transaction.atomic
def parameters_set(*, actor: Any, data: dict[str, Any]) -> ComplianceParameters:
    if not permissions.can_set_parameters(actor):
        raise PermissionDenied(_("只有市民政局可以设置合规参数。"))
    row = ComplianceParameters.objects.filter(year=data["year"]).first() or ComplianceParameters(
        year=data["year"]
    )
    for key in (
        "min_premises_area",
        "served_per_staff",
        "social_worker_share",
        "city_average_wage",
    ):
        if key in data:
            setattr(row, key, data[key])
    row.updated_by = actor
    return _save(actor, row)


@transaction.atomic
def target_set(*, actor: Any, region: Region, data: dict[str, Any]) -> NetworkTarget:
    if not permissions.can_set_targets(actor, region.code):
        raise PermissionDenied(_("只有本辖区的民政局可以设置建设目标。"))
    target = NetworkTarget.objects.filter(
        region=region, year=data["year"], metric=data["metric"]
    ).first() or NetworkTarget(region=region, year=data["year"], metric=data["metric"])
    target.target_percent = data["target_percent"]
    target.note = data.get("note", "")
    return _save(actor, target)


def survey_url(survey: Survey) -> str:
    return reverse("evaluation:survey-answer", kwargs={"token": survey.token})
