"""IP allow lists: single addresses and CIDR ranges, parsed once, checked per connection."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AllowListError(ValueError):
    """An entry that is neither an IP address nor a CIDR range; the message names it."""


def parse_entry(entry: str) -> Network:
    """``192.168.1.20`` (one address) or ``192.168.1.0/24`` (a range) as a network."""
    text = entry.strip()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise AllowListError(
            f"{entry!r} is not an IP address or CIDR range (e.g. 203.0.113.7 or 192.168.1.0/24)"
        ) from None


class AllowList:
    """Addresses that may connect. An empty list allows every address (the caller decides
    whether an empty list is acceptable where it is used)."""

    __slots__ = ("_networks", "entries")

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.entries = tuple(e.strip() for e in entries if e.strip())
        self._networks = tuple(parse_entry(e) for e in self.entries)

    def __bool__(self) -> bool:
        return bool(self._networks)

    def allows(self, address: str) -> bool:
        if not self._networks:
            return True
        ip = _ip(address)
        if ip is None:
            return False
        return any(ip.version == net.version and ip in net for net in self._networks)


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d
    return ip


LOOPBACK_SOURCE = "loopback"


def source_of(address: str) -> str:
    """The source an address counts as when failures are throttled: every loopback address
    (127.0.0.0/8, ::1) is one source, as is every IPv6 /64 (one host's share); any other
    address is its own. A local process cannot dodge the count by binding 127.x.y.z."""
    ip = _ip(address)
    if ip is None:
        return address
    if ip.is_loopback:
        return LOOPBACK_SOURCE
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)
