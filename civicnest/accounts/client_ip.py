"""The client's IP address, from a configured number of trusted proxies (TRUSTED_PROXY_COUNT).

Behind N reverse proxies that each append the address they received the request from to X-Forwarded-For
(nginx: `proxy_set_header X-Forwarded-For $remote_addr;` for the first, `$proxy_add_x_forwarded_for` for
the others), the client's address is the N-th entry from the right: everything to its left was sent by the
client and proves nothing. With N = 0 (the default) the header is ignored and REMOTE_ADDR is the client.
This is the rule of DRF's `NUM_PROXIES` (the throttles), so lock-outs (django-axes, through
AXES_CLIENT_IP_CALLABLE) and throttles see the same address. docs/security.md, finding 1 and 2.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    # Fewer entries than proxies: the nearest entries we trust are all there is (DRF does the same).
    return _valid(hops[-min(proxies, len(hops))]) or remote
