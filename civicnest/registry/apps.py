from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "civicnest.registry"
    label = "registry"
    verbose_name = "社会组织"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.registry import metrics, models

        register_audited(models.SocialOrganization, mask_fields=["contact_phone"])
        register_audited(models.ActivityTeam, mask_fields=["contact_phone"])
        register_audited(models.AnnualReport)
        register_audited(models.ConsultingSession)
        register_audited(models.CreditRecord)
        register_audited(models.ArchiveDocument)
        register_audited(models.RegistrationGuidance)
        metrics.register_figures()
