from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

# Zero-width and other invisible formatting characters (Unicode Cf) that look like nothing on a page.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

# PostgreSQL's integer columns: [-limit, limit). SQLite stores any 64-bit value.
INTEGER_LIMITS = {
    "SmallIntegerField": 2**15,
    "PositiveSmallIntegerField": 2**15,
    "IntegerField": 2**31,
    "PositiveIntegerField": 2**31,
    "BigIntegerField": 2**63,
    "PositiveBigIntegerField": 2**63,
}

# (field, language) → {stored value: label}: see TimeStampedModel._get_FIELD_display.
_CHOICE_LABELS: dict[tuple[int, str], dict[Any, Any]] = {}


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Any = None) -> None:
        """A text made only of invisible characters (zero-width spaces, BOMs…) counts as empty: a name
        of "\u200b\u200b" looked filled in and showed as nothing. Integers get PostgreSQL's range on
        SQLite too, so a value is refused the same way on both databases (2147483648 staff)."""
        errors: dict[str, list[Any]] = {}
        for f in self._meta.concrete_fields:
            value = getattr(self, f.attname, None)
            limit = INTEGER_LIMITS.get(f.get_internal_type())
            if limit is not None and isinstance(value, int) and not -limit <= value < limit:
                errors[f.name] = [_("数值超出范围。")]
            if isinstance(value, str) and value and not INVISIBLE.sub("", value).strip():
                setattr(self, f.attname, "")
                if not f.blank and not (exclude and f.name in exclude):
                    errors[f.name] = [_("不能只包含空格或不可见字符。")]
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, messages)
        if errors:
            raise ValidationError(errors)

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        """`get_<field>_display()` with the labels translated once per field and language.

        Django's version rebuilds the choices dict on every call, hashing each lazy label, which evaluates
        its translation: a 30-row list showing four choice fields paid ~120 of those rebuilds (about a
        quarter of the page's time in the load test's profile).
        """
        key = (id(field), translation.get_language() or "")
        labels = _CHOICE_LABELS.get(key)
        if labels is None:
            labels = {
                make_hashable(value): force_str(label, strings_only=True)
                for value, label in field.flatchoices
            }
            _CHOICE_LABELS[key] = labels
        value = getattr(self, field.attname)
        return labels.get(make_hashable(value), force_str(value, strings_only=True))


class RegionScoped(TimeStampedModel):
    """Rows that belong to a center's jurisdiction carry its region code for the scope filter and the audit."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        abstract = True

    def get_additional_data(self) -> dict[str, str]:
        return {"region": self.region_id}


class Notification(models.Model):
    """One in-app inbox entry; e-mail and SMS copies are sent by the same `notify` call."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    event = models.CharField(_("事件"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")

    def __str__(self) -> str:
        return self.title
