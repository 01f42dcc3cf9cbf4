from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicnest.accounts"
    label = "accounts"
    verbose_name = "账户与角色"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from civicnest.accounts.models import RoleAssignment
        from civicnest.accounts.receivers import revoke_tokens_on_logout
        from civicnest.core.audit import register_audited

        register_audited(RoleAssignment)
        user_logged_out.connect(revoke_tokens_on_logout, dispatch_uid="accounts:revoke-tokens")
