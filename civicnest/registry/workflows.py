"""The team filing (备案) workflow as data (the shared shape of `core.workflows`): who may move a filing where."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicnest.core.workflows import Transition, Workflow
from civicnest.registry import permissions
from civicnest.registry.models import FilingStatus as F

TEAM_FILING = Workflow(
    "team_filing",
    [
        Transition(
            "file", frozenset({F.SUBMITTED}), F.FILED, permissions.can_review_team, _("同意备案")
        ),
        Transition(
            "return",
            frozenset({F.SUBMITTED}),
            F.RETURNED,
            permissions.can_review_team,
            _("退回"),
            needs_reason=True,
        ),
        Transition(
            "resubmit",
            frozenset({F.RETURNED}),
            F.SUBMITTED,
            permissions.can_resubmit_team,
            _("重新提交"),
        ),
        Transition(
            "revoke", frozenset({F.FILED}), F.REVOKED, permissions.can_review_team, _("撤销备案")
        ),
    ],
)
