"""Background tasks of the matching app. A task loads its input by id and calls a service.

The services enqueue these tasks, so the task bodies import the services when they run (the HackSoft
convention), never at module level: that would make services and tasks import each other.
"""

from __future__ import annotations

from django_tasks import task

# Tasks that rank run on this queue only: its worker is the one process per machine holding the index.
MATCHING_QUEUE = "matching"


@task(queue_name=MATCHING_QUEUE)
def need_suggest(*, need_id: int) -> int:
    """Rank offerings for one need and store the suggestions (queued at submit, edit and 刷新推荐)."""
    from civicnest.matching import services  # noqa: PLC0415 - services enqueue this task

    return services.suggestions_write(need_id=need_id)


@task(queue_name=MATCHING_QUEUE)
def matching_nightly() -> dict[str, int]:
    """Refresh every open need's suggestions, then escalate the ones still unmatched."""
    from civicnest.matching import services  # noqa: PLC0415 - services enqueue tasks of this module

    return {
        "refreshed": services.refresh_all_suggestions(),
        "escalated": services.escalate_stale_needs(),
    }


@task()
def need_escalate(*, need_id: int) -> bool:
    """Queued for a need's deadline (run_after) whenever a level's deadline is set: the need goes up
    one level at once if nobody has accepted it by then. The nightly job catches whatever a worker
    missed (or a backend that cannot run a task later)."""
    from civicnest.matching import services  # noqa: PLC0415 - services enqueue this task

    return services.need_escalate(need_id=need_id)
