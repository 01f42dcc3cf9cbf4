"""Signal receivers of the accounts app (connected in AccountsConfig.ready)."""

from __future__ import annotations

from typing import Any

from civicnest.accounts.models import User
from civicnest.accounts.services import api_tokens_revoke


def revoke_tokens_on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    """Logging out of the site also ends the user's API token (issue 18, finding 6)."""
    if user is not None:
        api_tokens_revoke(user=user)
