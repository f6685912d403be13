"""FleetLeases, the extension that keeps this worker's leases: it renews them while the work
goes on, acknowledges each once its work is safe (request finished, items in a committed spool
batch), requeues the expired leases of dead workers and gives its own back when it stops."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from ..signals import BatchNotCommitted, batch_committing
from .keys import LEASE, LEASE_SHA, UNDELIVERED, worker_id
from .queue import LeaseQueue

logger = logging.getLogger(__name__)

STAT = "newsbot/fleet/"


@dataclass
class Lease:
    id: str
    sha: str
    undelivered: frozenset[str] = frozenset()   # keys its request carries from a dead holder
    articles: set[str] = field(default_factory=set)  # keys recorded, not yet in a committed batch
    finished: bool = False                      # the request left the engine
    batches: set[int] = field(default_factory=set)  # ids of the spool batches holding its items


class FleetLeases:
    """One per crawler (an extension): tracks this worker's leases, renews them, acknowledges
    them when their work is safe, requeues expired ones and gives its own back when it stops."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.lease_seconds = crawler.settings.getfloat("NEWSBOT_FLEET_LEASE_SECONDS", 60)
        if self.lease_seconds <= 0:
            raise NotConfigured("NEWSBOT_FLEET_LEASE_SECONDS must be > 0")
        self.queue: LeaseQueue | None = None
        self.leases: dict[str, Lease] = {}
        self.origins: dict[int, str] = {}      # id(item) -> lease id, while the item is processed
        self.item_keys: dict[int, str] = {}    # id(item) -> dedup key noted for it
        # id(spool storage) -> lease id -> dedup keys of its items exported into that batch
        self.batches: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._heartbeat = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_settled, signal=signals.item_dropped)
        crawler.signals.connect(self.item_settled, signal=signals.item_error)
        crawler.signals.connect(self.batch_committing, signal=batch_committing)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def of(cls, crawler: Crawler) -> FleetLeases | None:
        """The crawler's lease keeper; None unless the crawl is a fleet worker."""
        if not crawler.settings.getbool("NEWSBOT_DISTRIBUTED"):
            return None
        keeper = getattr(crawler, "_newsbot_fleet_leases", None)
        if keeper is None:
            keeper = cls(crawler)
            crawler._newsbot_fleet_leases = keeper
        return keeper

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetLeases:
        keeper = cls.of(crawler)
        if keeper is None:
            raise NotConfigured
        return keeper

    # --- taking and finishing requests (called by LeasingScheduler) -----------------------
    def attach(self, queue: LeaseQueue) -> None:
        queue.lease_seconds = self.lease_seconds
        queue.worker = worker_id()
        self.queue = queue

    def taken(self, request: Request) -> None:
        lease_id = request.meta.get(LEASE)
        if lease_id:
            self.leases[lease_id] = Lease(lease_id, request.meta.get(LEASE_SHA, ""),
                                          frozenset(request.meta.get(UNDELIVERED) or ()))
            self.stats.inc_value(STAT + "leased")
            if request.meta.get(UNDELIVERED):
                self.stats.inc_value(STAT + "redelivered_requests")

    def request_finished(self, request: Request) -> None:
        """The engine is done with the request: downloaded and scraped, its items through the
        pipelines and its follow-up requests pushed (or it failed, was ignored or redirected)."""
        lease = self.leases.get(request.meta.get(LEASE) or "")
        if lease is None:
            return
        lease.finished = True
        if not lease.batches:
            self._settle([lease])
        elif self.queue is not None:
            try:
                self.queue.settle(parked=[lease.id])
            except Exception:
                logger.exception("could not mark a fleet lease as waiting for its batch")

    # --- items ----------------------------------------------------------------------------
    def item_from(self, item: Any, response) -> None:
        """An item left a callback (LeaseItemMiddleware): remember which lease it belongs to."""
        request = getattr(response, "request", None)
        lease_id = request.meta.get(LEASE) if request is not None else None
        if lease_id in self.leases:
            self.origins[id(item)] = lease_id

    def lease_of(self, item: Any) -> Lease | None:
        return self.leases.get(self.origins.get(id(item), ""))

    def note_article(self, item: Any, key: str) -> None:
        """Before the dedup state records `key` for this item: if this worker dies before the item
        is in a committed batch, whoever takes the request over must deliver it."""
        lease = self.lease_of(item)
        if lease is None or self.queue is None:
            return
        self.item_keys[id(item)] = key
        if key not in lease.articles:
            lease.articles.add(key)
            self.queue.note_articles(lease.id, list(lease.articles))

    def unnote_article(self, item: Any, key: str) -> None:
        """The state already had the article (delivered before): nothing to take over."""
        lease = self.lease_of(item)
        self.item_keys.pop(id(item), None)
        if lease is not None and self.queue is not None and key in lease.articles:
            lease.articles.discard(key)
            self.queue.note_articles(lease.id, list(lease.articles))

    def undelivered(self, item: Any) -> frozenset[str]:
        lease = self.lease_of(item)
        return lease.undelivered if lease is not None else frozenset()

    def item_scraped(self, item: Any, response) -> None:
        # Connected before the FeedExporter's handler (extension order), so the open batches seen
        # here are the ones this item is about to be written into.
        lease = self.lease_of(item)
        if lease is None:
            # A pipeline may have returned another object than the one the callback yielded.
            request = getattr(response, "request", None)
            lease = self.leases.get(request.meta.get(LEASE) or "") if request is not None else None
        key = self.item_keys.pop(id(item), None)
        self.origins.pop(id(item), None)
        if lease is None:
            return
        for storage in self._spool_storages():
            lease.batches.add(id(storage))
            keys = self.batches[id(storage)][lease.id]
            if key:
                keys.add(key)

    def item_settled(self, item: Any) -> None:
        self.origins.pop(id(item), None)
        self.item_keys.pop(id(item), None)

    def _spool_storages(self) -> list:
        from ..delivery.storages import SpooledFeedStorage
        found = []
        for ext in getattr(self.crawler.extensions, "middlewares", ()):
            for slot in getattr(ext, "slots", None) or ():
                if isinstance(getattr(slot, "storage", None), SpooledFeedStorage):
                    found.append(slot.storage)
        return found

    # --- batches --------------------------------------------------------------------------
    def batch_committing(self, storage=None, batch: str | None = None) -> None:
        """A spool batch is about to be committed (its data is on disk): acknowledge the leases
        whose work it completes and mark the batch, in one Redis call. If Redis cannot be told,
        the batch must not be committed: the fleet will redo its requests."""
        if self.queue is None or storage is None or batch is None:
            return
        held = self.batches.pop(id(storage), {})
        done, articles = [], {}
        for lease_id, keys in held.items():
            lease = self.leases.get(lease_id)
            if lease is None:
                continue
            lease.batches.discard(id(storage))
            lease.articles -= keys
            if lease.finished and not lease.batches:
                done.append(lease)
            else:
                articles[lease.id] = sorted(lease.articles)
        try:
            self._settle(done, articles, batch=batch, raise_errors=True)
        except Exception as exc:
            raise BatchNotCommitted(f"the fleet's Redis could not record batch {batch}: {exc}") from exc

    def _settle(self, leases: list[Lease], articles: dict[str, list[str]] | None = None,
                batch: str | None = None, raise_errors: bool = False) -> None:
        assert self.queue is not None
        try:
            acked = self.queue.settle([(lease.id, lease.sha) for lease in leases], articles, batch)
        except Exception:
            if raise_errors:
                raise
            # The lease stays in Redis and expires: the fleet redoes the request (dedup skips
            # what was delivered). Logged, not raised: the crawl goes on.
            logger.exception("could not acknowledge %d fleet lease(s)", len(leases))
            return
        for lease in leases:
            self.leases.pop(lease.id, None)
        self.stats.inc_value(STAT + "acked", acked)
        if acked < len(leases):
            self.stats.inc_value(STAT + "lost_leases", len(leases) - acked)
            logger.warning("%d lease(s) had expired and were requeued before this worker acknowledged "
                           "them: the fleet may process those requests again", len(leases) - acked)

    # --- heartbeat ------------------------------------------------------------------------
    def spider_opened(self, spider) -> None:
        from twisted.internet import task
        self._heartbeat = task.LoopingCall(self.heartbeat)
        # Renewing three times per lease period survives two missed beats.
        self._heartbeat.start(self.lease_seconds / 3, now=True)

    def heartbeat(self) -> None:
        if self.queue is None:
            return
        try:
            # Renew first: a worker never requeues its own live leases.
            held = list(self.leases)
            renewed = self.queue.renew(held) if held else 0
            if renewed < len(held):
                self.stats.inc_value(STAT + "lost_leases", len(held) - renewed)
            requeued = self.queue.requeue_expired()
        except Exception:
            logger.exception("fleet lease heartbeat failed (Redis unreachable?)")
            return
        if requeued:
            self.stats.inc_value(STAT + "requeued_expired", requeued)
            logger.info("requeued %d expired lease(s) of other workers", requeued)

    def others_busy(self) -> bool:
        """Whether other workers (or dead ones' leases, once expired) may still fill the queue."""
        if self.queue is None:
            return False
        try:
            return self.queue.others_busy()
        except Exception:
            logger.exception("could not read the fleet's leases")
            return False

    def engine_stopped(self) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self.queue is None:
            return
        try:
            self.queue.stopping()
        except Exception:
            pass  # the heartbeat entry just ages
        if not self.leases:
            return
        # Every batch is committed by now: what is still leased here was not finished (a shutdown
        # cut it short) or its batch was not committed. Give it to the fleet now, not at expiry.
        try:
            self.queue.release(list(self.leases))
        except Exception:
            logger.exception("could not give back %d fleet lease(s); they expire by themselves", len(self.leases))
            return
        self.stats.inc_value(STAT + "released", len(self.leases))
        logger.info("gave %d unfinished lease(s) back to the fleet", len(self.leases))
        self.leases.clear()
