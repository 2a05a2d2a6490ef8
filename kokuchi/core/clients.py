"""The client's address, with X-Forwarded-For believed only from the configured proxies.

REMOTE_ADDR is the peer of the TCP connection. Behind a reverse proxy that is the proxy, so the
client is read from X-Forwarded-For, but only when the peer is listed in TRUSTED_PROXIES: anyone
else could write any address into that header. The header is read from the right, skipping our
own proxies, so that a client cannot choose its address by sending its own X-Forwarded-For.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


@functools.cache
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str:
    peer = (request.META.get("REMOTE_ADDR") or "").strip()
    if not peer:
        return UNKNOWN
    if not _trusted(peer):
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _valid(address):
            break
        if not _trusted(address):
            return address
    return peer


def client_ip_or_none(request: HttpRequest) -> str | None:
    """The client address for django-axes, which stores it in an IP address column: None when unknown
    (e.g. the request Django's test client builds for login())."""
    address = client_ip(request)
    return None if address == UNKNOWN else address
