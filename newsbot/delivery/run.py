"""State of one crawl's delivery, shared by the feed storages, the URI params hook and the
extension (one per crawler)."""

from __future__ import annotations

import uuid
import weakref
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from scrapy.crawler import Crawler

from ..exitcodes import UNDELIVERED, fail_run
from .spool import BatchMeta, Spool
from .targets import Deliverer, Outcome

_RUNS: "weakref.WeakKeyDictionary[Crawler, DeliveryRun]" = weakref.WeakKeyDictionary()

STAT = "newsbot/delivery/"


class DeliveryRun:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.settings = crawler.settings
        self.spool = Spool.from_settings(crawler.settings)
        self.deliverer = Deliverer(self.spool, crawler.settings)
        now = datetime.now(timezone.utc)
        self.started = now.isoformat(timespec="seconds")
        self.run_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"
        self.batch_offsets: dict[str, int] = {}
        self.last_batch_ids: dict[str, int] = {}
        # feed template -> records of this run's batches, for the manifest
        self.feeds: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.undelivered: list[Outcome] = []
        self.spooled_uris: set[str] = set()   # feed URIs of this run's undelivered batches

    @classmethod
    def of(cls, crawler: Crawler) -> "DeliveryRun":
        run = _RUNS.get(crawler)
        if run is None:
            run = _RUNS[crawler] = cls(crawler)
        return run

    # --- batch ids that keep growing across runs ---------------------------------------------
    def batch_id(self, spider: str, scrapy_batch_id: int) -> int:
        if spider not in self.batch_offsets:
            self.batch_offsets[spider] = self.spool.last_batch_id(spider)
        batch_id = self.batch_offsets[spider] + scrapy_batch_id
        # Recorded before the batch is written: a crash can never make a later run reuse it.
        self.spool.record_batch_id(spider, batch_id)
        self.last_batch_ids[spider] = batch_id
        return batch_id

    # --- outcomes (called in the reactor thread) ---------------------------------------------
    def record(self, outcome: Outcome, resent: bool = False) -> None:
        stats = self.crawler.stats
        meta = outcome.meta
        stats.inc_value(STAT + "attempts", outcome.attempts)
        if outcome.attempts > 1:
            stats.inc_value(STAT + "retries", outcome.attempts - 1)
        if resent:
            stats.inc_value(STAT + "resent/batches" if outcome.delivered else STAT + "resent/failed")
        if outcome.skipped:
            return
        if meta.kind == "manifest":
            stats.inc_value(STAT + ("manifests/delivered" if outcome.delivered else "manifests/undelivered"))
        elif outcome.delivered:
            stats.inc_value(STAT + "batches/delivered")
            stats.inc_value(STAT + "items/delivered", meta.items)
            stats.inc_value(STAT + "bytes/delivered", meta.bytes)
        else:
            stats.inc_value(STAT + "batches/undelivered")
            stats.inc_value(STAT + "items/undelivered", meta.items)
        if not outcome.delivered:
            self.undelivered.append(outcome)
            what = "manifest" if meta.kind == "manifest" else f"batch ({meta.items} items)"
            fail_run(self.crawler, UNDELIVERED,
                     f"{what} {meta.key} not delivered to {meta.target}: {outcome.cause}; "
                     f"kept in the spool ({self.spool.ready / meta.key}) and re-sent on the next run or by `scrapy deliver`")

    def record_spooled(self, meta: BatchMeta) -> None:
        stats = self.crawler.stats
        stats.inc_value(STAT + "batches/spooled")
        stats.inc_value(STAT + "items/spooled", meta.items)
        stats.inc_value(STAT + "bytes/spooled", meta.bytes)
