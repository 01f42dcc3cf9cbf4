from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "civicnest.regions"
    label = "regions"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.regions.models import Region

        register_audited(Region)
