from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from civicnest.accounts.roles import Role
from civicnest.core.models import TimeStampedModel

mobile_validator = RegexValidator(
    r"^1[3-9][0-9]{9}$", _("请输入 11 位中国大陆手机号码。"), code="invalid_phone"
)


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(
        _("手机号码"), max_length=11, blank=True, validators=[mobile_validator]
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # set_password() was called (password change page, admin, `changepassword`, a reset): the old
        # password's API token dies with it (issue 18, finding 6). Sessions end through the auth hash.
        password_changed = getattr(self, "_password", None) is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            Token.objects.filter(user_id=self.pk).delete()


class CodePurpose(models.TextChoices):
    SIGNUP = "signup", _("注册")
    LOGIN = "login", _("登录")
    RESET = "reset", _("重置密码")
    SURVEY = "survey", _("填写问卷")


class PhoneCode(models.Model):
    """One SMS one-time code. The number and the code are kept only as keyed hashes: enough to
    count sends per number (the rate limits), and to check a code, without a list of phone numbers.
    `context` binds a code to one object (a survey's token), so it is good for that object only."""

    phone_key = models.CharField(max_length=64, db_index=True, editable=False)
    purpose = models.CharField(max_length=10, choices=CodePurpose.choices)
    context = models.CharField(max_length=64, blank=True)
    code_hash = models.CharField(max_length=64, editable=False)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["client_ip", "created_at"], name="phonecode_ip_idx")]
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class RoleAssignment(TimeStampedModel):
    """A user's role bound to one region node (and a center where the role works for one)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区划")
    )
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属中心"),
    )
    organization = models.ForeignKey(
        "registry.SocialOrganization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属社会组织"),
    )

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"], name="roleassignment_unique_user_role_region"
            ),
            models.CheckConstraint(
                name="roleassignment_center_staff_has_center",
                condition=~models.Q(role="center_staff") | models.Q(center__isnull=False),
                violation_error_message=_("中心工作人员必须指定所属中心。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region.name}"

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}
