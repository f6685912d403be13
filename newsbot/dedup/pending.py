"""Dedup decisions are provisional until their items are durably in the spool.

The dedup pipeline records an article in the state when it decides it (the decisions of a batch
are one store transaction, grouped with others on SQLite), which is long before the feed batch
holding the item is committed to the spool: with the default feed that is the end of the run.
Should the spool then fail (read-only folder, full disk), a recorded decision would make the next
run skip an article that was never kept anywhere. So each spool batch carries the decisions of
its items (attached here, as the feed exporter writes them) and the batch's storage either lets
them stand (the batch reached ready/, or its whole data is fsynced in writing/ for the next run
to salvage) or takes them back with `DedupIndex.undo` (the batch's data is discarded; the next
run crawls those articles again). See newsbot.delivery.storages.

An extension ordered before Scrapy's FeedExporter (0), so its item_scraped handler sees the
batches an item is about to be written into, before a rollover replaces them. It costs a dict
insert and pop per item.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from .index import Decision, DedupIndex

logger = logging.getLogger(__name__)
_ATTR = "_newsbot_pending_decisions"


class PendingDecisions:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.index: DedupIndex | None = None      # set by the dedup pipeline
        self.held: dict[int, Decision] = {}       # id(item) -> its decision, pipeline to item_scraped
        self._exporter = None
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_settled, signal=signals.item_dropped)
        crawler.signals.connect(self.item_settled, signal=signals.item_error)

    @classmethod
    def of(cls, crawler: Crawler) -> PendingDecisions:
        keeper = getattr(crawler, _ATTR, None)
        if keeper is None:
            keeper = cls(crawler)
            setattr(crawler, _ATTR, keeper)
        return keeper

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PendingDecisions:
        return cls.of(crawler)

    def hold(self, item: Any, decision: Decision, index: DedupIndex) -> None:
        """The dedup pipeline recorded `decision` for `item`: provisional until its batch is kept."""
        if decision.recorded:
            self.index = index
            self.held[id(item)] = decision

    def item_settled(self, item: Any, *args, **kwargs) -> None:
        # Dropped or failed after dedup (e.g. already delivered in this JOBDIR job): written
        # nowhere by this run, so nothing depends on a batch; the decision stands, as before.
        self.held.pop(id(item), None)

    def item_scraped(self, item: Any, *args, **kwargs) -> None:
        decision = self.held.pop(id(item), None)
        for slot in self._slots():
            storage = getattr(slot, "storage", None)
            note = getattr(storage, "note_item", None)
            if note is not None and slot.filter.accepts(item):
                note(decision)

    def _slots(self) -> list:
        if self._exporter is None:
            from scrapy.extensions.feedexport import FeedExporter
            self._exporter = next((ext for ext in getattr(self.crawler.extensions, "middlewares", ())
                                   if isinstance(ext, FeedExporter)), False)
        return self._exporter.slots if self._exporter else []

    def undo(self, decisions: list[Decision]) -> None:
        """Take the decisions back and make that durable (raises when the state cannot be written)."""
        if self.index is None or not decisions:
            return
        self.index.undo(decisions)
        self.index.store.flush()

    def durable(self, decisions: list[Decision]) -> list[Decision]:
        """Those of `decisions` the state has committed: what a failed `undo` leaves recorded (a
        group commit the state refused took the others with it)."""
        if self.index is None:
            return []
        return [decision for decision in decisions if decision.recorded and self.index.store.durable(decision)]
