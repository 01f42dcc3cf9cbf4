from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "civicnest.stats"
    verbose_name = _("统计与专报")

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.stats import models

        # Progress ticks are written with .update() and are not audited; the request and its outcome are.
        register_audited(models.StatReport, include_fields=["region", "period_key", "status"])
