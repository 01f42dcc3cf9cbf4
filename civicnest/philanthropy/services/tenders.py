"""Government purchase of services (政府购买服务): tenders, bids, scoring and the award, which creates the
project. Guarded by the TENDER table (and PROGRAM "open_tender") of `philanthropy/workflows.py`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.selectors import center_staff_of, org_reps_of
from civicnest.core.exceptions import ApplicationError
from civicnest.philanthropy import permissions, selectors
from civicnest.philanthropy.models import (
    Bid,
    FundingProgram,
    Project,
    Tender,
    TenderStatus,
)
from civicnest.philanthropy.services.base import (
    check_program_budget,
    lock_program,
    money,
    org_reps_in,
    require,
    save,
    score,
    tell,
)
from civicnest.philanthropy.workflows import PROGRAM, TENDER
from civicnest.registry.models import SocialOrganization


@transaction.atomic
def tender_open(*, actor: User, program: FundingProgram, data: dict[str, Any]) -> Tender:
    program = FundingProgram.objects.select_related("center").get(pk=program.pk)
    PROGRAM.check(program, "open_tender", actor)
    ceiling = money(data.get("ceiling"), "ceiling")
    if ceiling > program.per_project_cap:
        raise ValidationError({"ceiling": [_("最高限价不能超过单个项目上限。")]})
    tender = Tender(
        program=program,
        region_id=program.region_id,
        title=str(data["title"]).strip(),
        requirements=str(data["requirements"]).strip(),
        ceiling=ceiling,
        closes_on=data["closes_on"],
    )
    save(actor, tender)
    tell(
        "philanthropy.tender_open",
        org_reps_in(program.region_id),
        _("政府购买服务招标：%(t)s（截止 %(d)s）") % {"t": tender.title, "d": tender.closes_on},
        url=tender.get_absolute_url(),
    )
    return tender


def _lock_tender(pk: int) -> Tender:
    return (
        Tender.objects.select_for_update(of=("self",)).select_related("program__center").get(pk=pk)
    )


@transaction.atomic
def bid_submit(
    *, actor: User, tender: Tender, organization: SocialOrganization, price: Any, plan: str
) -> Bid:
    require(permissions.speaks_for(actor, organization.pk), _("只能以本组织名义投标。"))
    locked = _lock_tender(tender.pk)
    TENDER.check(locked, "bid", actor)
    amount = money(price, "price")
    if amount > locked.ceiling:
        raise ValidationError(
            {"price": [_("报价不能超过最高限价 %(c)s 元。") % {"c": locked.ceiling}]}
        )
    if not (plan or "").strip():
        raise ValidationError({"plan": [_("请填写服务方案。")]})
    if selectors.has_bid(locked, organization.pk):
        raise ApplicationError(_("本组织已投标。"))
    bid = Bid(
        tender=locked,
        region_id=locked.region_id,
        organization=organization,
        price=amount,
        plan=plan.strip(),
        submitted_by=actor,
    )
    save(actor, bid)
    tell(
        "philanthropy.bid",
        center_staff_of(locked.program.center_id),
        _("收到投标：%(t)s（%(o)s）") % {"t": locked.title, "o": organization.name},
        url=locked.get_absolute_url(),
    )
    return bid


@transaction.atomic
def bid_score(*, actor: User, bid: Bid, score: Any, note: str = "") -> Bid:
    locked = (
        Bid.objects.select_for_update(of=("self",))
        .select_related("tender__program__center")
        .get(pk=bid.pk)
    )
    TENDER.check(locked.tender, "score_bid", actor)
    locked.score, locked.score_note = _score(score, "score"), (note or "").strip()[:200]
    return save(actor, locked, fields=["score", "score_note"])


_score = score  # `bid_score` takes an argument named `score`


@transaction.atomic
def tender_award(*, actor: User, tender: Tender, bid: Bid, reasons: str) -> Project:
    program = lock_program(tender.program_id)
    locked = Tender.objects.select_for_update(of=("self",)).get(pk=tender.pk)
    locked.program = program
    TENDER.check(locked, "award", actor)
    if bid.tender_id != locked.pk:
        raise ValidationError({"bid": [_("所选投标不属于该招标。")]})
    if not (reasons or "").strip():
        raise ValidationError({"reasons": [_("请写明定标理由。")]})
    check_program_budget(program, bid.price)
    project = Project(
        program=program,
        organization_id=bid.organization_id,
        region_id=program.region_id,
        title=locked.title,
        summary=locked.requirements,
        budget=bid.price,
        published_at=timezone.now(),
    )
    save(actor, project)
    locked.status, locked.awarded_bid, locked.award_reasons = (
        TenderStatus.AWARDED,
        bid,
        reasons.strip(),
    )
    save(actor, locked, fields=["status", "awarded_bid", "award_reasons"])
    for other in selectors.bids_with_organizations(locked):
        won = other.pk == bid.pk
        tell(
            "philanthropy.tender_award",
            org_reps_of(other.organization_id),
            (_("中标通知：%(t)s") if won else _("未中标：%(t)s")) % {"t": locked.title},
            url=locked.get_absolute_url(),
            body=locked.award_reasons,
        )
    return project
