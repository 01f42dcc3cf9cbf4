from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "civicnest.stats"
    verbose_name = _("统计与专报")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from civicnest.core.audit import register_audited
        from civicnest.stats import models, rollup

        # Any app's figure model: the sender is checked inside, against the registered figures.
        post_save.connect(rollup.refresh_current_on_write, dispatch_uid="stats-rollup-save")
        post_delete.connect(rollup.refresh_current_on_write, dispatch_uid="stats-rollup-delete")

        # Progress ticks are written with .update() and are not audited; the request and its outcome are.
        register_audited(models.StatReport, include_fields=["region", "period_key", "status"])
