from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "civicnest.network"
    label = "network"
    verbose_name = "平台网络"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.network import metrics
        from civicnest.network.models import Center, CenterStaff

        register_audited(Center)
        register_audited(CenterStaff, mask_fields=["phone"])
        metrics.register_figures()
