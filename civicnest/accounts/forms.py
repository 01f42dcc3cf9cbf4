from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from civicnest.core.forms import BootstrapFormMixin


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续多次输错后账户将被暂时锁定。"),
        "inactive": _("该账户已停用，请联系管理员。"),
    }


class ChangePasswordForm(BootstrapFormMixin, PasswordChangeForm):
    pass
