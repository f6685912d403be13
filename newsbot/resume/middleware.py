"""Before download: an article already delivered in this JOBDIR job is not fetched again (the
start requests after a crash rediscover it; the ledger says it is done)."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from .ledger import ledger_of


class SkipDeliveredMiddleware:
    """Downloader middleware: do not fetch again an article already delivered in this job."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipDeliveredMiddleware:
        if not crawler.settings.get("JOBDIR"):
            raise NotConfigured  # silently: most runs have no JOBDIR
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        ledger = ledger_of(self.crawler)
        if ledger and request.meta.get("newsbot_article") and ledger.is_delivered(request.url):
            self.crawler.stats.inc_value("newsbot/resume/skipped_delivered")
            raise IgnoreRequest(f"already delivered in this job: {request.url}")
        return None
