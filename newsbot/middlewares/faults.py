"""One stat per failure kind: every download fault newsbot meets is counted as `newsbot/fault/<kind>`.

`FaultStatsMiddleware` sits on the engine side of the downloader, so it sees each raw response
status and each download exception (before retries decide what to do with them). Two Scrapy
middlewares that refuse a response by raising `IgnoreRequest` from `process_response` (which no
other middleware can observe) are subclassed here only to count and name their refusal.
"""

from __future__ import annotations

import logging

from scrapy import Request, exceptions
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.internet import defer, error
from twisted.web import _newclient

logger = logging.getLogger(__name__)

FAULT = "newsbot/fault/"


# Exception types by fault kind, first match wins: Scrapy 2.19 wraps download errors in its own
# types; Twisted's are still raised by some handlers and middlewares.
_KINDS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((exceptions.DownloadTimeoutError, defer.TimeoutError, error.TimeoutError), "timeout"),
    ((exceptions.ResponseDataLossError,), "truncated"),
    # Scrapy's HTTP handler cancels a transfer that outgrows DOWNLOAD_MAXSIZE.
    ((exceptions.DownloadCancelledError, defer.CancelledError), "too_large"),
    ((exceptions.DownloadConnectionRefusedError, error.ConnectionRefusedError), "connection_refused"),
    ((exceptions.CannotResolveHostError, error.DNSLookupError), "dns"),
    ((exceptions.DownloadFailedError, error.ConnectionLost, error.ConnectionDone,
      _newclient.ResponseNeverReceived), "connection_lost"),
)


def fault_kind(exception: BaseException) -> str:
    """A short, stable name for a download exception ("" for refusals, counted where decided)."""
    if isinstance(exception, IgnoreRequest):
        return ""
    if isinstance(exception, _newclient.ResponseFailed):
        reasons = getattr(exception, "reasons", []) or []
        return "truncated" if any(r.check(_newclient._DataLoss) for r in reasons if hasattr(r, "check")) \
            else "connection_lost"
    for types, kind in _KINDS:
        if isinstance(exception, types):
            return kind
    return type(exception).__name__.lower()


def _blank(body: bytes) -> bool:
    """not body.strip(), without copying a page that starts with markup (every page does) to know."""
    return not body or (body[:1].isspace() and not body.strip())


class FaultStatsMiddleware:
    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FaultStatsMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        status = response.status
        if status == 429:
            self.stats.inc_value(FAULT + "http_429")
        elif status >= 500:
            self.stats.inc_value(FAULT + "http_5xx")
        elif status == 200 and _blank(response.body) and not request.url.endswith("/robots.txt"):
            self.stats.inc_value(FAULT + "empty_body")
            logger.warning("empty 200 response from %s", response.url)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        kind = fault_kind(exception)
        if kind:
            self.stats.inc_value(FAULT + kind)
            logger.warning("download of %s failed (%s): %s", request.url, kind, exception)
        return None


class CountingHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, which stops at DOWNLOAD_MAXSIZE decompressed bytes (gzip bombs);
    counted as newsbot/fault/decompression_bomb."""

    def process_response(self, request: Request, response: Response):
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            self.stats.inc_value(FAULT + "decompression_bomb")
            raise


class CountingRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects (REDIRECT_MAX_TIMES bounds chains and loops); a discarded loop or overlong
    chain is counted as newsbot/fault/redirect_loop."""

    def process_response(self, request: Request, response: Response):
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location and not request.meta.get("dont_redirect"):
            target = response.urljoin(location.decode("latin-1").strip())
            if target == request.url or target in request.meta.get("redirect_urls", ()):
                # The dupefilter would drop the repeat silently; name it instead.
                self.crawler.stats.inc_value(FAULT + "redirect_loop")
                logger.warning("discarding %s: redirect loop back to %s", request.url, target)
                raise IgnoreRequest(f"redirect loop at {request.url}")
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            self.crawler.stats.inc_value(FAULT + "redirect_loop")
            raise
