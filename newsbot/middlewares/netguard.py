"""Refuse requests to private, loopback, link-local, metadata and other non-public addresses.

A crawler follows links and redirects chosen by the sites it reads; without this a page (or a
redirect) naming http://169.254.169.254/ or http://10.0.0.5/admin would make newsbot fetch from
its own network. Every request passes here before any connection is made, redirects included
(Scrapy schedules a redirect as a new request), and robots.txt fetches too:

- a URL whose host is an IP literal is checked as written;
- well-known internal names (localhost, *.localhost, metadata.google.internal, ...) are refused
  by name;
- other host names are resolved through Scrapy's (cached) resolver, and refused when they point
  to a non-public address (NEWSBOT_NETGUARD_RESOLVE, on by default; off in replay mode, where
  nothing is fetched).

NEWSBOT_ALLOWED_PRIVATE_HOSTS lists host names, addresses or networks (CIDR) that are allowed
anyway (an intranet news source; the tests' 127.0.0.1 fault site). Refusals are logged and
counted in newsbot/fault/private_address.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)

STAT = "newsbot/fault/private_address"
# Names that reach the machine itself or a cloud's instance metadata service without DNS help.
INTERNAL_NAMES = frozenset({"localhost", "metadata.google.internal", "metadata.goog", "metadata",
                            "instance-data", "instance-data.ec2.internal"})
INTERNAL_SUFFIXES = (".localhost", ".internal", ".local", ".home.arpa")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$")


def parse_address(host: str) -> Address | None:
    """The address a host names by itself, including the legacy forms the system resolver
    accepts (2852039166, 0xa9.254.169.254, 127.1 all name IPv4 addresses)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


class AllowList:
    def __init__(self, entries: list[str]):
        self.names: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry)

    def allows(self, host: str, address: Address | None) -> bool:
        if host in self.names:
            return True
        return address is not None and any(address in net for net in self.networks)


class PrivateAddressMiddleware:
    def __init__(self, crawler: Crawler, allow: AllowList, resolve: bool):
        self.crawler = crawler
        self.stats = crawler.stats
        self.allow = allow
        self.resolve = resolve

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        settings = crawler.settings
        if not settings.getbool("NEWSBOT_NETGUARD_ENABLED", True):
            raise NotConfigured("NEWSBOT_NETGUARD_ENABLED is off")
        allow = AllowList(settings.getlist("NEWSBOT_ALLOWED_PRIVATE_HOSTS"))
        resolve = settings.getbool("NEWSBOT_NETGUARD_RESOLVE", True) and not settings.get("NEWSBOT_REPLAY")
        return cls(crawler, allow, resolve)

    def _refuse(self, request: Request, host: str, why: str) -> None:
        self.stats.inc_value(STAT)
        via = request.meta.get("redirect_urls")
        if via:
            self.stats.inc_value(STAT + "/redirect")
        logger.warning("refused %s: %s is %s%s (allow it with NEWSBOT_ALLOWED_PRIVATE_HOSTS)",
                       request.url, host, why, f" (redirected from {via[0]})" if via else "")
        raise IgnoreRequest(f"refused non-public address {host} ({why})")

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            return None  # data:, file: etc. are governed by DOWNLOAD_HANDLERS
        host = (parts.hostname or "").lower().rstrip(".")
        address = parse_address(host)
        if self.allow.allows(host, address):
            return None
        if address is not None:
            if not is_public_address(address):
                self._refuse(request, host, "a non-public address")
            return None
        if host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES) or "." not in host:
            self._refuse(request, host, "an internal host name")
        if self.resolve:
            resolved = await self._resolve(host)
            if resolved is not None and not is_public_address(resolved) and not self.allow.allows(host, resolved):
                self._refuse(request, host, f"resolving to non-public {resolved}")
        return None

    async def _resolve(self, host: str) -> Address | None:
        # The same cached resolver the download will use (DNS_RESOLVER), so the answer checked
        # is the answer connected to.
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor

        try:
            ip = await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:  # noqa: BLE001 - the download itself will report the DNS failure
            return None
        return parse_address(ip)
