"""LeasingScheduler: scrapy-redis's scheduler on a LeaseQueue, the one place that sees both when
a leased request is taken and when the engine is done with it."""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy_redis.scheduler import Scheduler

from ..compat import hook_engine_request_removal
from .extension import FleetLeases
from .queue import LeaseQueue

logger = logging.getLogger(__name__)


class LeasingScheduler(Scheduler):
    """scrapy-redis's scheduler with a LeaseQueue: tells FleetLeases which requests it took and
    when the engine is done with each."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def open(self, spider):
        result = super().open(spider)
        self.keeper = FleetLeases.of(self.crawler)
        if self.keeper is not None and isinstance(self.queue, LeaseQueue):
            self.keeper.attach(self.queue)
            self._watch_engine()
        return result

    def _watch_engine(self) -> None:
        # Scrapy has no signal for "the engine is done with this request"; newsbot.compat hooks
        # the engine's own moment for it, for every outcome.
        keeper = self.keeper

        def settle(request: Request) -> None:
            try:
                keeper.request_finished(request)
            except Exception:
                logger.exception("could not settle the fleet lease of %s", request)

        hook_engine_request_removal(self.crawler.engine, settle)

    def next_request(self) -> Request | None:
        request = super().next_request()
        if request is not None and self.keeper is not None:
            self.keeper.taken(request)
        return request
