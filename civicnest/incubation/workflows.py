"""The admission-to-graduation chain as data (the shared shape of `core.workflows`): every move of an
application, where it starts and leads, who may make it and what else it requires.

The center decides eligibility and admission (the buttons of the application page, offered from this table);
signing the agreement starts incubation and the graduation assessment decides graduate / extend / exit."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicnest.core.workflows import Condition, Rule, Transition, Workflow
from civicnest.incubation import permissions, selectors
from civicnest.incubation.models import Application
from civicnest.incubation.models import ApplicationStatus as S


def _reviewed(user: object, app: Application) -> bool:
    return selectors.application_has_reviews(app)


def _seat_left(user: object, app: Application) -> bool:
    return selectors.places_taken(app.round_id) < app.round.capacity


HAS_REVIEW = Condition(_reviewed, _("至少需要一份评审评分才能决定入选。"))
SEAT_LEFT = Condition(
    _seat_left,
    lambda app: _("本批次名额已满（%(n)d 个），可列入候补。") % {"n": app.round.capacity},
)


def _decide(when: Sequence[Condition] = ()) -> Rule:
    return Rule(permissions.can_manage_application, _("您无权审核该申请。"), when=when)


def _run(denied: str | Promise, wrong_status: str | Promise = "") -> Rule:
    return Rule(permissions.can_manage_application, denied, wrong_status=wrong_status)


ASSESS = _run(_("您无权评估该对象。"), _("只有孵化中的对象可以进行出壳评估。"))


def _t(
    action: str,
    source: set[str],
    target: str,
    rule: Rule,
    label: str | Promise,
    *,
    reason: bool = False,
) -> Transition:
    return Transition(action, frozenset(source), target, rule, label, needs_reason=reason)


APPLICATION = Workflow(
    "incubation_application",
    [
        # the center's decisions (application_decide)
        _t("pass_check", {S.SUBMITTED}, S.ELIGIBLE, _decide(), _("资格审核通过")),
        _t("fail_check", {S.SUBMITTED}, S.INELIGIBLE, _decide(), _("不符合条件"), reason=True),
        _t(
            "admit",
            {S.ELIGIBLE, S.WAITLISTED},
            S.ADMITTED,
            _decide(when=[HAS_REVIEW, SEAT_LEFT]),
            _("决定入选"),
        ),
        _t("waitlist", {S.ELIGIBLE}, S.WAITLISTED, _decide(), _("列入候补")),
        _t("reject", {S.ELIGIBLE, S.WAITLISTED}, S.REJECTED, _decide(), _("未入选"), reason=True),
        # the agreement and the graduation assessment (their own services)
        _t("start", {S.ADMITTED}, S.INCUBATING, _run(_("您无权登记协议签订。")), _("开始孵化")),
        _t(
            "graduate",
            {S.INCUBATING, S.EXTENDED},
            S.GRADUATED,
            _run(_("您无权评估该对象。")),
            _("出壳"),
        ),
        _t(
            "extend",
            {S.INCUBATING, S.EXTENDED},
            S.EXTENDED,
            _run(_("您无权评估该对象。")),
            _("延期孵化"),
        ),
        _t(
            "exit",
            {S.INCUBATING, S.EXTENDED},
            S.EXITED,
            ASSESS,
            _("退出"),
            reason=True,
        ),
    ],
)
# The moves application_decide makes; the others go through the agreement and the assessment.
DECISIONS = frozenset({"pass_check", "fail_check", "admit", "waitlist", "reject"})
