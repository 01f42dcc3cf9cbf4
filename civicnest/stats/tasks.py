"""Background tasks of the stats app. A task loads its input by id and calls a service.

The services enqueue these tasks, so the task bodies import the services when they run (the HackSoft
convention), never at module level: that would make services and tasks import each other.
"""

from __future__ import annotations

from django_tasks import task


@task()
def stat_report_generate(*, report_id: int) -> None:
    from civicnest.stats import services  # noqa: PLC0415 - services enqueue this task

    services.report_generate(report_id=report_id)


@task()
def stats_rollup(*, every_month: bool = False, current_only: bool = False) -> dict[str, float]:
    """Refresh the dashboards' monthly roll-up: the recent months, every retained month, or (after a
    write) this month only."""
    from civicnest.stats import rollup  # noqa: PLC0415 - rollup enqueues this task

    if current_only:
        done = rollup.refresh_current()
    else:
        months = rollup.retained_months() if every_month else rollup.recent_months()
        done = rollup.refresh(months)
    return {"months": len(done), "seconds": round(sum(d["seconds"] for d in done), 2)}
