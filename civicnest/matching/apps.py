from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "civicnest.matching"
    label = "matching"
    verbose_name = "供需对接"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.matching import metrics, models

        register_audited(models.Need)
        register_audited(models.ServiceOffering)
        register_audited(models.Resource)
        register_audited(models.Match)
        metrics.register_figures()
