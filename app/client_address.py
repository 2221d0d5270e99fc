"""Who a request comes from, as the unit a client owns: the one answer for rate limits, login
throttling, feedback keys and the connection guard.

A request's TCP peer is its client, unless the peer is a trusted proxy
(``RUMBO_FORWARDED_ALLOW_IPS``: addresses and CIDRs, e.g. ``127.0.0.1,10.0.0.0/8``). Then the
client is read from ``X-Forwarded-For``, right to left: each proxy appends the address it
received the request from, so the first entry that is not itself a trusted proxy is the
client. Entries to its left were written by the client and are ignored (spoofable); so is the
header of a peer that is not trusted.

The address is then grouped: IPv4 as is, IPv6 by its /64 (one household, phone or server
holds a whole /64: counting exact addresses would give one client unlimited keys), an
IPv4-mapped IPv6 address as the IPv4 address. The result is used as a key and never stored or
logged in clear.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.requests import HTTPConnection

__all__ = ["TrustedProxies", "client_address", "client_of", "network_of", "trusted_proxies"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"
# Proxies in a chain: more hops than this are not looked at (a bound on the work per request).
MAX_HOPS = 16


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.9:443"
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def network_of(address: str | None) -> str:
    """The unit a client owns: IPv4 as is, IPv6 by its /64; anything else cut to 64 chars."""
    if not address:
        return UNKNOWN
    ip = _ip(address)
    if ip is None:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class TrustedProxies:
    """The proxies whose ``X-Forwarded-For`` is believed (parsed from the setting)."""

    def __init__(self, spec: str) -> None:
        networks: list[Network] = []
        for part in spec.replace(";", ",").split(","):
            part = part.strip()
            if part:
                networks.append(ipaddress.ip_network(part, strict=False))
        self.networks = tuple(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: str | None) -> bool:
        ip = _ip(address) if address else None
        return ip is not None and any(ip in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: Iterable[str]) -> str | None:
        """The client's address given the TCP peer and the ``X-Forwarded-For`` values."""
        if not self.networks or not self.trusts(peer):
            return peer
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        client = peer
        for hop in reversed(hops[-MAX_HOPS:]):
            if _ip(hop) is None:
                break  # garbage: the last address we could believe stands
            client = hop
            if not self.trusts(hop):
                break
        return client


@lru_cache(maxsize=8)
def trusted_proxies(spec: str) -> TrustedProxies:
    return TrustedProxies(spec)


def client_of(peer: str | None, forwarded_for: Iterable[str], spec: str) -> str:
    """:func:`client_address` from its parts (the connection guard has no ``Request``)."""
    return network_of(trusted_proxies(spec).client(peer, forwarded_for))


def client_address(request: HTTPConnection) -> str:
    """The client of ``request`` (see the module docstring): a key, never to be stored."""
    peer = request.client.host if request.client else None
    spec: str = request.app.state.settings.forwarded_allow_ips
    return client_of(peer, request.headers.getlist("x-forwarded-for"), spec)
