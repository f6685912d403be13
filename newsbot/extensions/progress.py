"""A progress line every NEWSBOT_PROGRESS_INTERVAL seconds while crawling: pages, items, failed
requests and the item rate since the start, so a long cron run's log shows it is alive."""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from . import outcomes

logger = logging.getLogger(__name__)


class ProgressExtension:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.started = 0.0
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        interval = crawler.settings.getfloat("NEWSBOT_PROGRESS_INTERVAL", 30.0)
        if interval <= 0:
            raise NotConfigured("NEWSBOT_PROGRESS_INTERVAL is 0")
        return cls(crawler, interval)

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.log_progress)
        self.loop.start(self.interval, now=False)

    def line(self) -> str:
        stats = self.crawler.stats
        elapsed = max(time.monotonic() - self.started, 1e-9)
        pages = stats.get_value("response_received_count", 0)
        items = stats.get_value("item_scraped_count", 0)
        failed = stats.get_value(outcomes.FAILED, 0)
        return (f"progress: {pages} pages, {items} items, {failed} failed requests in {elapsed:.0f}s "
                f"({pages / elapsed * 60:.1f} pages/min, {items / elapsed * 60:.1f} items/min)")

    def log_progress(self) -> None:
        logger.info(self.line())

    def spider_closed(self, spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
