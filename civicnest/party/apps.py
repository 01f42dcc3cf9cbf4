from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "civicnest.party"
    label = "party"
    verbose_name = _("党建工作")

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.party import metrics, models

        # Political data is personal data: the audit trail keeps that a name changed, not the name.
        register_audited(models.PartyOrganization, mask_fields=["secretary_name"])
        register_audited(models.PartyGuide, mask_fields=["name", "phone"])
        register_audited(models.PartyActivity, mask_fields=["attendees"])
        metrics.register_figures()
