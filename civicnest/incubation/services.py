"""Every write of the incubation chain: validate, check rights, lock what must not race, save, audit, notify."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.accounts.selectors import center_staff_of
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.saving import save_new
from civicnest.core.services import notify
from civicnest.incubation import permissions
from civicnest.incubation.models import (
    PLACE_HOLDING,
    REVIEW_CRITERIA,
    Agreement,
    Application,
    ApplicationReview,
    ApplicationStatus,
    AssessmentOutcome,
    Desk,
    FollowUp,
    GraduationAssessment,
    IncubationProgram,
    IntakeRound,
    Mentorship,
    Milestone,
    ProgramKind,
    ProgressReview,
    ServiceRecord,
    Tenancy,
)
from civicnest.incubation.workflows import APPLICATION, DECISIONS
from civicnest.network.models import Center
from civicnest.regions.scoping import Scope
from civicnest.registry.models import ActivityTeam, FilingStatus, SocialOrganization

S = ApplicationStatus


# -- programs and rounds --------------------------------------------------------------------------
@transaction.atomic
def program_create(*, actor: User, center: Center, data: dict[str, Any]) -> IncubationProgram:
    if not permissions.can_create_program(actor, center):
        raise PermissionDenied(_("您无权为该中心设立孵化项目。"))
    fields = ("name", "kind", "description", "services_offered")
    return save_new(
        actor,
        IncubationProgram(
            center=center, region_id=center.region_id, **{k: data[k] for k in fields if k in data}
        ),
    )


@transaction.atomic
def round_create(*, actor: User, program: IncubationProgram, data: dict[str, Any]) -> IntakeRound:
    if not permissions.can_manage_program(actor, program):
        raise PermissionDenied(_("您无权管理该孵化项目。"))
    fields = (
        "name",
        "opens_on",
        "closes_on",
        "capacity",
        "criteria",
        "target_stages",
        "target_categories",
        "period_months",
    )
    return save_new(
        actor,
        IntakeRound(
            program=program,
            region_id=program.region_id,
            **{k: data[k] for k in fields if k in data},
        ),
    )


# -- applications ---------------------------------------------------------------------------------
def eligibility_notes(application: Application) -> list[str]:
    """What the automatic check finds against the round's criteria (shown to staff deciding eligibility)."""
    round_ = application.round
    notes = []
    if round_.target_stages and application.stage not in round_.target_stages:
        notes.append(
            _("发展阶段“%(s)s”不在本批次面向的阶段内。") % {"s": application.get_stage_display()}
        )
    if round_.target_categories and application.category not in round_.target_categories:
        notes.append(
            _("服务领域“%(c)s”不在本批次面向的领域内。") % {"c": application.get_category_display()}
        )
    org = application.organization
    if org is not None and org.status != "normal":
        notes.append(_("该组织当前状态为“%(s)s”。") % {"s": org.get_status_display()})
    return notes


@transaction.atomic
def application_submit(*, actor: User, round_: IntakeRound, data: dict[str, Any]) -> Application:
    locked = (
        IntakeRound.objects.select_for_update().select_related("program__center").get(pk=round_.pk)
    )
    today = timezone.localdate()
    if not (locked.opens_on <= today <= locked.closes_on):
        raise ApplicationError(
            _("本批次不在受理期内（%(a)s 至 %(b)s）。")
            % {"a": locked.opens_on, "b": locked.closes_on}
        )
    taken = locked.applications.filter(status__in=PLACE_HOLDING).count()
    if taken >= locked.capacity:
        raise ApplicationError(
            _("本批次名额已满（%(n)d 个），不再受理申请。") % {"n": locked.capacity}
        )
    org: SocialOrganization | None = data.get("organization")
    team: ActivityTeam | None = data.get("team")
    if org is not None and not permissions.can_apply_for_organization(actor, org.pk):
        raise PermissionDenied(_("只能为本人负责的社会组织申请入驻。"))
    if team is not None:
        if locked.program.kind != ProgramKind.GRASSROOTS:
            raise ValidationError({"team": [_("备案团队请申请基层孵化项目。")]})
        if team.status != FilingStatus.FILED:
            raise ValidationError({"team": [_("只有已备案的团队可以申请孵化。")]})
        if not (team.submitted_by_id == actor.pk or Scope.for_user(actor).covers(team.region_id)):
            raise PermissionDenied(_("只能为本人提交备案的团队申请。"))
    if not Scope.for_user(actor).grants and not actor.is_superuser:
        raise PermissionDenied(_("您的账户尚未分配角色，不能申请。"))
    active = locked.applications.exclude(status__in=[S.INELIGIBLE, S.REJECTED, S.EXITED])
    if org is not None and active.filter(organization=org).exists():
        raise ApplicationError(_("该组织已在本批次中有申请。"))
    if team is not None and active.filter(team=team).exists():
        raise ApplicationError(_("该团队已在本批次中有申请。"))
    fields = (
        "founding_team",
        "contact_name",
        "contact_phone",
        "project_title",
        "plan",
        "category",
        "stage",
    )
    application = Application(
        round=locked,
        region_id=locked.region_id,
        applicant=actor,
        organization=org,
        team=team,
        **{k: data[k] for k in fields if k in data},
    )
    save_new(actor, application)
    staff = center_staff_of(locked.program.center_id)
    notify(
        event="incubation.applied",
        recipients=staff,
        url=application.get_absolute_url(),
        title=_("新的入驻申请：%(name)s") % {"name": application.applicant_name},
    )
    return application


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("round__program__center")
        .get(pk=application.pk)
    )


def _move(
    actor: User, app: Application, to: str, reason: str = "", extra_fields: tuple[str, ...] = ()
) -> Application:
    move = APPLICATION.leading_to(app, to)
    if move is None:
        raise ApplicationError(
            _("当前状态“%(s)s”不能变更为“%(t)s”。")
            % {"s": app.get_status_display(), "t": S(to).label}
        )
    APPLICATION.check(app, move.action, actor)
    if move.needs_reason and not reason.strip():
        raise ValidationError({"reason": [_("请填写原因。")]})
    app.status = to
    fields = ["status", "updated_at", *extra_fields]
    if reason.strip() or move.needs_reason:
        app.decision_reason = reason.strip()
        fields.append("decision_reason")
    app.decided_by, app.decided_at = actor, timezone.now()
    fields += ["decided_by", "decided_at"]
    with acting_as(actor):
        app.save(update_fields=fields)
    notify(
        event=f"incubation.{to}",
        recipients=[app.applicant],
        url=app.get_absolute_url(),
        title=_("入驻申请“%(p)s”：%(s)s") % {"p": app.project_title, "s": app.get_status_display()},
        body=app.decision_reason,
    )
    return app


@transaction.atomic
def application_decide(
    *, actor: User, application: Application, to: str, reason: str = ""
) -> Application:
    """Eligibility and admission decisions of the center (submitted → … → admitted / waitlisted / rejected)."""
    app = _lock(application)
    move = APPLICATION.leading_to(app, to)
    if move is not None and move.action not in DECISIONS:
        raise ApplicationError(_("此操作须通过协议、评估等专门流程完成。"))
    if to == S.ADMITTED:  # the capacity condition counts under the round's lock
        IntakeRound.objects.select_for_update().get(pk=app.round_id)
    return _move(actor, app, to, reason)


@transaction.atomic
def review_submit(
    *, actor: User, application: Application, scores: dict[str, Any], comment: str = ""
) -> ApplicationReview:
    app = _lock(application)
    if not permissions.can_review_application(actor, app):
        raise PermissionDenied(_("您无权评审该申请。"))
    if app.status not in {S.ELIGIBLE, S.WAITLISTED}:
        raise ApplicationError(_("只有通过资格审核的申请可以评审。"))
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for key, label, maximum in REVIEW_CRITERIA:
        try:
            value = int(scores.get(key, ""))
        except (TypeError, ValueError):
            errors[key] = [_("请为“%(c)s”打分。") % {"c": label}]
            continue
        if not 0 <= value <= maximum:
            errors[key] = [_("“%(c)s”的分数应在 0–%(m)d 之间。") % {"c": label, "m": maximum}]
        clean[key] = value
    if errors:
        raise ValidationError(errors)
    if app.reviews.filter(reviewer=actor).exists():
        raise ApplicationError(_("您已评审过该申请。"))
    review = ApplicationReview(
        application=app,
        reviewer=actor,
        scores=clean,
        total=Decimal(sum(clean.values())),
        comment=comment.strip(),
    )
    return save_new(actor, review)


# -- agreement ------------------------------------------------------------------------------------
def _agreement_number(app: Application, year: int) -> str:
    return f"FH{app.region_id[:6]}{year}{app.pk:05d}"


@transaction.atomic
def agreement_create(*, actor: User, application: Application, data: dict[str, Any]) -> Agreement:
    app = _lock(application)
    if not permissions.can_manage_application(actor, app):
        raise PermissionDenied(_("您无权签订协议。"))
    if app.status != S.ADMITTED:
        raise ApplicationError(_("只有已入选的申请可以签订孵化协议。"))
    if hasattr(app, "agreement"):
        raise ApplicationError(_("该申请已有孵化协议。"))
    starts = data["starts_on"]
    agreement = Agreement(
        application=app,
        number=_agreement_number(app, starts.year),
        starts_on=starts,
        ends_on=data.get("ends_on") or starts + relativedelta(months=app.round.period_months),
        obligations=data["obligations"],
        services_granted=list(data.get("services_granted") or []),
        created_by=actor,
    )
    return save_new(actor, agreement)


@transaction.atomic
def agreement_sign(*, actor: User, agreement: Agreement, signed_on: datetime.date) -> Agreement:
    app = _lock(agreement.application)
    if not permissions.can_manage_application(actor, app):
        raise PermissionDenied(_("您无权登记协议签订。"))
    if agreement.signed_on:
        raise ApplicationError(_("协议已于 %(d)s 签订。") % {"d": agreement.signed_on})
    agreement.signed_on = signed_on
    with acting_as(actor):
        agreement.save(update_fields=["signed_on", "updated_at"])
    _move(actor, app, S.INCUBATING)
    return agreement


# -- desks and tenancy ----------------------------------------------------------------------------
@transaction.atomic
def desk_create(*, actor: User, center: Center, data: dict[str, Any]) -> Desk:
    if not permissions.can_run_center(actor, center):
        raise PermissionDenied(_("您无权管理该中心的工位。"))
    return save_new(
        actor,
        Desk(
            center=center,
            region_id=center.region_id,
            **{k: data[k] for k in ("code", "kind", "area", "note") if k in data},
        ),
    )


def _overlapping(
    desk: Desk, starts: datetime.date, ends: datetime.date, exclude_pk: int | None = None
) -> Tenancy | None:
    effective_end = Q(moved_out_on__isnull=True, ends_on__gt=starts) | Q(
        moved_out_on__isnull=False, moved_out_on__gt=starts
    )
    qs = desk.tenancies.filter(effective_end, starts_on__lt=ends)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("application").first()


@transaction.atomic
def tenancy_allocate(
    *,
    actor: User,
    application: Application,
    desk: Desk,
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> Tenancy:
    app = _lock(application)
    if not permissions.can_manage_application(actor, app):
        raise PermissionDenied(_("您无权分配工位。"))
    if app.status not in {S.ADMITTED, S.INCUBATING, S.EXTENDED}:
        raise ApplicationError(_("只有已入选或孵化中的对象可以入驻工位。"))
    locked_desk = Desk.objects.select_for_update().get(
        pk=desk.pk
    )  # serialises allocations of one desk
    if locked_desk.center_id != app.round.program.center_id:
        raise ValidationError({"desk": [_("只能分配本中心的工位。")]})
    if ends_on <= starts_on:
        raise ValidationError({"ends_on": [_("到期日期必须晚于入驻日期。")]})
    clash = _overlapping(locked_desk, starts_on, ends_on)
    if clash is not None:
        raise ConflictError(
            _("%(desk)s 在 %(a)s 至 %(b)s 已分配给“%(who)s”，时间重叠。")
            % {
                "desk": locked_desk,
                "a": clash.starts_on,
                "b": clash.moved_out_on or clash.ends_on,
                "who": clash.application.applicant_name,
            }
        )
    tenancy = Tenancy(
        desk=locked_desk,
        application=app,
        region_id=app.region_id,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    tenancy.full_clean()
    try:
        with transaction.atomic(), acting_as(actor):
            tenancy.save(force_insert=True)
    except (
        IntegrityError
    ) as exc:  # PostgreSQL's exclusion constraint caught a race the check missed
        raise ConflictError(_("该工位在这段时间已被占用。")) from exc
    return tenancy


@transaction.atomic
def tenancy_move_out(*, actor: User, tenancy: Tenancy, moved_out_on: datetime.date) -> Tenancy:
    locked = (
        Tenancy.objects.select_for_update(of=("self",))
        .select_related("application__round__program__center")
        .get(pk=tenancy.pk)
    )
    if not permissions.can_manage_application(actor, locked.application):
        raise PermissionDenied(_("您无权办理退驻。"))
    if locked.moved_out_on:
        raise ApplicationError(_("已于 %(d)s 退驻。") % {"d": locked.moved_out_on})
    if not locked.starts_on <= moved_out_on <= locked.ends_on:
        raise ValidationError(
            {
                "moved_out_on": [
                    _("退驻日期应在入驻期内（%(a)s 至 %(b)s）。")
                    % {"a": locked.starts_on, "b": locked.ends_on}
                ]
            }
        )
    locked.moved_out_on = moved_out_on
    with acting_as(actor):
        locked.save(update_fields=["moved_out_on", "updated_at"])
    return locked


# -- service log, milestones, mentoring, progress ------------------------------------------------
def _require_incubating(actor: User, app: Application, *, allow_graduated: bool = False) -> None:
    if not permissions.can_manage_application(actor, app):
        raise PermissionDenied(_("您无权为该孵化对象记录。"))
    allowed = {S.ADMITTED, S.INCUBATING, S.EXTENDED} | ({S.GRADUATED} if allow_graduated else set())
    if app.status not in allowed:
        raise ApplicationError(
            _("该对象当前状态为“%(s)s”，不能记录。") % {"s": app.get_status_display()}
        )


@transaction.atomic
def service_log(*, actor: User, application: Application, data: dict[str, Any]) -> ServiceRecord:
    app = _lock(application)
    _require_incubating(actor, app, allow_graduated=True)
    fields = ("service_type", "served_on", "hours", "topic", "outcome")
    record = ServiceRecord(
        application=app,
        region_id=app.region_id,
        staff=actor,
        **{k: data[k] for k in fields if k in data},
    )
    return save_new(actor, record)


@transaction.atomic
def milestone_add(*, actor: User, application: Application, data: dict[str, Any]) -> Milestone:
    app = _lock(application)
    _require_incubating(actor, app)
    return save_new(
        actor,
        Milestone(
            application=app,
            region_id=app.region_id,
            **{k: data[k] for k in ("kind", "title", "due_on") if k in data},
        ),
    )


@transaction.atomic
def milestone_achieve(
    *, actor: User, milestone: Milestone, achieved_on: datetime.date
) -> Milestone:
    app = _lock(milestone.application)
    _require_incubating(actor, app)
    milestone.achieved_on = achieved_on
    with acting_as(actor):
        milestone.save(update_fields=["achieved_on", "updated_at"])
    return milestone


@transaction.atomic
def mentor_assign(
    *, actor: User, application: Application, mentor: Any, since: datetime.date, focus: str = ""
) -> Mentorship:
    app = _lock(application)
    _require_incubating(actor, app)
    scope = Scope.for_user(mentor)
    if not (scope.covers(app.region_id) or scope.covers(app.region_id, roles=[Role.EXPERT])):
        raise ValidationError({"mentor": [_("导师须为本辖区的专家或工作人员。")]})
    if app.mentorships.filter(mentor=mentor).exists():
        raise ApplicationError(_("该导师已在辅导此对象。"))
    mentorship = save_new(
        actor,
        Mentorship(
            application=app,
            region_id=app.region_id,
            mentor=mentor,
            since=since,
            focus=focus.strip(),
        ),
    )
    notify(
        event="incubation.mentor",
        recipients=[mentor],
        url=app.get_absolute_url(),
        title=_("您被指派为“%(name)s”的孵化导师") % {"name": app.applicant_name},
    )
    return mentorship


def quarter_of(day: datetime.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


@transaction.atomic
def progress_review_add(
    *, actor: User, application: Application, data: dict[str, Any]
) -> ProgressReview:
    app = _lock(application)
    is_mentor = app.mentorships.filter(mentor=actor).exists()
    if not (permissions.can_manage_application(actor, app) or is_mentor):
        raise PermissionDenied(_("您无权评估该对象的进展。"))
    if app.status not in {S.INCUBATING, S.EXTENDED}:
        raise ApplicationError(_("只有孵化中的对象需要季度评估。"))
    quarter = data.get("quarter") or quarter_of(data["reviewed_on"])
    if app.progress_reviews.filter(quarter=quarter).exists():
        raise ValidationError({"quarter": [_("%(q)s 的进展评估已记录。") % {"q": quarter}]})
    review = ProgressReview(
        application=app,
        region_id=app.region_id,
        quarter=quarter,
        reviewer=actor,
        reviewed_on=data["reviewed_on"],
        rating=data["rating"],
        summary=data["summary"],
    )
    return save_new(actor, review)


# -- graduation -----------------------------------------------------------------------------------
OUTCOME_ACTION = {
    AssessmentOutcome.GRADUATE: "graduate",
    AssessmentOutcome.EXTEND: "extend",
    AssessmentOutcome.EXIT: "exit",
}


@transaction.atomic
def assessment_record(
    *, actor: User, application: Application, data: dict[str, Any]
) -> GraduationAssessment:
    """The assessment against the plan decides the outcome: graduate, extend or exit."""
    app = _lock(application)
    outcome = data["outcome"]
    APPLICATION.check(app, OUTCOME_ACTION[AssessmentOutcome(outcome)], actor)
    assessment = GraduationAssessment(
        application=app,
        region_id=app.region_id,
        assessor=actor,
        milestones_met=app.milestones.filter(achieved_on__isnull=False).count(),
        **{
            k: data[k]
            for k in ("assessed_on", "score", "summary", "outcome", "extend_until")
            if k in data
        },
    )
    save_new(actor, assessment)
    extra: tuple[str, ...] = ()
    if outcome == AssessmentOutcome.GRADUATE:
        app.graduated_on = assessment.assessed_on
        extra = ("graduated_on",)
        save_new(
            actor,
            FollowUp(
                application=app,
                region_id=app.region_id,
                due_on=assessment.assessed_on + relativedelta(months=12),
            ),
        )
        for tenancy in app.tenancies.filter(
            moved_out_on__isnull=True, ends_on__gt=assessment.assessed_on
        ):
            tenancy.moved_out_on = max(assessment.assessed_on, tenancy.starts_on)
            with acting_as(actor):
                tenancy.save(update_fields=["moved_out_on", "updated_at"])
    elif outcome == AssessmentOutcome.EXTEND and hasattr(app, "agreement"):
        app.agreement.ends_on = data["extend_until"]
        with acting_as(actor):
            app.agreement.save(update_fields=["ends_on", "updated_at"])
    _move(
        actor,
        app,
        APPLICATION.by_action[OUTCOME_ACTION[AssessmentOutcome(outcome)]].target,
        reason=data.get("summary", "") if outcome == AssessmentOutcome.EXIT else "",
        extra_fields=extra,
    )
    return assessment


@transaction.atomic
def follow_up_record(
    *, actor: User, follow_up: FollowUp, done_on: datetime.date, note: str
) -> FollowUp:
    locked = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("application__round__program__center")
        .get(pk=follow_up.pk)
    )
    if not permissions.can_manage_application(actor, locked.application):
        raise PermissionDenied(_("您无权记录回访。"))
    if not note.strip():
        raise ValidationError({"note": [_("请填写回访情况。")]})
    locked.done_on, locked.note = done_on, note.strip()
    with acting_as(actor):
        locked.save(update_fields=["done_on", "note", "updated_at"])
    return locked
