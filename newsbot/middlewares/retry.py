"""Retries that wait: exponential backoff with jitter, and the server's Retry-After when it sends one.

Scrapy's RetryMiddleware decides *whether* to retry (RETRY_TIMES, RETRY_HTTP_CODES,
RETRY_EXCEPTIONS); this subclass decides *when*: it holds the retry back for

- the response's `Retry-After` (seconds or an HTTP date) on 429/503, capped at
  NEWSBOT_RETRY_AFTER_MAX seconds; a longer demand means the server does not want us now, so
  the request is given up (stat newsbot/retry/retry_after_too_long) rather than blocking a slot;
- otherwise NEWSBOT_RETRY_BACKOFF_BASE * 2**(attempt-1) seconds, +-25% jitter, capped at
  NEWSBOT_RETRY_BACKOFF_MAX.

The wait is asynchronous (other downloads go on). Each wait is counted in
newsbot/retry/waits and newsbot/retry/wait_seconds.

Retry-After is about the whole site, not one URL: with NEWSBOT_RETRY_AFTER_PAUSES_DOMAIN (on by
default) the domain's download slot starts no new request until the time has passed
(newsbot/retry/domain_paused), so a rate-limited site is not hit by the rest of the queue; the
retry itself is returned at once and waits in that slot like any delayed request, where Scrapy's
downloader-aware scheduler sees the domain as busy and serves other domains first.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from time import monotonic

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)
# Delay given to a slot that had none, so that the downloader honours a pause (see pause_domain).
MIN_PAUSE_DELAY = 0.001


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a Retry-After header value (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("NEWSBOT_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("NEWSBOT_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("NEWSBOT_RETRY_AFTER_MAX", 120.0)
        self.pause_domain_on_retry_after = settings.getbool("NEWSBOT_RETRY_AFTER_PAUSES_DOMAIN", True)

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        middleware = super().from_crawler(crawler)
        middleware.stats = crawler.stats
        return middleware

    def backoff(self, attempt: int) -> float:
        """Wait before retry number `attempt` (1-based) when the server named no time."""
        wait = min(self.backoff_max, self.backoff_base * 2 ** max(0, attempt - 1))
        return wait * random.uniform(0.75, 1.25)

    def _count_wait(self, seconds: float) -> None:
        self.stats.inc_value("newsbot/retry/waits")
        self.stats.inc_value("newsbot/retry/wait_seconds", round(seconds, 3))

    async def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self._count_wait(seconds)
        await asyncio.sleep(seconds)

    def pause_domain(self, request: Request, seconds: float) -> bool:
        """Hold the request's download slot (its domain) for `seconds`: nothing new starts there,
        the retry included. False when there is no slot to hold (the caller then waits itself)."""
        downloader = getattr(getattr(self.crawler, "engine", None), "downloader", None)
        slot = downloader.slots.get(downloader.get_slot_key(request)) if downloader else None
        if slot is None:
            return False
        # The downloader starts a slot's next request once its delay has passed since `lastseen`
        # (Downloader._process_queue), so a `lastseen` in the future holds the slot until then
        # plus one delay, whatever AutoThrottle makes of the delay meanwhile. A delay timer
        # already pending needs nothing: when it fires the queue is looked at again.
        until = monotonic() + seconds
        if slot.lastseen < until:
            slot.lastseen = until
            # With no delay at all the downloader never looks at lastseen.
            slot.delay = slot.delay or MIN_PAUSE_DELAY
            self.stats.inc_value("newsbot/retry/domain_paused")
        return True

    async def process_response(self, request: Request, response: Response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get("Retry-After")) \
            if response.status in (429, 503) else None
        if asked is not None and asked > self.retry_after_max:
            self.stats.inc_value("newsbot/retry/retry_after_too_long")
            logger.warning("giving up %s: server asks to retry after %.0fs (> NEWSBOT_RETRY_AFTER_MAX %.0fs)",
                           request.url, asked, self.retry_after_max)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            self.stats.inc_value("newsbot/retry/gave_up")
            return response
        if asked is not None:
            self.stats.inc_value("newsbot/retry/retry_after_honoured")
            logger.info("%s answered %d; retrying after %.1fs as asked (Retry-After)",
                        request.url, response.status, asked)
            # The retry goes back to the scheduler at once and waits in the held slot, where the
            # downloader and scheduler account for it, instead of in a coroutine sleeping here.
            if self.pause_domain_on_retry_after and self.pause_domain(request, asked):
                self._count_wait(asked)
                return retry
        await self._wait(asked if asked is not None else self.backoff(retry.meta.get("retry_times", 1)))
        return retry

    async def process_exception(self, request: Request, exception: Exception):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            self.stats.inc_value("newsbot/retry/gave_up")
            return None
        await self._wait(self.backoff(retry.meta.get("retry_times", 1)))
        return retry
