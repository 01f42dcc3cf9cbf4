from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "civicnest.notices"
    verbose_name = _("工作通知")

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.notices import models

        register_audited(models.Notice)
