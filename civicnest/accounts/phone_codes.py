"""SMS one-time codes: send (rate-limited per number and per client) and verify (expiring, attempts counted).

The one home of these rules: the survey answer page uses it today, sign-up and password reset by SMS
next. The limits are counted from the PhoneCode rows themselves, so they hold across processes and
machines and survive a restart; a cache would forget them.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import CodePurpose, PhoneCode, mobile_validator
from civicnest.core.exceptions import ApplicationError
from civicnest.core.sms import get_sms_backend

CODE_TTL = datetime.timedelta(minutes=5)
RESEND_AFTER = datetime.timedelta(seconds=60)
MAX_ATTEMPTS = 5  # wrong guesses before a code dies: 5 in 10^6
PER_PHONE = ((datetime.timedelta(hours=1), 5), (datetime.timedelta(days=1), 10))
PER_CLIENT = ((datetime.timedelta(hours=1), 10), (datetime.timedelta(days=1), 30))


class CodeThrottled(ApplicationError):
    """Too many codes asked for; `retry_after` in seconds."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def phone_key(phone: str) -> str:
    """A keyed hash of a mobile number: the same for the same number, useless without SECRET_KEY."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"phone:{phone}".encode(), hashlib.sha256
    ).hexdigest()


def _code_hash(key: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{key}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def _valid_phone(phone: str) -> str:
    phone = (phone or "").strip()
    try:
        mobile_validator(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    return phone


def _throttle(now: datetime.datetime, key: str, client_ip: str | None) -> None:
    sent = PhoneCode.objects.filter(phone_key=key)
    last = sent.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last)).total_seconds()) + 1
        raise CodeThrottled(_("验证码已发送，请 %(s)d 秒后再获取。") % {"s": wait}, wait)
    for window, limit in PER_PHONE:
        if sent.filter(created_at__gt=now - window).count() >= limit:
            raise CodeThrottled(
                _("该手机号获取验证码过于频繁，请稍后再试。"), int(window.total_seconds())
            )
    if client_ip:
        from_client = PhoneCode.objects.filter(client_ip=client_ip)
        for window, limit in PER_CLIENT:
            if from_client.filter(created_at__gt=now - window).count() >= limit:
                raise CodeThrottled(
                    _("本设备获取验证码过于频繁，请稍后再试。"), int(window.total_seconds())
                )


def phone_code_send(
    *, phone: str, purpose: CodePurpose, context: str = "", client_ip: str | None = None
) -> PhoneCode:
    """Text a new 6-digit code to `phone` for `purpose` (and `context`); earlier codes for it die.

    Raises ValidationError (field "phone") for a number that is not a mainland mobile, and
    CodeThrottled when the number or the client has asked too often.
    """
    phone = _valid_phone(phone)
    key = phone_key(phone)
    now = timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        # Serialize the sends of one number, so two requests at once cannot both pass the limits.
        list(PhoneCode.objects.select_for_update().filter(phone_key=key, used_at=None))
        _throttle(now, key, client_ip)
        PhoneCode.objects.filter(
            phone_key=key, purpose=purpose, context=context, used_at=None
        ).update(used_at=now)
        row = PhoneCode.objects.create(
            phone_key=key,
            purpose=purpose,
            context=context,
            code_hash=_code_hash(key, code),
            client_ip=client_ip or None,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
    minutes = int(CODE_TTL.total_seconds() // 60)
    get_sms_backend().send(
        phone=phone,
        text=_("验证码 %(code)s，用于%(purpose)s，%(m)d 分钟内有效。如非本人操作请忽略。")
        % {"code": code, "purpose": CodePurpose(purpose).label, "m": minutes},
    )
    return row


def phone_code_verify(*, phone: str, purpose: CodePurpose, code: str, context: str = "") -> None:
    """Accept `code` once for (phone, purpose, context) or raise ValidationError on field "code".

    A wrong guess is counted even though the caller's request fails, so this commits on its own.
    """
    phone = _valid_phone(phone)
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": _("请填写短信验证码。")})
    key = phone_key(phone)
    now = timezone.now()
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone_key=key, purpose=purpose, context=context, used_at=None)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
            error = _("验证码已失效，请重新获取。")
        elif not hmac.compare_digest(row.code_hash, _code_hash(key, code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - row.attempts
            error = (
                _("验证码不正确，还可以再试 %(n)d 次。") % {"n": left}
                if left
                else _("验证码错误次数过多，请重新获取。")
            )
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            return
    raise ValidationError({"code": error})


def code_in_text(text: str) -> str:
    """The code in one of our SMS texts (the demo's respondents and the tests read their messages)."""
    found = re.search(r"(?<!\d)\d{6}(?!\d)", text)
    if found is None:
        raise ValueError("no code in this message")
    return found.group(0)
