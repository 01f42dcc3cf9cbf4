from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "civicnest.regions"
    label = "regions"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from civicnest.core.audit import register_audited
        from civicnest.regions import caching
        from civicnest.regions.models import Region

        # Every process bumps the list version of any model it writes, not only those it has rendered.
        post_save.connect(caching.bump_list_version, dispatch_uid="fragments:save")
        post_delete.connect(caching.bump_list_version, dispatch_uid="fragments:delete")

        register_audited(Region)
