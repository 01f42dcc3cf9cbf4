from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "civicnest.venues"
    label = "venues"
    verbose_name = "场地预约"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.venues import metrics, models

        register_audited(models.Room)
        register_audited(models.Booking)
        register_audited(models.RoomPhoto)
        metrics.register_figures()
