from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "civicnest.disclosure"
    verbose_name = _("信息公开")

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.disclosure import models

        for model in (models.Announcement, models.Attachment, models.CenterDisclosure):
            register_audited(model)
