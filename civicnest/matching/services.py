"""Needs, offerings and the match workflow: suggested → offered → accepted/declined → scheduled → delivered → rated → closed."""

from __future__ import annotations

import datetime
import difflib
import gc
import multiprocessing
import os
import re
import time
import unicodedata
from collections.abc import Generator
from decimal import Decimal
from functools import partial
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.accounts.selectors import center_staff_of, org_reps_of
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError
from civicnest.core.services import notify
from civicnest.matching import permissions, selectors
from civicnest.matching.codes import Beneficiary, Category
from civicnest.matching.engine import Index, NeedQuery, Suggestion, concepts
from civicnest.matching.live_index import live_index, query_for
from civicnest.matching.models import (
    Match,
    MatchStatus,
    Need,
    NeedEvent,
    NeedEventKind,
    NeedStatus,
    Resource,
    ServiceOffering,
)
from civicnest.matching.tasks import need_escalate as need_escalate_task
from civicnest.matching.tasks import need_suggest as need_suggest_task
from civicnest.network.models import Center, CenterLevel, CenterStatus
from civicnest.regions.codes import CITY, RegionCodeError, ancestors, normalize_region_code
from civicnest.regions.models import Region, RegionLevel
from civicnest.registry.models import SocialOrganization

DUPLICATE_WINDOW = datetime.timedelta(days=3)
SUGGESTIONS_KEPT = 5
DECLINE_REASON_MAX = 200  # Match.decline_reason
REFRESH_BATCH = 500  # needs ranked, then written in one transaction, by the nightly batch
M = MatchStatus
E = NeedEventKind
# A need waits in these statuses; a match in TAKEN means an organization took it (the clock stops).
WAITING = (NeedStatus.OPEN, NeedStatus.MATCHING)
TAKEN = (M.ACCEPTED, M.SCHEDULED, M.DELIVERED, M.RATED)
# A match still pending with its organization, or taken: while one exists a decline keeps the need 对接中.
IN_PLAY = (M.OFFERED, M.ACCEPTED, M.SCHEDULED)
# Days a level has to find an accepted match before the need goes up (setting NEED_ESCALATE_DAYS).
ESCALATE_DAYS: dict[str, int] = {
    CenterLevel.COMMUNITY: 3,
    CenterLevel.STREET: 5,
    CenterLevel.DISTRICT: 7,
    CenterLevel.CITY: 10,
}
MERGE_HOURS = 24  # setting NEED_MERGE_HOURS: a repeat of one's own open need within this is merged
# The difflib ratio of two normalized texts at which two submissions are the same need.
MERGE_RATIO = 0.9
MERGED_NOTICE = gettext_lazy("您已提交过相同的需求，已合并。")  # shown where a repeat lands
# Who moves a match from one status to the next.
MATCH_FLOW: dict[str, dict[str, str]] = {
    M.SUGGESTED: {M.OFFERED: "staff", M.CLOSED: "staff"},
    M.OFFERED: {M.ACCEPTED: "org", M.DECLINED: "org"},
    M.ACCEPTED: {M.SCHEDULED: "org", M.DELIVERED: "org"},
    M.SCHEDULED: {M.DELIVERED: "org"},
    M.DELIVERED: {M.RATED: "submitter"},
    M.RATED: {M.CLOSED: "staff"},
}


def region_from_code(
    raw: str,
    *,
    field: str = "region",
    levels: tuple[str, ...] = (RegionLevel.STREET, RegionLevel.COMMUNITY),
) -> Region:
    try:
        code = normalize_region_code(raw)
    except RegionCodeError as exc:
        raise ValidationError({field: [str(exc)]}) from exc
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({field: [_("区划代码不存在：%(code)s") % {"code": raw}]})
    if region.level not in levels:
        raise ValidationError({field: [_("请填写到街道或社区一级的区划代码。")]})
    return region


def _check_codes(values: Any, allowed: list[str], field: str, label: str) -> list[str]:
    values = list(values or [])
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValidationError(
            {
                field: [
                    _("%(label)s不在可选范围内：%(bad)s")
                    % {"label": label, "bad": "、".join(map(str, bad))}
                ]
            }
        )
    return values


# -- needs ----------------------------------------------------------------------------------------
@transaction.atomic
def need_submit(*, actor: User, data: dict[str, Any]) -> Need:
    region = (
        data["region"]
        if isinstance(data.get("region"), Region)
        else region_from_code(str(data.get("region", "")))
    )
    errors: dict[str, list[str]] = {}
    if not (data.get("description") or "").strip():
        errors["description"] = [_("请描述需求：需要什么帮助、给谁、什么时候。")]
    if not (data.get("title") or "").strip():
        errors["title"] = [_("请填写标题。")]
    if errors:
        raise ValidationError(errors)
    category = data.get("category") or ""
    if category:
        _check_codes([category], Category.values, "category", _("服务类别"))
    beneficiaries = _check_codes(
        data.get("beneficiaries"), Beneficiary.values, "beneficiaries", _("服务对象")
    )
    if not permissions.can_submit_need(actor, region.code):
        raise PermissionDenied(_("您只能为本人所在社区或管辖范围提交需求。"))
    title, description = data["title"].strip(), data["description"].strip()
    repeated = _own_open_repeat(actor=actor, region=region, title=title, description=description)
    if repeated is not None:
        _event(repeated.pk, E.MERGED, actor=actor, title=title, description=description)
        repeated.merged = True
        return repeated
    scope_kind = "resident"
    roles = {g.role for g in actor.role_assignments.all()}
    if Role.CENTER_STAFF in roles:
        scope_kind = "center"
    elif Role.BUREAU_OFFICER in roles:
        scope_kind = "government"
    now = timezone.now()
    need = Need(
        region=region,
        title=title,
        description=description,
        category=category,
        beneficiaries=beneficiaries,
        people_count=data.get("people_count") or 1,
        window_start=data.get("window_start"),
        window_end=data.get("window_end"),
        urgency=data.get("urgency") or "normal",
        submitter=actor,
        submitter_kind=data.get("submitter_kind") or scope_kind,
        suggestions_due=now,
    )
    need.duplicate_of = _likely_duplicate(need)
    center = next(iter(_center_chain(region.code)), None)
    if center is not None:  # the most local center answers first, until its deadline
        need.handling_level = center.level
        need.deadline = now + datetime.timedelta(days=escalate_days(center.level))
    need.full_clean()
    with acting_as(actor):
        need.save(force_insert=True)
    _event(need.pk, E.SUBMITTED, actor=actor, at=need.created_at)
    _schedule_escalation(need.pk, need.deadline)
    need_suggest_task.enqueue(
        need_id=need.pk
    )  # in the transaction: the row and its task commit together
    return need


def _event(need_id: int, kind: str, *, actor: User | None = None, **data: Any) -> NeedEvent:
    """Append one step to the need's timeline (`data`: the facts its sentence names; JSON values)."""
    at = data.pop("at", None) or timezone.now()
    return NeedEvent.objects.create(need_id=need_id, kind=kind, actor=actor, at=at, data=data)


_NOT_WORD = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+")


def _normalized(text: str) -> str:
    """Full-width folded, lower case, without spaces and punctuation: what a repeat keeps the same."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def same_need_text(a: str, b: str) -> bool:
    """Two normalized texts say the same thing: equal, or with the same numbers and a difflib ratio of
    at least MERGE_RATIO (3号楼 and 5号楼 are two needs however alike the rest is)."""
    if a == b:
        return True
    if _NUMBER.findall(a) != _NUMBER.findall(b):
        return False
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= MERGE_RATIO


def _own_open_repeat(*, actor: User, region: Region, title: str, description: str) -> Need | None:
    """The submitter's own still-open need in the same place with (nearly) the same text, from the
    last NEED_MERGE_HOURS: a second submission is merged into it instead of becoming a second need."""
    hours = getattr(settings, "NEED_MERGE_HOURS", MERGE_HOURS)
    if hours <= 0:
        return None
    text = _normalized(title + description)
    recent = Need.objects.filter(
        submitter=actor,
        region=region,
        status__in=WAITING,
        created_at__gte=timezone.now() - datetime.timedelta(hours=hours),
    ).order_by("-created_at", "-pk")
    for other in recent[:20]:
        if same_need_text(text, _normalized(other.title + other.description)):
            return other
    return None


def _likely_duplicate(need: Need) -> Need | None:
    """Same community, recent, and the same concepts in the title: flag it for staff (never refuse)."""

    recent = Need.objects.filter(
        region_id=need.region_id, created_at__gte=timezone.now() - DUPLICATE_WINDOW
    ).exclude(status=NeedStatus.CLOSED)
    mine = set(concepts(need.title)) | set(concepts(need.description)[:8])
    for other in recent.order_by("-created_at")[:50]:
        theirs = set(concepts(other.title)) | set(concepts(other.description)[:8])
        if mine and len(mine & theirs) / len(mine | theirs) >= 0.5:
            return other
    return None


# -- offerings and resources ----------------------------------------------------------------------
OFFERING_FIELDS = ("title", "description", "capacity", "schedule", "cost_model", "is_active")


@transaction.atomic
def offering_save(
    *, actor: User, organization: Any, data: dict[str, Any], offering: ServiceOffering | None = None
) -> ServiceOffering:
    errors: dict[str, list[str]] = {}
    if not (data.get("description") or "").strip():
        errors["description"] = [_("请描述服务内容。")]
    categories = data.get("categories") or []
    if not categories:
        errors["categories"] = [_("请至少选择一个服务类别。")]
    areas = [r if isinstance(r, Region) else None for r in data.get("areas", [])]
    codes = list(data.get("area_codes", []))
    regions = [r for r in areas if r is not None]
    for code in codes:
        try:
            regions.append(
                region_from_code(
                    str(code),
                    field="regions",
                    levels=(
                        RegionLevel.CITY,
                        RegionLevel.DISTRICT,
                        RegionLevel.STREET,
                        RegionLevel.COMMUNITY,
                    ),
                )
            )
        except ValidationError as exc:
            errors.setdefault("regions", []).extend(exc.message_dict["regions"])
    if not regions and "regions" not in errors:
        errors["regions"] = [_("请填写服务区域（区、街道或社区代码）。")]
    if errors:
        raise ValidationError(errors)
    _check_codes(categories, Category.values, "categories", _("服务类别"))
    beneficiaries = _check_codes(
        data.get("beneficiaries"), Beneficiary.values, "beneficiaries", _("服务对象")
    )
    target = offering or ServiceOffering(
        organization=organization, region_id=organization.region_id[:6]
    )
    if not permissions.can_edit_offering(actor, target):
        raise PermissionDenied(_("只能为本人负责的社会组织发布服务。"))
    for key in OFFERING_FIELDS:
        if key in data:
            setattr(target, key, data[key])
    target.categories, target.beneficiaries = categories, beneficiaries
    target.full_clean()
    with acting_as(actor):
        target.save()
    target.areas.set(regions)
    return target


@transaction.atomic
def resource_create(*, actor: User, data: dict[str, Any]) -> Resource:
    region = data["region"]
    if not permissions.can_submit_need(actor, region.code):
        raise PermissionDenied(_("只能登记本辖区的资源。"))
    resource = Resource(
        region=region,
        created_by=actor,
        **{
            k: data[k]
            for k in (
                "kind",
                "title",
                "description",
                "quantity",
                "available_from",
                "available_until",
                "provider",
            )
            if k in data
        },
    )
    resource.full_clean()
    with acting_as(actor):
        resource.save(force_insert=True)
    return resource


# -- suggestions and the match workflow -----------------------------------------------------------
def suggestions_request(*, actor: User, need: Need) -> None:
    """Staff ask for fresh suggestions: the matching worker ranks them (web workers hold no index)."""
    if not permissions.can_manage_need(actor, need):
        raise PermissionDenied(_("只有辖区内的工作人员可以刷新推荐。"))
    Need.objects.filter(pk=need.pk).update(suggestions_due=timezone.now())
    need_suggest_task.enqueue(need_id=need.pk)


def suggestions_write(*, need_id: int) -> int:
    """The `need_suggest` task: rank, store, and clear the request unless a newer one came meanwhile.

    A need that is no longer waiting (taken, closed, withdrawn) keeps what it has. Returns the number of
    fresh suggestions.
    """
    started = timezone.now()
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        return 0
    fresh = suggestions_refresh(need=need) if need.status in WAITING else []
    Need.objects.filter(pk=need_id, suggestions_due__lte=started).update(suggestions_due=None)
    return len(fresh)


def suggestions_refresh(
    *, need: Need, limit: int = SUGGESTIONS_KEPT, index: Index | None = None
) -> list[Match]:
    """Replace the need's engine suggestions (matches staff already acted on are kept).

    `index`: an index the caller synced already. Organizations that declined the need are left out.
    """
    skip = selectors.declined_offerings(need_ids=[need.pk]).get(need.pk, frozenset())
    ranked = (
        index.rank(query_for(need, skip=skip), limit=limit)
        if index
        else live_index.rank(need, limit=limit, skip=skip)
    )
    with transaction.atomic():
        _removed, fresh = _replace_suggestions([need], {need.pk: ranked})
        if fresh and not NeedEvent.objects.filter(need_id=need.pk, kind=E.SUGGESTED).exists():
            _event(need.pk, E.SUGGESTED, count=len(fresh))  # the first suggestions, once
    return fresh


def _replace_suggestions(
    needs: list[Need], ranked: dict[int, list[Suggestion]], *, ignore_conflicts: bool = False
) -> tuple[int, list[Match]]:
    """Swap the needs' engine suggestions for `ranked` in three statements, whatever the number of needs.

    Suggested matches are machine output, rewritten every night: they are neither audited when written
    (bulk_create) nor, since decision "nightly suggestions", when replaced (one plain DELETE instead of
    one audit entry per row; the nightly batch writes one summary entry). Nothing references a match.
    Call inside a transaction.
    """
    ids = [need.pk for need in needs]
    removed = Match.objects.filter(need_id__in=ids, status=M.SUGGESTED)._raw_delete(
        Match.objects.db
    )
    acted = set(Match.objects.filter(need_id__in=ids).values_list("need_id", "offering_id"))
    fresh = [
        Match(
            need=need,
            offering_id=s.offering,
            region_id=need.region_id,
            score=s.score,
            reasons=s.reasons,
        )
        for need in needs
        for s in ranked.get(need.pk, [])
        if (need.pk, s.offering) not in acted
    ]
    return removed, Match.objects.bulk_create(
        fresh, batch_size=1000, ignore_conflicts=ignore_conflicts
    )


def _lock_match(match: Match) -> Match:
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("need__submitter", "offering__organization")
        .get(pk=match.pk)
    )


def _allowed(actor: User, match: Match, who: str) -> bool:
    if who == "staff":
        return permissions.can_manage_need(actor, match.need)
    if who == "org":
        return permissions.can_respond(actor, match)
    return permissions.can_rate(actor, match)


def _move(actor: User, match: Match, to: str, fields: dict[str, Any] | None = None) -> Match:
    who = MATCH_FLOW.get(match.status, {}).get(to)
    if who is None:
        raise ApplicationError(
            _("当前状态“%(s)s”不能变更为“%(t)s”。")
            % {"s": match.get_status_display(), "t": M(to).label}
        )
    if not _allowed(actor, match, who):
        raise PermissionDenied(_("您无权执行此操作。"))
    match.status = to
    for key, value in (fields or {}).items():
        setattr(match, key, value)
    match.full_clean()
    with acting_as(actor):
        match.save(update_fields=["status", "updated_at", *(fields or {})])
    # Capacity and ratings feed the ranking: touching the offering makes every process re-read it.
    ServiceOffering.objects.filter(pk=match.offering_id).update(updated_at=timezone.now())
    return match


@transaction.atomic
def match_offer(*, actor: User, need: Need, offering: ServiceOffering) -> Match:
    """Staff offer a need to an organization (the engine's suggestion or their own pick)."""
    if not permissions.can_manage_need(actor, need):
        raise PermissionDenied(_("只有辖区内的工作人员可以推送需求。"))
    status = (
        SocialOrganization.objects.filter(pk=offering.organization_id)
        .values_list("status", flat=True)
        .first()
    )
    if status == "abnormal":
        raise ApplicationError(_("该组织当前在活动异常名录中，不能推送。"))
    if status != "normal":
        raise ApplicationError(_("该组织已注销，不能推送。"))
    match, _created = Match.objects.get_or_create(
        need=need, offering=offering, defaults={"region_id": need.region_id}
    )
    match = _move(actor, _lock_match(match), M.OFFERED, {"offered_by": actor})
    Need.objects.filter(pk=need.pk, status=NeedStatus.OPEN).update(
        status=NeedStatus.MATCHING, updated_at=timezone.now()
    )
    _event(need.pk, E.OFFERED, actor=actor, organization=match.offering.organization.name)
    reps = org_reps_of(offering.organization_id)
    notify(
        event="match.offered",
        recipients=reps,
        url="/matching/inbox/",
        sms=True,
        title=_("新的服务需求：%(t)s") % {"t": need.title},
    )
    return match


@transaction.atomic
def match_respond(*, actor: User, match: Match, accept: bool, reason: str = "") -> Match:
    """The organization accepts (the need's clock stops) or declines with a reason.

    A decline leaves the organization out of the need's suggestions from now on, and when no other
    organization still has the need (offered or taken) the need returns to 待对接, with its level and
    deadline unchanged: it is pushed again or escalates on schedule.
    """
    locked = _lock_match(match)
    if not accept and not reason.strip():
        raise ValidationError({"reason": [_("婉拒时请说明原因。")]})
    if len(reason.strip()) > DECLINE_REASON_MAX:
        raise ValidationError(
            {"reason": [_("婉拒原因请控制在 %(n)d 字以内。") % {"n": DECLINE_REASON_MAX}]}
        )
    locked = _move(
        actor,
        locked,
        M.ACCEPTED if accept else M.DECLINED,
        {} if accept else {"decline_reason": reason.strip()},
    )
    organization = locked.offering.organization
    now = timezone.now()
    if accept:
        Need.objects.filter(pk=locked.need_id).update(deadline=None, updated_at=now)
        _event(locked.need_id, E.ACCEPTED, at=now, actor=actor, organization=organization.name)
    else:
        _event(
            locked.need_id,
            E.DECLINED,
            at=now,
            actor=actor,
            organization=organization.name,
            reason=locked.decline_reason,
        )
        _need_back_to_pool(locked, organization_id=organization.pk, now=now)
    notify(
        event=f"match.{locked.status}",
        recipients=[locked.need.submitter],
        url=locked.need.get_absolute_url(),
        title=(
            _("“%(org)s”接受了您的需求“%(t)s”") if accept else _("“%(org)s”婉拒了您的需求“%(t)s”")
        )
        % {"org": locked.offering.organization.name, "t": locked.need.title},
    )
    return locked


def _need_back_to_pool(declined: Match, *, organization_id: int, now: datetime.datetime) -> None:
    """After a decline: drop the organization's other suggestions for the need; with nobody else on
    it, the need goes back to 待对接 and the staff who pushed it hear of it."""
    need = declined.need
    Match.objects.filter(
        need_id=need.pk,
        status=M.SUGGESTED,
        offering_id__in=ServiceOffering.objects.filter(organization_id=organization_id).values(
            "pk"
        ),
    )._raw_delete(Match.objects.db)  # suggestions are not audited (see _replace_suggestions)
    if Match.objects.filter(need_id=need.pk, status__in=IN_PLAY).exists():
        return
    if not Need.objects.filter(pk=need.pk, status=NeedStatus.MATCHING).update(
        status=NeedStatus.OPEN, updated_at=now
    ):
        return
    _event(need.pk, E.RETURNED, at=now)
    Need.objects.filter(pk=need.pk).update(suggestions_due=now)
    need_suggest_task.enqueue(need_id=need.pk)  # candidates other than the declining organization
    if declined.offered_by is not None:
        notify(
            event="need.returned",
            recipients=[declined.offered_by],
            url=need.get_absolute_url(),
            title=_("“%(org)s”婉拒了需求“%(t)s”，需求已回到待对接")
            % {"org": declined.offering.organization.name, "t": need.title},
        )


@transaction.atomic
def match_schedule(*, actor: User, match: Match, day: datetime.date) -> Match:
    if day < timezone.localdate():
        raise ValidationError({"day": [_("计划服务日期不能早于今天。")]})
    locked = _move(actor, _lock_match(match), M.SCHEDULED, {"scheduled_for": day})
    _event(
        locked.need_id,
        E.SCHEDULED,
        actor=actor,
        organization=locked.offering.organization.name,
        day=day.isoformat(),
    )
    return locked


@transaction.atomic
def match_deliver(
    *, actor: User, match: Match, delivered_on: datetime.date, hours: Decimal, people_served: int
) -> Match:
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": [_("服务日期不能晚于今天。")]})
    locked = _move(
        actor,
        _lock_match(match),
        M.DELIVERED,
        {"delivered_on": delivered_on, "hours": hours, "people_served": people_served},
    )
    Need.objects.filter(pk=locked.need_id).update(
        status=NeedStatus.SERVED, deadline=None, updated_at=timezone.now()
    )
    _event(
        locked.need_id,
        E.DELIVERED,
        actor=actor,
        organization=locked.offering.organization.name,
        day=delivered_on.isoformat(),
    )
    notify(
        event="match.delivered",
        recipients=[locked.need.submitter],
        url=locked.need.get_absolute_url(),
        title=_("服务已完成，请为“%(org)s”评价") % {"org": locked.offering.organization.name},
    )
    return locked


@transaction.atomic
def match_rate(*, actor: User, match: Match, rating: int, comment: str = "") -> Match:
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("请打 1–5 星。")]})
    locked = _move(
        actor, _lock_match(match), M.RATED, {"rating": rating, "comment": comment.strip()}
    )
    _event(locked.need_id, E.RATED, actor=actor, rating=rating)
    return locked


@transaction.atomic
def match_close(*, actor: User, match: Match) -> Match:
    locked = _move(actor, _lock_match(match), M.CLOSED)
    still_open = locked.need.matches.exclude(status__in=[M.CLOSED, M.DECLINED, M.SUGGESTED])
    closed = not still_open.exists() and Need.objects.filter(pk=locked.need_id).exclude(
        status=NeedStatus.CLOSED
    ).update(status=NeedStatus.CLOSED, deadline=None, updated_at=timezone.now())
    if closed:
        _event(locked.need_id, E.CLOSED, actor=actor)
    return locked


# -- escalation and the nightly batch -------------------------------------------------------------
def escalate_days(level: str) -> int:
    """Days a need may wait at `level` for an accepted match.

    Setting NEED_ESCALATE_DAYS maps levels to days; a level it leaves out keeps ESCALATE_DAYS, except
    the district level, which keeps the older single setting MATCHING_ESCALATE_DAYS (default 7).
    """
    days = {
        **ESCALATE_DAYS,
        CenterLevel.DISTRICT: settings.MATCHING_ESCALATE_DAYS,
        **(getattr(settings, "NEED_ESCALATE_DAYS", None) or {}),
    }
    return int(days.get(level, days[CenterLevel.DISTRICT]))


def _center_chain(region_code: str) -> list[Center]:
    """The active centers responsible for a region, most local first: community → street → district →
    city (one per region; the oldest when a region has several)."""
    codes = [c for c in [region_code, *ancestors(region_code)] if len(c) >= CITY]
    by_region: dict[str, Center] = {}
    for center in Center.objects.filter(region_id__in=codes, status=CenterStatus.ACTIVE).order_by(
        "-pk"
    ):
        by_region[center.region_id] = center  # lowest pk last: it wins
    return [by_region[c] for c in codes if c in by_region]


def _cached_chain(chains: dict[str, list[Center]], region_code: str) -> list[Center]:
    """`_center_chain` once per region for a whole run of the job."""
    if region_code not in chains:
        chains[region_code] = _center_chain(region_code)
    return chains[region_code]


def _waiting_without_taker() -> QuerySet[Need]:
    taken = Match.objects.filter(need_id=OuterRef("pk"), status__in=TAKEN)
    return Need.objects.filter(status__in=WAITING).exclude(Exists(taken))


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _schedule_escalation(need_id: int, deadline: datetime.datetime | None) -> None:
    """Ask the task worker to look at the need when its deadline falls (after the commit)."""
    if deadline is not None:
        transaction.on_commit(partial(_enqueue_escalation, need_id=need_id, deadline=deadline))


def _enqueue_escalation(*, need_id: int, deadline: datetime.datetime) -> None:
    if not need_escalate_task.get_backend().supports_defer:
        return  # a backend that cannot run a task later (tests' immediate one): the nightly job covers it
    need_escalate_task.using(run_after=deadline).enqueue(need_id=need_id)


def _clocks_start(*, chains: dict[str, list[Center]]) -> int:
    """Waiting needs without a level (from before the lifecycle, or written in bulk by the demo and
    bench generators) get one, with the deadline counted from their creation or last escalation."""
    started = []
    for need in _waiting_without_taker().filter(deadline__isnull=True, handling_level=""):
        chain = _cached_chain(chains, need.region_id)
        center = next((c for c in chain if c.pk == need.escalated_to_id), None) or next(
            iter(chain), None
        )
        if center is None:
            continue  # no center above the need yet: looked at again next night
        need.handling_level = center.level
        need.deadline = (need.escalated_at or need.created_at) + datetime.timedelta(
            days=escalate_days(center.level)
        )
        started.append(need)
    Need.objects.bulk_update(started, ["handling_level", "deadline"], batch_size=500)
    return len(started)


def _escalate(
    need_id: int, *, now: datetime.datetime, chains: dict[str, list[Center]] | None = None
) -> bool:
    """Move one need whose deadline has passed without an accepted match up to the next center."""
    with transaction.atomic():
        need = (
            _waiting_without_taker()
            .select_for_update(of=("self",))
            .filter(pk=need_id, deadline__lte=now)
            .first()
        )
        if need is None:  # taken, served, closed or escalated meanwhile (the job and the task race)
            return False
        chain = _cached_chain({} if chains is None else chains, need.region_id)
        current = next((c for c in chain if c.pk == need.escalated_to_id), None) or next(
            iter(chain), None
        )
        here = len(current.region_id) if current else len(need.region_id) + 1
        target = next((c for c in chain if len(c.region_id) < here), None)
        if target is None:  # the top of the network: nowhere further to go, the clock stops
            Need.objects.filter(pk=need.pk).update(deadline=None, updated_at=now)
            return False
        waited = escalate_days(need.handling_level) if need.handling_level else None
        deadline = now + datetime.timedelta(days=escalate_days(target.level))
        # Only from the deadline read above: where the row lock is not exclusive (SQLite), the job
        # and the task cannot both move the need.
        if not Need.objects.filter(pk=need.pk, deadline=need.deadline).update(
            escalated_to=target,
            escalated_at=now,
            handling_level=target.level,
            deadline=deadline,
            updated_at=now,
        ):
            return False
        _event(
            need.pk,
            E.ESCALATED,
            at=now,
            center=target.name,
            level=target.level,
            deadline=_local(deadline),
            waited_days=waited,
        )
        notify(
            event="need.escalated",
            recipients=center_staff_of(target.pk),
            url=need.get_absolute_url(),
            title=_("需求超过期限未对接，已上报至本中心：%(t)s") % {"t": need.title},
        )
        notify(
            event="need.escalated",
            recipients=[need.submitter],
            url=need.get_absolute_url(),
            title=_("您的需求“%(t)s”已上报至%(c)s，对接期限 %(d)s")
            % {"t": need.title, "c": target.name, "d": _local(deadline)},
        )
        _schedule_escalation(need.pk, deadline)
    return True


def need_escalate(*, need_id: int, now: datetime.datetime | None = None) -> bool:
    """The task worker's step, queued for the need's deadline: escalate it if it is still due."""
    return _escalate(need_id, now=now or timezone.now())


def escalate_stale_needs(*, now: datetime.datetime | None = None) -> int:
    """The nightly job: every waiting need past its level's deadline without an accepted match goes up
    one level (community → street → district → city), and gets that level's deadline.

    Declined needs back in 待对接 and needs still offered (对接中, nobody accepted) both count. One level
    per run at most. Returns how many needs went up.
    """
    now = now or timezone.now()
    chains: dict[str, list[Center]] = {}
    _clocks_start(chains=chains)
    due = list(
        _waiting_without_taker()
        .filter(deadline__lte=now)
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )
    return sum(_escalate(pk, now=now, chains=chains) for pk in due)


def refresh_all_suggestions(*, batch_size: int = REFRESH_BATCH, workers: int | None = None) -> int:
    """The nightly batch: fresh suggestions for every open need, written `batch_size` needs at a time.

    The index is synced once. Ranking is pure CPU over the in-memory index, so with `workers` > 1
    (setting MATCHING_BATCH_WORKERS) it runs in that many forked child processes, which share the index
    copy-on-write and never touch the database; this process writes each batch as it comes back, in
    one transaction per batch. One summary audit entry records the night (decision "系统推荐不逐条审计").
    Timings of the last run are left in `last_refresh` for the benchmark.
    """
    started = time.perf_counter()
    workers = settings.MATCHING_BATCH_WORKERS if workers is None else workers
    index = live_index.sync()
    needs = list(
        Need.objects.filter(status__in=[NeedStatus.OPEN, NeedStatus.MATCHING])
        .only("pk", "title", "description", "region_id", "beneficiaries", "category")
        .order_by("pk")
    )
    batches = [needs[i : i + batch_size] for i in range(0, len(needs), batch_size)]
    removed = written = 0
    waited = writing = 0.0
    skips = selectors.declined_offerings()  # organizations that declined a need: never again for it
    ranked_batches = _rank_batches(
        index,
        [[query_for(n, skip=skips.get(n.pk, frozenset())) for n in b] for b in batches],
        workers,
    )
    # The batch allocates hundreds of thousands of short-lived, acyclic objects (rows, matches, results);
    # automatic collection would walk them again and again (13–21 s of 114–144 s in the benchmark).
    # Paused for the batch, with one collection at the end for whatever cycles it left.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for batch in batches:
            start = time.perf_counter()
            ranked = next(ranked_batches)
            waited += time.perf_counter() - start
            start = time.perf_counter()
            with transaction.atomic():
                # A match staff create for one of these needs meanwhile wins over the suggestion
                # (one conflicting row must not abort the night's other 499 needs).
                batch_removed, fresh = _replace_suggestions(
                    batch,
                    {need.pk: r for need, r in zip(batch, ranked, strict=True)},
                    ignore_conflicts=True,
                )
            removed, written = removed + batch_removed, written + len(fresh)
            writing += time.perf_counter() - start
    finally:
        ranked_batches.close()  # ends the worker pool, also when a write failed
        if gc_was_enabled:
            gc.enable()
            gc.collect()
    _audit_nightly(
        needs=len(needs), removed=removed, written=written, regions={n.region_id for n in needs}
    )
    last_refresh.update(
        needs=len(needs),
        workers=_effective_workers(workers, len(batches)),
        rank_wait_s=waited,
        write_s=writing,
        total_s=time.perf_counter() - started,
    )
    return len(needs)


last_refresh: dict[str, Any] = {}
_fork_index: Index | None = None  # the index a forked ranking worker inherits


def _effective_workers(workers: int, batches: int) -> int:
    if workers <= 1 or batches <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(workers, batches)


def _rank_in_child(queries: list[NeedQuery]) -> list[list[Suggestion]]:
    if _fork_index is None:  # set by the parent before forking
        raise RuntimeError("ranking worker started without an index")
    return [_fork_index.rank(q, limit=SUGGESTIONS_KEPT) for q in queries]


def _rank_batches(
    index: Index, batches: list[list[NeedQuery]], workers: int
) -> Generator[list[list[Suggestion]]]:
    """Ranked batches in order: in this process, or in forked workers (only where fork exists)."""
    global _fork_index  # noqa: PLW0603 - handed to the forked children, cleared afterwards
    if _effective_workers(workers, len(batches)) == 1:
        for queries in batches:
            yield [index.rank(q, limit=SUGGESTIONS_KEPT) for q in queries]
        return
    _fork_index = index
    try:
        with multiprocessing.get_context("fork").Pool(
            _effective_workers(workers, len(batches))
        ) as pool:
            # Forked children inherit the database connection but never use it; the pool ends them with
            # SIGTERM, so nothing of it is closed or flushed from their side.
            yield from pool.imap(_rank_in_child, batches)
    finally:
        _fork_index = None


def _audit_nightly(*, needs: int, removed: int, written: int, regions: set[str]) -> None:
    """One audit entry for the night, filed under the regions' common prefix (the city, usually)."""
    if not needs:
        return
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Match),
        object_pk="",
        object_repr=_("夜间刷新推荐：%(n)d 个待对接需求") % {"n": needs},
        action=LogEntry.Action.UPDATE,
        changes={
            _("系统推荐（条）"): [str(removed), str(written)],
        },
        # Region codes are prefixes of each other character by character, so commonprefix is right here.
        additional_data={"region": os.path.commonprefix([min(regions), max(regions)])},  # noqa: RUF071
    )
