from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicnest.accounts"
    label = "accounts"
    verbose_name = "账户与角色"

    def ready(self) -> None:
        from civicnest.accounts.models import RoleAssignment
        from civicnest.core.audit import register_audited

        register_audited(RoleAssignment)
