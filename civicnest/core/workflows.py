"""Workflows as data: one shape for every state machine of the platform.

An app lists its transitions (`Transition`: an action name, the statuses it may start from, the status it
leads to, and a predicate `(user, obj) -> bool` saying who may take it now) and wraps them in a `Workflow`.
The services guard each action with `WORKFLOW.check(obj, action, user)`; the pages offer exactly
`WORKFLOW.allowed_actions(obj, user)`, so a button is shown exactly when the service would accept it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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


class Workflow:
    """The transitions of one state machine, read from `obj.<status_field>`."""

    def __init__(
        self, name: str, transitions: Iterable[Transition], status_field: str = "status"
    ) -> None:
        self.name = name
        self.transitions = list(transitions)
        self.status_field = status_field
        self._by_action: dict[str, Transition] = {}
        for t in self.transitions:
            if t.action in self._by_action:
                raise ValueError(f"{name}: the action {t.action!r} is listed twice")
            self._by_action[t.action] = t

    def status_of(self, obj: Any) -> str:
        return str(getattr(obj, self.status_field))

    def allowed_actions(self, obj: Any, user: Any) -> list[Transition]:
        """The transitions `user` may take on `obj` now, in table order."""
        status = self.status_of(obj)
        return [t for t in self.transitions if status in t.source and t.allowed(user, obj)]

    def transition(self, obj: Any, action: str) -> Transition:
        """The transition `action` from the object's current status (no permission check)."""
        t = self._by_action.get(action)
        if t is None:
            raise ApplicationError(_("未知的操作。"))
        if self.status_of(obj) not in t.source:
            raise ApplicationError(_("当前状态下不能执行“%(a)s”。") % {"a": t.label or t.action})
        return t

    def check(self, obj: Any, action: str, user: Any) -> Transition:
        """`transition()`, and the user must be allowed to take it."""
        t = self.transition(obj, action)
        if not t.allowed(user, obj):
            raise PermissionDenied(_("您无权执行该操作。"))
        return t
