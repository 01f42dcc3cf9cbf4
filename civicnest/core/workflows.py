"""Workflows as data: one shape for every state machine of the platform.

An app lists its transitions (`Transition`: an action name, the statuses it may start from, the status it
leads to, and a predicate `(user, obj) -> bool` saying who may take it now) and wraps them in a `Workflow`.
The services guard each action with `WORKFLOW.check(obj, action, user)`; the pages offer exactly
`WORKFLOW.allowed_actions(obj, user)`, so a button is shown exactly when the service would accept it.

A predicate may be a plain function, or a `Rule`: who may act plus the `Condition`s beyond the status (dates,
amounts, related rows), each with the reason a refusal gives. `check` then names the part that failed —
who → `PermissionDenied(rule.denied)`; a `frozen` condition (checked before the status), the status
(`rule.wrong_status`) or a `when` condition (after it) → the condition's `ApplicationError` — so a service keeps
the messages its users have always seen while the button and the guard read the same rule."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from civicnest.core.exceptions import ApplicationError


@dataclass(frozen=True)
class Transition:
    action: str  # stable name used by templates and services
    source: frozenset[str]  # statuses it may start from
    target: str
    allowed: Callable[[Any, Any], bool]  # predicate (user, obj) -> bool, e.g. from permissions.py
    label: str | Promise = ""
    needs_reason: bool = False


Reason = str | Promise | Callable[[Any], str]  # a message, or a function of the object giving one


@dataclass(frozen=True)
class Condition:
    """A condition beyond the status, with the reason a refusal gives when it does not hold."""

    holds: Callable[[Any, Any], bool]  # (user, obj) -> bool
    reason: Reason
    error: type[ApplicationError] = ApplicationError  # e.g. ConflictError for an amount used up

    def why_not(self, obj: Any) -> str:
        return self.reason(obj) if callable(self.reason) else str(self.reason)

    def refuse(self, obj: Any) -> NoReturn:
        raise self.error(self.why_not(obj))


@dataclass(frozen=True)
class Rule:
    """A transition's `allowed(user, obj)`: who may take it and the conditions beyond the status.

    `denied` is the PermissionDenied message (or a function `(user, obj) -> str`); `wrong_status` the message
    (raised as `status_error`) for a status outside the transition's sources."""

    who: Callable[[Any, Any], bool]
    denied: str | Promise | Callable[[Any, Any], str]
    wrong_status: str | Promise = ""
    frozen: Sequence[Condition] = ()
    when: Sequence[Condition] = ()
    status_error: type[ApplicationError] = ApplicationError

    def __call__(self, user: Any, obj: Any) -> bool:
        return bool(self.who(user, obj)) and all(
            c.holds(user, obj) for c in (*self.frozen, *self.when)
        )

    def denial(self, user: Any, obj: Any) -> str:
        return self.denied(user, obj) if callable(self.denied) else str(self.denied)


class Workflow:
    """The transitions of one state machine, read from `obj.<status_field>`."""

    def __init__(
        self, name: str, transitions: Iterable[Transition], status_field: str = "status"
    ) -> None:
        self.name = name
        self.transitions = list(transitions)
        self.status_field = status_field
        self.by_action: dict[str, Transition] = {}  # action name → transition
        for t in self.transitions:
            if t.action in self.by_action:
                raise ValueError(f"{name}: the action {t.action!r} is listed twice")
            self.by_action[t.action] = t

    def status_of(self, obj: Any) -> str:
        return str(getattr(obj, self.status_field))

    def allowed_actions(self, obj: Any, user: Any) -> list[Transition]:
        """The transitions `user` may take on `obj` now, in table order."""
        status = self.status_of(obj)
        return [t for t in self.transitions if status in t.source and t.allowed(user, obj)]

    def names(self, obj: Any, user: Any) -> set[str]:
        """The actions `user` may take on `obj` now, by name (what templates test: `"submit" in actions`)."""
        return {t.action for t in self.allowed_actions(obj, user)}

    def transition(self, obj: Any, action: str) -> Transition:
        """The transition `action` from the object's current status (no permission check)."""
        t = self.by_action.get(action)
        if t is None:
            raise ApplicationError(_("未知的操作。"))
        if self.status_of(obj) not in t.source:
            raise ApplicationError(_("当前状态下不能执行“%(a)s”。") % {"a": t.label or t.action})
        return t

    def refusal(self, obj: Any, action: str, user: Any) -> str | None:
        """Why `user` may not take `action` on `obj` now (None: they may) — for a page that explains a
        missing button."""
        try:
            self.check(obj, action, user)
        except (ApplicationError, PermissionDenied) as exc:
            return getattr(exc, "message", None) or str(exc)
        return None

    def leading_to(self, obj: Any, target: str) -> Transition | None:
        """The transition from the object's current status to `target` (for a form that posts the target)."""
        status = self.status_of(obj)
        return next(
            (t for t in self.transitions if status in t.source and t.target == target), None
        )

    def check(self, obj: Any, action: str, user: Any) -> Transition:
        """`transition()`, and the user must be allowed to take it. For a `Rule`, the refusal names the
        failing part, in the order who → frozen conditions → status → `when` conditions."""
        rule = getattr(self.by_action.get(action), "allowed", None)
        if isinstance(rule, Rule):
            if not rule.who(user, obj):
                raise PermissionDenied(rule.denial(user, obj))
            for condition in rule.frozen:
                if not condition.holds(user, obj):
                    condition.refuse(obj)
            try:
                self.transition(obj, action)
            except ApplicationError:
                if rule.wrong_status:
                    raise rule.status_error(str(rule.wrong_status)) from None
                raise
            for condition in rule.when:
                if not condition.holds(user, obj):
                    condition.refuse(obj)
            return self.by_action[action]  # every part of the rule held
        t = self.transition(obj, action)
        if not t.allowed(user, obj):
            raise PermissionDenied(_("您无权执行该操作。"))
        return t
