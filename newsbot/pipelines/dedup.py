"""Drops (or links) articles newsbot has already emitted; emits updates with version + 1.

Runs after validation, so only items that will be written are remembered. Exact copies match on
content_hash, near copies (a wire story with another intro and boilerplate) on MinHash LSH with
NEWSBOT_DEDUP_THRESHOLD. NEWSBOT_DEDUP_MODE=drop drops later copies; =link emits them with
`duplicate_of` set to the first copy's canonical URL.

Items that reach the pipeline in the same turn of the event loop (several responses' articles,
or a backlog) are decided as one batch (DedupIndex.check_many), at most NEWSBOT_DEDUP_BATCH_SIZE
at a time, in the order they arrived: the same decisions as one at a time, a fraction of the cost.
"""

from __future__ import annotations

import asyncio
import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from ..dedup.crawler import crawler_store, state_writes
from ..dedup.index import DUPLICATE, NEW, UNCHANGED, UPDATE, ArticleFacts, Decision, DedupIndex
from ..dedup.pending import PendingDecisions
from ..dedup.signature import Signer
from ..delivery.spool import Spool, spool_dir
from ..leases import FleetLeases
from ..paths import setting_or_env

logger = logging.getLogger(__name__)
MODES = ("drop", "link")


class DecisionBatcher:
    """Collects the articles submitted during one turn of the event loop and decides them together
    when the loop comes back to it (or as soon as `max_size` wait): no timer, no added latency."""

    def __init__(self, index: DedupIndex, max_size: int = 500):
        self.index, self.max_size = index, max(1, max_size)
        self._waiting: list[tuple[ArticleFacts, asyncio.Future]] = []

    def decide(self, facts: ArticleFacts) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((facts, future))
        if len(self._waiting) >= self.max_size:
            self._run()
        elif len(self._waiting) == 1:
            loop.call_soon(self._run)
        return future

    def _run(self) -> None:
        batch, self._waiting = self._waiting, []
        if not batch:
            return
        try:
            decisions = self.index.check_many([facts for facts, _ in batch])
        except Exception as error:   # the whole batch was undone: each item fails with the reason
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), decision in zip(batch, decisions):
            if not future.done():   # unless its item was cancelled: nothing waits for it
                future.set_result(decision)


# What an item must hold for its decision to be made again from its exported line.
_SIGNED_FIELDS = frozenset({"url", "body", "content_hash"})


def article_facts(adapter: ItemAdapter) -> ArticleFacts:
    return ArticleFacts(url=adapter["url"], outlet=adapter.get("outlet") or "", body=adapter["body"],
                        content_hash=adapter["content_hash"], canonical_url=adapter.get("canonical_url"),
                        updated_at=adapter.get("updated_at"))


class DedupPipeline:
    def __init__(self, crawler: Crawler, index: DedupIndex, mode: str, batch_size: int = 500):
        self.crawler, self.stats, self.index, self.mode = crawler, crawler.stats, index, mode
        self.batcher = DecisionBatcher(index, batch_size)
        self.leases = FleetLeases.of(crawler)  # None unless a fleet worker
        # Decisions of emitted items stand only once their spool batch is kept (see the module).
        self.pending = PendingDecisions.of(crawler)

    def _state_failed(self, exc: Exception) -> None:
        """A write the state refused (disk full, read-only, Redis gone) fails the items of its
        batch: they are dropped, so the next run crawls them again. The state's writer says so,
        once, on the run's one line (newsbot.dedup.crawler.StateWrites)."""
        self.stats.inc_value("newsbot/dedup/state_failed")
        writes = state_writes(self.crawler)
        if writes is not None:
            writes.failed(exc)

    def open_spider(self) -> None:
        if self.leases is None:   # a fleet's leases settle a dead worker's batches themselves
            self._record_spooled_articles()

    def _record_spooled_articles(self) -> None:
        """Cron runs without JOBDIR, and a kill can land after items reached the spool and before
        the state committed their decisions (it commits every NEWSBOT_STATE_COMMIT_SECONDS): the
        spool delivers those items (this run salvages the killed run's batch), so their decisions
        are recorded, and committed, before this run crawls the same articles again."""
        settings = self.crawler.settings
        if not spool_dir(settings).is_dir():
            return
        try:
            items = list(Spool.from_settings(settings).spooled_items(self.crawler.spidercls.name))
        except OSError:
            return   # an unreadable spool is the delivery's to report
        facts = [article_facts(ItemAdapter(item)) for item in items if _SIGNED_FIELDS <= item.keys()]
        if not facts:
            return
        recorded = sum(decision.recorded for decision in self.index.check_many(facts))
        self.index.store.flush()
        if recorded:
            self.stats.inc_value("newsbot/dedup/recorded_from_spool", recorded)
            logger.warning("%d article(s) waiting in the spool were not in the dedup state (a run was killed, "
                           "or its state failed, before recording them): recorded now, so this run does not "
                           "write them again", recorded)

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        settings = crawler.settings
        mode = (setting_or_env(settings, "NEWSBOT_DEDUP_MODE", "drop") or "drop").lower()
        if mode not in MODES:
            raise NotConfigured(f"NEWSBOT_DEDUP_MODE must be one of {MODES}, got {mode!r}")
        signer = Signer(threshold=settings.getfloat("NEWSBOT_DEDUP_THRESHOLD", 0.4),
                        num_perm=settings.getint("NEWSBOT_DEDUP_NUM_PERM", 128),
                        shingle_words=settings.getint("NEWSBOT_DEDUP_SHINGLE_WORDS", 3))
        return cls(crawler, DedupIndex(crawler_store(crawler), signer), mode,
                   batch_size=settings.getint("NEWSBOT_DEDUP_BATCH_SIZE", 500))

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        facts = article_facts(adapter)
        key = None
        if self.leases is not None:
            # Before the shared state records it: should this worker die before the item is in a
            # committed batch, whoever takes its request over delivers it.
            key = DedupIndex.url_keys(facts)[-1]
            self.leases.note_article(item, key)
        try:
            decision = await self.batcher.decide(facts)
        except Exception as exc:   # its batch was undone in the state: neither recorded nor emitted
            self._state_failed(exc)
            raise DropItem(f"not emitted: the dedup state could not record it: {facts.url}", log_level="DEBUG")
        if decision.kind == UNCHANGED and self.leases is not None:
            undelivered = self.leases.undelivered(item)
            if decision.key in undelivered or key in undelivered:
                # Recorded by a fleet worker that died before delivering it: this is its delivery.
                self.stats.inc_value("newsbot/fleet/redelivered_items")
                decision = Decision(DUPLICATE if decision.duplicate_of else NEW, decision.key, decision.version,
                                    decision.duplicate_of, decision.similarity)
            else:
                self.leases.unnote_article(item, key)
        self.stats.inc_value(f"newsbot/dedup/{decision.kind}")
        if decision.kind == UNCHANGED:
            raise DropItem(f"already emitted, unchanged: {facts.url}")
        if decision.kind == DUPLICATE:
            if self.mode == "drop":
                raise DropItem(f"duplicate of {decision.duplicate_of} (similarity {decision.similarity:.2f}): {facts.url}")
            adapter["duplicate_of"] = decision.duplicate_of
        if decision.kind == UPDATE:
            logger.info("updated article %s: version %d", facts.url, decision.version)
        assert decision.kind in (NEW, UPDATE, DUPLICATE)
        adapter["version"] = decision.version
        self.pending.hold(item, decision, self.index)
        return item
