from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from civicnest.core.sms import get_sms_backend


@task()
def notification_email_send(*, to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


@task()
def notification_sms_send(*, phone: str, text: str) -> None:
    get_sms_backend().send(phone=phone, text=text)
