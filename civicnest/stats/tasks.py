from __future__ import annotations

from django_tasks import task

from civicnest.stats import services


@task()
def stat_report_generate(*, report_id: int) -> None:
    services.report_generate(report_id=report_id)
