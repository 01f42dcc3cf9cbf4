"""SMS adapters. The default backend only logs; a real gateway implements `send` with the same signature."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("civicnest.sms")


class BaseSmsBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class LoggingSmsBackend(BaseSmsBackend):
    sent: list[tuple[str, str]] = []  # visible to tests in-process

    def send(self, *, phone: str, text: str) -> None:
        LoggingSmsBackend.sent.append((phone, text))
        logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], text)


def get_sms_backend() -> BaseSmsBackend:
    backend_class: type[BaseSmsBackend] = import_string(settings.SMS_BACKEND)
    return backend_class()
