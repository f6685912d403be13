"""Counts how each request finally ended, after retries, as stats the health rules and the run
summary read: `newsbot/requests/ok`, `newsbot/requests/failed`, `newsbot/errors/http_<status>`,
`newsbot/errors/download_<Exception>`.

It sits first in DOWNLOADER_MIDDLEWARES (lowest order), so it sees what the engine gets: a retried
response or exception never reaches it, only the last attempt does.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

OK = "newsbot/requests/ok"
FAILED = "newsbot/requests/failed"
ERRORS = "newsbot/errors/"


def _is_robots(request: Request) -> bool:
    # robots.txt answers (404 included) are Scrapy's business, not a failed page of the outlet.
    return request.url.endswith("/robots.txt")


class RequestOutcomeMiddleware:
    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequestOutcomeMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if _is_robots(request):
            return response
        if response.status >= 400:
            self.stats.inc_value(FAILED)
            self.stats.inc_value(f"{ERRORS}http_{response.status}")
        else:
            self.stats.inc_value(OK)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        # IgnoreRequest is a decision (robots.txt, offsite, no recording), not a failed download.
        if isinstance(exception, IgnoreRequest) or _is_robots(request):
            return None
        self.stats.inc_value(FAILED)
        self.stats.inc_value(f"{ERRORS}download_{type(exception).__name__}")
        return None
