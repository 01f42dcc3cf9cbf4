from __future__ import annotations

from django_tasks import task

from civicnest.matching.services import escalate_stale_needs, refresh_all_suggestions


@task()
def matching_nightly() -> dict[str, int]:
    """Refresh every open need's suggestions, then escalate the ones still unmatched."""
    return {"refreshed": refresh_all_suggestions(), "escalated": escalate_stale_needs()}
