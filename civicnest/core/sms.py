"""SMS adapters. The default backend only logs; a real gateway implements `send` with the same signature."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("civicnest.sms")


class BaseSmsBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class LoggingSmsBackend(BaseSmsBackend):
    # The last messages, visible to tests in-process; bounded, so a long-running worker does not grow.
    sent: deque[tuple[str, str]] = deque(maxlen=200)

    def send(self, *, phone: str, text: str) -> None:
        LoggingSmsBackend.sent.append((phone, text))
        logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], text)


class CapturingSmsBackend(BaseSmsBackend):
    """Keeps the messages instead of sending them (the demo seeder's respondents read theirs here)."""

    def __init__(self) -> None:
        self.outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


_local = threading.local()


@contextmanager
def captured_sms() -> Iterator[list[tuple[str, str]]]:
    """Inside the block every SMS of this thread goes to the returned list, not to the gateway."""
    backend = CapturingSmsBackend()
    previous = getattr(_local, "backend", None)
    _local.backend = backend
    try:
        yield backend.outbox
    finally:
        _local.backend = previous


def get_sms_backend() -> BaseSmsBackend:
    captured: BaseSmsBackend | None = getattr(_local, "backend", None)
    if captured is not None:
        return captured
    backend_class: type[BaseSmsBackend] = import_string(settings.SMS_BACKEND)
    return backend_class()
