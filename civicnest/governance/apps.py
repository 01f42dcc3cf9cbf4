from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "civicnest.governance"
    label = "governance"
    verbose_name = "协商议事"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.governance import models

        for model in (
            models.Topic,
            models.Opinion,
            models.Meeting,
            models.Resolution,
            models.ResolutionUpdate,
        ):
            register_audited(model)
