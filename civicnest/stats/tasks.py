from __future__ import annotations

from django_tasks import task

from civicnest.stats import services


@task()
def stat_report_generate(*, report_id: int) -> None:
    services.report_generate(report_id=report_id)


@task()
def stats_rollup(*, every_month: bool = False) -> dict[str, float]:
    """Refresh the dashboards' monthly roll-up: the recent months, or every retained month."""
    from civicnest.stats import rollup

    months = rollup.retained_months() if every_month else rollup.recent_months()
    done = rollup.refresh(months)
    return {"months": len(done), "seconds": round(sum(d["seconds"] for d in done), 2)}
