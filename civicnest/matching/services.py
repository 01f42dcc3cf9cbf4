"""Needs, offerings and the match workflow: suggested → offered → accepted/declined → scheduled → delivered → rated → closed."""

from __future__ import annotations

import datetime
import gc
import multiprocessing
import os
import time
from collections.abc import Generator
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.accounts.selectors import center_staff_of, org_reps_of
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError
from civicnest.core.services import notify
from civicnest.matching import permissions
from civicnest.matching.codes import Beneficiary, Category
from civicnest.matching.engine import Index, NeedQuery, Suggestion, concepts
from civicnest.matching.live_index import live_index, query_for
from civicnest.matching.models import (
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Resource,
    ServiceOffering,
)
from civicnest.network.models import Center, CenterStatus
from civicnest.regions.codes import RegionCodeError, normalize_region_code
from civicnest.regions.models import Region, RegionLevel
from civicnest.registry.models import SocialOrganization

DUPLICATE_WINDOW = datetime.timedelta(days=3)
SUGGESTIONS_KEPT = 5
REFRESH_BATCH = 500  # needs ranked, then written in one transaction, by the nightly batch
M = MatchStatus
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
    scope_kind = "resident"
    roles = {g.role for g in actor.role_assignments.all()}
    if Role.CENTER_STAFF in roles:
        scope_kind = "center"
    elif Role.BUREAU_OFFICER in roles:
        scope_kind = "government"
    need = Need(
        region=region,
        title=data["title"].strip(),
        description=data["description"].strip(),
        category=category,
        beneficiaries=beneficiaries,
        people_count=data.get("people_count") or 1,
        window_start=data.get("window_start"),
        window_end=data.get("window_end"),
        urgency=data.get("urgency") or "normal",
        submitter=actor,
        submitter_kind=data.get("submitter_kind") or scope_kind,
    )
    need.duplicate_of = _likely_duplicate(need)
    need.full_clean()
    with acting_as(actor):
        need.save(force_insert=True)
    return need


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
def suggestions_refresh(
    *, need: Need, limit: int = SUGGESTIONS_KEPT, index: Index | None = None
) -> list[Match]:
    """Replace the need's engine suggestions (matches staff already acted on are kept).

    `index`: an index the caller synced already.
    """
    ranked = (
        index.rank(query_for(need), limit=limit) if index else live_index.rank(need, limit=limit)
    )
    with transaction.atomic():
        _removed, fresh = _replace_suggestions([need], {need.pk: ranked})
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
    locked = _lock_match(match)
    if not accept and not reason.strip():
        raise ValidationError({"reason": [_("婉拒时请说明原因。")]})
    locked = _move(
        actor,
        locked,
        M.ACCEPTED if accept else M.DECLINED,
        {} if accept else {"decline_reason": reason.strip()},
    )
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


@transaction.atomic
def match_schedule(*, actor: User, match: Match, day: datetime.date) -> Match:
    if day < timezone.localdate():
        raise ValidationError({"day": [_("计划服务日期不能早于今天。")]})
    return _move(actor, _lock_match(match), M.SCHEDULED, {"scheduled_for": day})


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
        status=NeedStatus.SERVED, updated_at=timezone.now()
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
    return _move(actor, _lock_match(match), M.RATED, {"rating": rating, "comment": comment.strip()})


@transaction.atomic
def match_close(*, actor: User, match: Match) -> Match:
    locked = _move(actor, _lock_match(match), M.CLOSED)
    if not locked.need.matches.exclude(status__in=[M.CLOSED, M.DECLINED, M.SUGGESTED]).exists():
        Need.objects.filter(pk=locked.need_id).update(
            status=NeedStatus.CLOSED, updated_at=timezone.now()
        )
    return locked


# -- escalation and the nightly batch -------------------------------------------------------------
def _serving_center(region_code: str) -> Center | None:
    """The most local active center whose region contains the need (community → street → district → city)."""
    for length in (12, 9, 6, 4):
        center = (
            Center.objects.filter(region_id=region_code[:length], status=CenterStatus.ACTIVE)
            .order_by("pk")
            .first()
        )
        if center is not None:
            return center
    return None


def escalate_stale_needs(*, now: datetime.datetime | None = None) -> int:
    """Needs still unmatched after MATCHING_ESCALATE_DAYS go up to the parent of their serving center."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.MATCHING_ESCALATE_DAYS)
    count = 0
    for need in Need.objects.filter(
        status=NeedStatus.OPEN, created_at__lt=cutoff, escalated_at__isnull=True
    ).select_related("region"):
        local = _serving_center(need.region_id)
        target = local.parent if local and local.parent_id else local
        if target is None:
            continue
        with transaction.atomic():
            Need.objects.filter(pk=need.pk).update(
                escalated_to=target, escalated_at=now, updated_at=now
            )
            staff = center_staff_of(target.pk)
            notify(
                event="need.escalated",
                recipients=staff,
                url=need.get_absolute_url(),
                title=_("需求超过 %(d)d 天未对接，已上报：%(t)s")
                % {"d": settings.MATCHING_ESCALATE_DAYS, "t": need.title},
            )
        count += 1
    return count


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
    ranked_batches = _rank_batches(index, [[query_for(n) for n in b] for b in batches], workers)
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
