"""Crawling one spider with several processes (on several machines) through scrapy-redis.

With NEWSBOT_DISTRIBUTED on, every `scrapy crawl SPIDER` process shares one request queue and
one seen-requests set in Redis (NEWSBOT_STATE=redis://...): each URL is fetched once by the
fleet. `scrapy seed SPIDER` (cron, on one host) starts a fleet run: it clears the run's queue and
seen set and enqueues the spider's section pages and feeds; workers take requests from the
queue and wait up to NEWSBOT_FLEET_IDLE_SECONDS for more before they stop. A request a worker
takes is leased, not removed, until its work is safe (newsbot/leases/): a worker that dies
holding requests loses nothing, the others take them over when the leases expire.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured, UsageError
from scrapy.settings import BaseSettings

from .addon import OVER_DEFAULTS
from .extensions.health import STAT_FLEET_FOUND
from .leases import FleetLeases
from .paths import setting_or_env
from .signals import batch_committing

logger = logging.getLogger(__name__)

QUEUE_KEY = "newsbot:%(spider)s:requests"
SEEN_KEY = "newsbot:%(spider)s:seen"
# Articles the workers of the current fleet run found (reset by `scrapy seed`).
FOUND_KEY = "newsbot:%(spider)s:found"
FOUND_TTL_SECONDS = 7 * 24 * 3600


def redis_url(settings: BaseSettings) -> str:
    url = setting_or_env(settings, "NEWSBOT_STATE") or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise UsageError("NEWSBOT_DISTRIBUTED needs NEWSBOT_STATE=redis://host:port/db (the fleet's shared Redis)")
    return url


def is_distributed(settings: BaseSettings) -> bool:
    value = setting_or_env(settings, "NEWSBOT_DISTRIBUTED") or ""
    return str(value).lower() in ("1", "true", "yes", "on")


def fleet_settings(settings: BaseSettings) -> None:
    """Switches the scheduler and dupefilter to scrapy-redis's when NEWSBOT_DISTRIBUTED is on
    (a step of newsbot.NewsbotAddon)."""
    if not is_distributed(settings):
        return
    settings.set("NEWSBOT_DISTRIBUTED", True, priority=OVER_DEFAULTS)
    settings.set("REDIS_URL", redis_url(settings), priority=OVER_DEFAULTS)
    # scrapy-redis's scheduler and queue, with leases on what a worker takes.
    settings.set("SCHEDULER", "newsbot.leases.scheduler.LeasingScheduler", priority=OVER_DEFAULTS)
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority=OVER_DEFAULTS)
    settings.set("SCHEDULER_QUEUE_CLASS", "newsbot.leases.queue.LeaseQueue", priority=OVER_DEFAULTS)
    settings.set("SCHEDULER_QUEUE_KEY", QUEUE_KEY, priority=OVER_DEFAULTS)
    settings.set("SCHEDULER_DUPEFILTER_KEY", SEEN_KEY, priority=OVER_DEFAULTS)
    # The queue and seen set belong to the fleet run, not to one worker: keep them on close.
    settings.set("SCHEDULER_PERSIST", True, priority=OVER_DEFAULTS)
    settings.set("SCHEDULER_IDLE_BEFORE_CLOSE", 1, priority=OVER_DEFAULTS)
    # Many workers of one spider may share a machine: the fleet's queue, not a lock, divides the work.
    settings.set("NEWSBOT_LOCK_ENABLED", False, priority=OVER_DEFAULTS)
    # FleetLeases before Scrapy's FeedExporter (0): its item_scraped handler must see the batch
    # an item is about to be written into, before a rollover replaces it.
    settings["EXTENSIONS"] = {**settings.getdict("EXTENSIONS"), "newsbot.distributed.FleetIdleExtension": 0,
                              "newsbot.distributed.FleetFoundCounter": 0,
                              "newsbot.leases.extension.FleetLeases": -10}
    # Closest to the engine: links the items that really leave the callbacks to their lease.
    settings["SPIDER_MIDDLEWARES"] = {**settings.getdict("SPIDER_MIDDLEWARES"),
                                      "newsbot.leases.middleware.LeaseItemMiddleware": 10}


class FleetIdleExtension:
    """Keeps a worker alive while the fleet may still enqueue work: another worker's listings, or
    requests leased by other workers (a dead worker's come back to the queue when they expire)."""

    def __init__(self, crawler: Crawler, idle_seconds: float):
        self.crawler = crawler
        self.idle_seconds = idle_seconds
        self.last_activity = time.monotonic()
        self.leases = FleetLeases.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetIdleExtension:
        if not crawler.settings.getbool("NEWSBOT_DISTRIBUTED"):
            raise NotConfigured
        extension = cls(crawler, crawler.settings.getfloat("NEWSBOT_FLEET_IDLE_SECONDS", 10))
        crawler.signals.connect(extension.touch, signal=signals.response_received)
        crawler.signals.connect(extension.touch, signal=signals.request_scheduled)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        return extension

    def touch(self, *args, **kwargs) -> None:
        self.last_activity = time.monotonic()

    def spider_idle(self, spider) -> None:
        if time.monotonic() - self.last_activity < self.idle_seconds:
            raise DontCloseSpider("fleet queue may still fill")
        # This worker's own leases do not count: they wait for its batch, committed at close.
        if self.leases is not None and self.leases.others_busy():
            raise DontCloseSpider("other workers hold leases")


class FleetFoundCounter:
    """Counts, in Redis, the articles every worker of a fleet run finds, and keeps this worker's
    view of the total in the stats (newsbot/fleet/items_found) for the health policy: a worker
    that found the queue empty is healthy when its fleet found articles.

    Counted here and added to Redis when a batch commits (before its leases are released, so
    before an idle worker may stop), when idle and at the end: no round trip per item."""

    def __init__(self, crawler: Crawler):
        from scrapy_redis import connection

        self.stats = crawler.stats
        self.server = connection.from_settings(crawler.settings)
        self.key = FOUND_KEY % {"spider": crawler.spidercls.name}
        self.unsent = 0
        for signal in (signals.item_scraped, signals.item_dropped):
            crawler.signals.connect(self.item_found, signal=signal)
        crawler.signals.connect(self.send, signal=batch_committing)
        crawler.signals.connect(self.read_total, signal=signals.spider_idle)
        crawler.signals.connect(self.read_total, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetFoundCounter:
        if not crawler.settings.getbool("NEWSBOT_DISTRIBUTED"):
            raise NotConfigured
        return cls(crawler)

    def item_found(self, *args, **kwargs) -> None:
        self.unsent += 1

    def send(self, *args, **kwargs) -> int | None:
        """Adds this worker's unsent count; the fleet's total, or None when Redis cannot say."""
        try:
            pipe = self.server.pipeline()
            pipe.incrby(self.key, self.unsent)
            pipe.expire(self.key, FOUND_TTL_SECONDS)
            total = int(pipe.execute()[0])
        except Exception as exc:   # the count is advice for health, never a reason to lose an item
            logger.warning("fleet article count unavailable (%s)", type(exc).__name__)
            return None
        self.unsent = 0
        return total

    def read_total(self, *args, **kwargs) -> None:
        total = self.send()
        if total is not None:
            self.stats.set_value(STAT_FLEET_FOUND, total)


async def seed(crawler: Crawler, **spider_args) -> int:
    """Start a fleet run of crawler.spidercls: reset its queue and seen set, enqueue its start requests."""
    from scrapy_redis import connection, picklecompat
    from scrapy_redis.queue import PriorityQueue

    spider = crawler.spidercls.from_crawler(crawler, **spider_args)
    server = connection.from_settings(crawler.settings)
    # Leases are left alone: a live worker of the last run finishes its own, a dead one's come
    # back into this run's queue when they expire.
    server.delete(*(key % {"spider": spider.name} for key in (QUEUE_KEY, SEEN_KEY, FOUND_KEY)))
    queue = PriorityQueue(server=server, spider=spider, key=QUEUE_KEY, serializer=picklecompat)
    count = 0
    async for request in spider.fleet_start_requests():
        queue.push(request)
        count += 1
    return count
