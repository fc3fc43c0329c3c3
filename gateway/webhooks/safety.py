"""Where a delivery may go: scheme and domain policy, and refusal of every non-global address.

The check is made on the addresses the name resolves to, and the connection is then made to the checked
address (the dispatcher pins it), so a name that resolves differently a moment later (DNS rebinding)
gains nothing. ``ipaddress``'s ``is_private``/``is_global`` alone miss several forms: shared address space
(CGNAT, 100.64.0.0/10), and IPv6 addresses that embed an IPv4 one (IPv4-mapped, NAT64 64:ff9b::/96 and
64:ff9b:1::/48, 6to4 2002::/16, Teredo) are judged here by the IPv4 address they carry.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["DeliveryTarget", "Refused", "TargetPolicy", "address_refusal"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# Cloud metadata endpoints, named so that an operator allowing private networks still never reaches them.
_METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


# Not globally reachable per the IANA special-purpose registries, yet ``is_global`` in some Python versions
# says otherwise (3.11 treats most of 192.0.0.0/24 as global); checked explicitly, exceptions first.
_GLOBAL_EXCEPTIONS = frozenset(ipaddress.ip_network(n) for n in ("192.0.0.9/32", "192.0.0.10/32"))
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "198.18.0.0/15",
        "2001:db8::/32",
        "100::/64",
        "2001:2::/48",
    )
)


class Refused(Exception):
    """The delivery's URL is not allowed by the policy; nothing was sent and no connection was made."""


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    # IPv4-compatible (deprecated ::a.b.c.d)
    if int(ip) >> 32 == 0 and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip))
    return None


def address_refusal(
    ip: IPAddress, *, allow_loopback: bool = False, allow_private: bool = False
) -> str | None:
    """Why ``ip`` may not be connected to, or None when it may."""
    if ip in _METADATA:
        return f"{ip} is a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            reason = address_refusal(inner, allow_loopback=allow_loopback, allow_private=allow_private)
            return f"{ip} embeds {inner}: {reason}" if reason else None
        if ip.scope_id:
            return f"{ip} is scoped to a link"
    if ip.is_loopback:
        return None if allow_loopback else f"{ip} is a loopback address"
    if ip.is_multicast:
        return f"{ip} is a multicast address"
    if ip.is_unspecified or ip.is_reserved:
        return f"{ip} is unspecified or reserved"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    special = any(ip in net for net in _NOT_GLOBAL if net.version == ip.version)
    if special and any(ip in net for net in _GLOBAL_EXCEPTIONS if net.version == ip.version):
        special = False
    if ip.is_global and not special:
        return None
    if allow_private and (ip.is_private or ip in ipaddress.ip_network("100.64.0.0/10")):
        return None
    return f"{ip} is not a globally routable address"


@dataclass(frozen=True)
class DeliveryTarget:
    """A checked URL and the address the connection must be made to."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    address: IPAddress

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the name (the Host header and SNI keep the name)."""
        host = f"[{self.address}]" if isinstance(self.address, ipaddress.IPv6Address) else str(self.address)
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


@dataclass(frozen=True)
class TargetPolicy:
    allow_http: bool = False
    allow_loopback: bool = False
    allow_private: bool = False
    allowed_domains: tuple[str, ...] = ()
    """Host patterns: ``example.com`` (exactly) or ``*.example.com`` (subdomains); empty: any host."""

    def _domain_allowed(self, host: str) -> bool:
        if not self.allowed_domains:
            return True
        for pattern in self.allowed_domains:
            pattern = pattern.lower().rstrip(".")
            if pattern.startswith("*."):
                if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                    return True
            elif host == pattern:
                return True
        return False

    async def resolve(self, url: str) -> DeliveryTarget:
        """The target of ``url`` under this policy; raises ``Refused`` before any connection is made."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise Refused(f"scheme {scheme!r} is not allowed")
        if scheme == "http" and not self.allow_http:
            raise Refused("plain http is not allowed (https required)")
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise Refused("the URL has no host")
        if parts.username or parts.password:
            raise Refused("credentials in the URL are not allowed")
        if not self._domain_allowed(host):
            raise Refused(f"host {host} is not in the allowed domains")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise Refused("the URL's port is invalid") from None
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = await _lookup(host, port)
        if not addresses:
            raise Refused(f"{host} does not resolve")
        # Every address must pass: a name with one public and one private address is refused outright.
        for address in addresses:
            reason = address_refusal(
                address, allow_loopback=self.allow_loopback, allow_private=self.allow_private
            )
            if reason:
                raise Refused(f"{host}: {reason}")
        return DeliveryTarget(url=url, scheme=scheme, host=host, port=port, path=path, address=addresses[0])


async def _lookup(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"{host} does not resolve: {exc}") from None
    seen: dict[str, IPAddress] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        raw = str(sockaddr[0]).split("%", 1)[0]
        seen.setdefault(raw, ipaddress.ip_address(raw))
    return list(seen.values())
