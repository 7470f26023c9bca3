"""The client's address as the portal should see it behind the campus proxies.

Behind a reverse proxy every request comes from the proxy's address, so a throttle on
REMOTE_ADDR would put everyone in one bucket (50 failures from anywhere lock everybody out).
The proxy adds the address it saw to `X-Forwarded-For`; that header is believed only as far
as the hops are proxies listed in PORTAL_TRUSTED_PROXIES (addresses or networks): walking it
from the right, the first address that is not a trusted proxy is the client. A client can
write any X-Forwarded-For it likes, but cannot make a trusted proxy append a false hop.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the nearest untrusted hop of X-Forwarded-For when
    REMOTE_ADDR is a trusted proxy; None when there is no address (a Unix socket, a test's
    request). Also django-axes' AXES_CLIENT_IP_CALLABLE, whose tables store it as an address."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    networks = _networks(tuple(settings.PORTAL_TRUSTED_PROXIES or ()))
    if not networks or not _trusted(remote, networks):
        return str(remote) if remote is not None else None
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # garbage where an address should be: stop believing the header
            break
        if not _trusted(address, networks):
            return str(address)
    return str(remote)
