"""Every write to the registry: validate, check the actor's rights, save, audit, notify."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError
from civicnest.core.services import notify
from civicnest.core.uploads import ARCHIVE, store_upload, validate_upload
from civicnest.core.validators import validate_uscc
from civicnest.regions.models import RegionLevel
from civicnest.registry import permissions
from civicnest.registry.models import (
    ActivityTeam,
    AnnualReport,
    ArchiveDocument,
    ConsultingSession,
    CreditKind,
    CreditRecord,
    FilingStatus,
    OrgStatus,
    RegistrationGuidance,
    ReportStatus,
    SocialOrganization,
)
from civicnest.registry.search import pinyin_full, pinyin_initials
from civicnest.registry.workflows import TEAM_FILING

ORG_STAFF_FIELDS = (
    "name",
    "uscc",
    "org_type",
    "legal_representative",
    "registration_authority",
    "registered_on",
    "region",
    "center",
    "category",
    "stage",
    "staff_count",
    "volunteer_count",
    "party_member_count",
    "has_party_org",
    "contact_name",
    "contact_phone",
    "address",
    "description",
)
# What an organization may change about itself; identity and registration data stay with the centers.
ORG_SELF_FIELDS = (
    "stage",
    "staff_count",
    "volunteer_count",
    "party_member_count",
    "has_party_org",
    "contact_name",
    "contact_phone",
    "address",
    "description",
)
ORG_REGION_LEVELS = {RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY}
TEAM_FIELDS = (
    "name",
    "kind",
    "category",
    "region",
    "responsible_person",
    "contact_phone",
    "venue",
    "charter",
    "member_count",
    "funds",
    "activity_area",
)


def _check_org(org: SocialOrganization) -> None:
    errors: dict[str, list[str]] = {}
    try:
        org.uscc = validate_uscc(org.uscc, org_type=org.org_type or None)
    except ValidationError as exc:
        errors["uscc"] = list(exc.messages)
    if org.region_id and org.region.level not in ORG_REGION_LEVELS:
        errors["region"] = [_("社会组织应登记在区、街道或社区一级。")]
    if (
        org.center is not None
        and org.region_id
        and not org.region_id.startswith(org.center.region_id)
    ):
        errors["center"] = [_("服务中心必须覆盖社会组织所在区划。")]
    if errors:
        raise ValidationError(errors)


def _refresh_search_fields(org: SocialOrganization) -> None:
    org.name_pinyin = pinyin_full(org.name)
    org.name_initials = pinyin_initials(org.name)


@transaction.atomic
def organization_create(*, actor: User, data: dict[str, Any]) -> SocialOrganization:
    org = SocialOrganization(**{k: v for k, v in data.items() if k in ORG_STAFF_FIELDS})
    _check_org(org)
    org.full_clean()
    if not permissions.can_create_org(actor, org.region_id):
        raise PermissionDenied(_("您无权在该区划登记社会组织。"))
    _refresh_search_fields(org)
    with acting_as(actor):
        org.save(force_insert=True)
    return org


@transaction.atomic
def organization_update(
    *, actor: User, organization: SocialOrganization, data: dict[str, Any]
) -> SocialOrganization:
    org = (
        SocialOrganization.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=organization.pk)
    )
    allowed: tuple[str, ...]
    if permissions.can_manage_org(actor, org):
        allowed = ORG_STAFF_FIELDS
    elif permissions.is_org_member(actor, org):
        allowed = ORG_SELF_FIELDS
    else:
        raise PermissionDenied(_("您没有修改该社会组织信息的权限。"))
    refused = [k for k, v in data.items() if k not in allowed and getattr(org, k, v) != v]
    if refused:
        raise PermissionDenied(_("您不能修改这些字段：%(fields)s") % {"fields": "、".join(refused)})
    changed = [k for k, v in data.items() if getattr(org, k) != v]
    for key in changed:
        setattr(org, key, data[key])
    _check_org(org)
    org.full_clean()
    if "region" in changed and not permissions.can_create_org(actor, org.region_id):
        raise PermissionDenied(_("不能把社会组织移到您管辖范围以外的区划。"))
    if "name" in changed:
        _refresh_search_fields(org)
        changed += ["name_pinyin", "name_initials"]
    if changed:
        with acting_as(actor):
            org.save(update_fields=[*changed, "updated_at"])
    return org


@transaction.atomic
def organization_set_grade(
    *, actor: User, organization: SocialOrganization, grade: str, valid_until: datetime.date | None
) -> SocialOrganization:
    if not permissions.can_set_grade(actor, organization):
        raise PermissionDenied(_("只有民政局工作人员可以确认评估等级。"))
    org = SocialOrganization.objects.select_for_update(of=("self",)).get(pk=organization.pk)
    org.grade, org.grade_valid_until = grade, valid_until
    org.full_clean()
    with acting_as(actor):
        org.save(update_fields=["grade", "grade_valid_until", "updated_at"])
    return org


# -- credit ---------------------------------------------------------------------------------------
STATUS_AFTER_CREDIT = {
    CreditKind.ABNORMAL_LISTED: OrgStatus.ABNORMAL,
    CreditKind.SERIOUS: OrgStatus.ABNORMAL,
    CreditKind.ABNORMAL_REMOVED: OrgStatus.NORMAL,
}


@transaction.atomic
def credit_record_add(
    *,
    actor: User,
    organization: SocialOrganization,
    kind: str,
    occurred_on: datetime.date,
    reason: str,
) -> CreditRecord:
    if not permissions.can_record_credit(actor, organization, kind):
        raise PermissionDenied(_("您无权记录此类信用信息。"))
    org = SocialOrganization.objects.select_for_update(of=("self",)).get(pk=organization.pk)
    if kind == CreditKind.ABNORMAL_LISTED and org.status == OrgStatus.ABNORMAL:
        raise ApplicationError(_("该组织已在活动异常名录中。"))
    if kind == CreditKind.ABNORMAL_REMOVED and org.status != OrgStatus.ABNORMAL:
        raise ApplicationError(_("该组织不在活动异常名录中，无需移出。"))
    if org.status == OrgStatus.DEREGISTERED:
        raise ApplicationError(_("该组织已注销。"))
    record = CreditRecord(
        organization=org,
        kind=kind,
        occurred_on=occurred_on,
        reason=reason.strip(),
        recorded_by=actor,
    )
    record.full_clean()
    with acting_as(actor):
        record.save(force_insert=True)
        if kind in STATUS_AFTER_CREDIT:
            org.status = STATUS_AFTER_CREDIT[CreditKind(kind)]
            org.save(update_fields=["status", "updated_at"])
    return record


# -- activity-team filing -------------------------------------------------------------------------
def _next_filing_number(team: ActivityTeam, year: int) -> str:
    prefix = f"BA{team.region_id[:9]}{year}"
    last = ActivityTeam.objects.filter(filing_number__startswith=prefix).aggregate(
        m=Max("filing_number")
    )["m"]
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


@transaction.atomic
def team_submit(*, actor: User, data: dict[str, Any]) -> ActivityTeam:
    team = ActivityTeam(**{k: v for k, v in data.items() if k in TEAM_FIELDS}, submitted_by=actor)
    if team.region_id and team.region.level not in {RegionLevel.STREET, RegionLevel.COMMUNITY}:
        raise ValidationError({"region": [_("群众活动团队应在街道或社区备案，请选择街道或社区。")]})
    team.full_clean()
    if not permissions.can_file_team(actor, team.region_id):
        raise PermissionDenied(_("您只能为本人所在社区或管辖范围内的团队提交备案。"))
    with acting_as(actor):
        team.save(force_insert=True)
    reviewers = _team_reviewers(team)
    notify(
        event="team.submitted",
        recipients=reviewers,
        title=_("新的团队备案待审核：%(name)s") % {"name": team.name},
        url=team.get_absolute_url(),
    )
    return team


def _team_reviewers(team: ActivityTeam) -> list[User]:
    users = User.objects.filter(
        role_assignments__role="center_staff",
        role_assignments__center__level__in=["street", "community"],
    ).distinct()
    return [u for u in users if permissions.can_review_team(u, team)]


@transaction.atomic
def team_transition(*, actor: User, team: ActivityTeam, to: str, reason: str = "") -> ActivityTeam:
    locked = (
        ActivityTeam.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=team.pk)
    )
    move = TEAM_FILING.leading_to(locked, to)
    if move is None:
        raise ApplicationError(
            _("当前状态“%(status)s”不能变更为“%(to)s”。")
            % {"status": locked.get_status_display(), "to": FilingStatus(to).label}
        )
    TEAM_FILING.check(locked, move.action, actor)
    fields = ["status", "updated_at"]
    if move.needs_reason:
        if not reason.strip():
            raise ValidationError({"reason": [_("退回时必须填写原因。")]})
        locked.return_reason = reason.strip()
        fields.append("return_reason")
    if to in {FilingStatus.FILED, FilingStatus.RETURNED, FilingStatus.REVOKED}:
        locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
        fields += ["reviewed_by", "reviewed_at"]
    if to == FilingStatus.FILED:
        today = timezone.localdate()
        locked.filing_number = _next_filing_number(locked, today.year)
        locked.filed_on, locked.last_confirmed_year = today, today.year
        fields += ["filing_number", "filed_on", "last_confirmed_year"]
    locked.status = to
    with acting_as(actor):
        try:
            with transaction.atomic():
                locked.save(update_fields=fields)
        except IntegrityError as exc:  # two reviewers numbering at once: the second one retries
            raise ApplicationError(_("备案编号冲突，请重试。")) from exc
    notify(
        event=f"team.{to}",
        recipients=[locked.submitted_by],
        title=_("团队备案“%(name)s”：%(status)s")
        % {"name": locked.name, "status": locked.get_status_display()},
        body=locked.return_reason if to == FilingStatus.RETURNED else "",
        url=locked.get_absolute_url(),
    )
    return locked


@transaction.atomic
def team_update(*, actor: User, team: ActivityTeam, data: dict[str, Any]) -> ActivityTeam:
    """The submitter corrects a returned filing (then resubmits)."""
    locked = ActivityTeam.objects.select_for_update(of=("self",)).get(pk=team.pk)
    if locked.status != FilingStatus.RETURNED or not permissions.can_resubmit_team(actor, locked):
        raise PermissionDenied(_("只有被退回的备案可以由提交人修改。"))
    changed = [k for k, v in data.items() if k in TEAM_FIELDS and getattr(locked, k) != v]
    for key in changed:
        setattr(locked, key, data[key])
    locked.full_clean()
    if changed:
        with acting_as(actor):
            locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic
def team_confirm_year(*, actor: User, team: ActivityTeam, year: int) -> ActivityTeam:
    """Annual re-confirmation (年度确认) of a filed team by its reviewing center."""
    locked = ActivityTeam.objects.select_for_update(of=("self",)).get(pk=team.pk)
    if locked.status != FilingStatus.FILED:
        raise ApplicationError(_("只有已备案的团队需要年度确认。"))
    if not permissions.can_review_team(actor, locked):
        raise PermissionDenied(_("您无权确认该团队。"))
    if locked.last_confirmed_year and year <= locked.last_confirmed_year:
        raise ApplicationError(_("%(year)d 年度已确认。") % {"year": year})
    locked.last_confirmed_year = year
    with acting_as(actor):
        locked.save(update_fields=["last_confirmed_year", "updated_at"])
    return locked


@transaction.atomic
def guidance_add(
    *, actor: User, team: ActivityTeam, target_type: str, notes: str, given_on: datetime.date
) -> RegistrationGuidance:
    if team.status != FilingStatus.FILED:
        raise ApplicationError(_("只有已备案的团队可以申请登记指导。"))
    if not permissions.can_review_team(actor, team) and not permissions.can_create_org(
        actor, team.region_id
    ):
        raise PermissionDenied(_("您无权记录登记指导。"))
    record = RegistrationGuidance(
        team=team, target_type=target_type, notes=notes.strip(), staff=actor, given_on=given_on
    )
    record.full_clean()
    with acting_as(actor):
        record.save(force_insert=True)
    return record


# -- annual reports -------------------------------------------------------------------------------
@transaction.atomic
def annual_report_submit(
    *, actor: User, organization: SocialOrganization, data: dict[str, Any]
) -> AnnualReport:
    if not permissions.can_submit_annual_report(actor, organization):
        raise PermissionDenied(_("您无权为该组织提交年报。"))
    year = data.get("year")
    current = timezone.localdate().year
    if year is None or year >= current + 1 or year < organization.registered_on.year:
        raise ValidationError({"year": [_("年度应在登记年份与今年之间。")]})
    if AnnualReport.objects.filter(organization=organization, year=year).exists():
        raise ValidationError({"year": [_("%(year)d 年度的年报已提交。") % {"year": year}]})
    fields = (
        "year",
        "activities",
        "income",
        "expenses",
        "net_assets",
        "staff_count",
        "member_count",
    )
    report = AnnualReport(
        organization=organization, submitted_by=actor, **{k: data[k] for k in fields if k in data}
    )
    report.full_clean()
    with acting_as(actor):
        report.save(force_insert=True)
    return report


@transaction.atomic
def annual_report_review(
    *, actor: User, report: AnnualReport, result: str, note: str = ""
) -> AnnualReport:
    locked = (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=report.pk)
    )
    if not permissions.can_manage_org(actor, locked.organization):
        raise PermissionDenied(_("您无权审核该年报。"))
    if locked.status == ReportStatus.REVIEWED:
        raise ApplicationError(_("该年报已审核。"))
    locked.status, locked.result, locked.result_note = ReportStatus.REVIEWED, result, note.strip()
    locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
    locked.full_clean()
    with acting_as(actor):
        locked.save(
            update_fields=[
                "status",
                "result",
                "result_note",
                "reviewed_by",
                "reviewed_at",
                "updated_at",
            ]
        )
    notify(
        event="annual_report.reviewed",
        recipients=[locked.submitted_by],
        title=_("%(org)s %(year)d 年度年报检查结论：%(result)s")
        % {
            "org": locked.organization.name,
            "year": locked.year,
            "result": locked.get_result_display(),
        },
        url=locked.organization.get_absolute_url(),
    )
    return locked


@transaction.atomic
def consulting_add(
    *,
    actor: User,
    organization: SocialOrganization,
    held_on: datetime.date,
    topic: str,
    notes: str = "",
    report: AnnualReport | None = None,
) -> ConsultingSession:
    if not permissions.can_manage_org(actor, organization):
        raise PermissionDenied(_("您无权为该组织记录咨询。"))
    session = ConsultingSession(
        organization=organization,
        report=report,
        held_on=held_on,
        topic=topic.strip(),
        notes=notes.strip(),
        staff=actor,
    )
    session.full_clean()
    with acting_as(actor):
        session.save(force_insert=True)
    return session


# -- archives -------------------------------------------------------------------------------------
@transaction.atomic
def archive_upload(
    *,
    actor: User,
    organization: SocialOrganization,
    doc_type: str,
    title: str,
    upload: UploadedFile,
) -> ArchiveDocument:
    if not permissions.can_edit_org_profile(actor, organization):
        raise PermissionDenied(_("您无权为该组织上传档案。"))
    name = upload.name or ""
    try:
        validate_upload(upload, ARCHIVE)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    # Lock the organization row so two uploads of one document type get different versions.
    SocialOrganization.objects.select_for_update().filter(pk=organization.pk).first()
    version = (
        organization.archives.filter(doc_type=doc_type).aggregate(m=Max("version"))["m"] or 0
    ) + 1
    doc = ArchiveDocument(
        organization=organization,
        doc_type=doc_type,
        title=title.strip(),
        version=version,
        original_name=name[:255],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    doc.full_clean(exclude=["file"])
    store_upload(doc.file, name, upload, field="file")
    try:
        with acting_as(actor):
            doc.save(force_insert=True)
    except Exception:
        doc.file.delete(save=False)  # never leave an orphan file behind a failed insert
        raise
    return doc
