from __future__ import annotations

from django_tasks import task

from civicnest.registry.imports import import_run


@task()
def organization_import_run(*, job_id: int) -> None:
    """Import one uploaded registry sheet (registry/imports.py)."""
    import_run(job_id)
