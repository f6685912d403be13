"""The delivery extension: re-sends what earlier runs left in the spool (at the start of the
run), closes batches by time (NEWSBOT_DELIVERY_BATCH_SECONDS), writes one manifest per feed
per run beside the feed, and puts the spool's state in the stats."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Callable

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FeedExporter, apply_uri_params
from scrapy.utils.asyncio import run_in_thread

from ..compat import close_feed_slot, feed_uri_params, start_feed_batch
from ..leases import fleet_batch_judge
from .run import STAT, DeliveryRun
from .spool import BatchMeta, Spool
from .targets import Deliverer, Outcome, destination_group

logger = logging.getLogger(__name__)


def resend_pending(spool: Spool, deliverer: Deliverer, spider: str | None = None,
                   judge: Callable[[BatchMeta], bool | None] | None = None) -> list[Outcome]:
    """Deliver every ready batch in the spool (salvaging abandoned ones first, as `judge` allows).
    After a batch to a bucket/folder fails for good, the rest bound there are not attempted this
    time (each would wait out the same timeouts); they stay in the spool. The caller waits on
    nothing else meanwhile: the time is spent from the delivery deadline, and once it has passed
    the rest are not attempted either."""
    with deliverer.deadline.phase():
        spool.salvage_abandoned(judge)
        outcomes = []
        broken: dict[str, str] = {}
        for meta in spool.pending(spider):
            group = destination_group(meta)
            if deliverer.deadline.passed():
                outcomes.append(Outcome(meta, delivered=False, deadline=True,
                                        cause="not attempted: the delivery deadline had passed"))
                continue
            if group in broken:
                outcomes.append(Outcome(meta, delivered=False, cause=f"not attempted: {broken[group]}"))
                continue
            outcome = deliverer.deliver(meta)
            if not outcome.delivered and not outcome.skipped:
                broken[group] = outcome.cause
            outcomes.append(outcome)
    return outcomes


class StoredLineFilter(logging.Filter):
    """Scrapy logs "Stored <feed>" whenever store() returns; for a batch that only reached the
    spool that would read as success, so it is reworded (the error line says why)."""

    def __init__(self, run: DeliveryRun):
        super().__init__()
        self.run = run

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Stored %s" and isinstance(record.args, tuple) and record.args:
            message = str(record.args[0])
            if any(message.endswith(f"in: {uri}") for uri in self.run.unspooled_uris):
                record.msg = "Not kept (the spool could not be written), not delivered: %s"
                record.levelno, record.levelname = logging.WARNING, "WARNING"
            elif any(message.endswith(f"in: {uri}") for uri in self.run.spooled_uris):
                record.msg = "Kept in the spool, not delivered: %s"
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class DeliveryExtension:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.run = DeliveryRun.of(crawler)
        self.batch_seconds = crawler.settings.getfloat("NEWSBOT_DELIVERY_BATCH_SECONDS")
        self._timer = None
        self._stored_filter = StoredLineFilter(self.run)
        logging.getLogger("scrapy.extensions.feedexport").addFilter(self._stored_filter)
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.feed_exporter_closed, signals.feed_exporter_closed)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "DeliveryExtension":
        return cls(crawler)

    async def spider_opened(self, spider: Spider) -> None:
        if self.crawler.settings.getbool("NEWSBOT_DELIVERY_RESEND_AT_START"):
            pending = len(self.run.spool.pending())
            writing = sum(1 for _ in self.run.spool.writing.iterdir())
            self.crawler.stats.set_value(STAT + "pending_at_start", pending)
            if pending or writing:
                logger.info("re-sending %d batch(es) left in the spool %s", pending + writing, self.run.spool.root)
                judge = fleet_batch_judge(self.crawler.settings)
                outcomes = await run_in_thread(resend_pending, self.run.spool, self.run.deliverer, None, judge)
                for outcome in outcomes:
                    self.run.record(outcome, resent=True)
        if self.batch_seconds > 0:
            from twisted.internet import task
            self._timer = task.LoopingCall(self._close_old_batches, spider)
            self._timer.start(min(1.0, self.batch_seconds), now=False)

    def _exporter(self) -> FeedExporter | None:
        for ext in self.crawler.extensions.middlewares:
            if isinstance(ext, FeedExporter):
                return ext
        return None

    def _close_old_batches(self, spider: Spider) -> None:
        """Like FeedExporter's own rollover at batch_item_count, but by age of the batch."""
        exporter = self._exporter()
        if exporter is None:
            return
        now = datetime.now(timezone.utc).timestamp()
        slots = []
        for slot in exporter.slots:
            started = getattr(slot, "_newsbot_started", None)
            if started is None:
                slot._newsbot_started = started = now
            if slot.itemcount and now - started >= self.batch_seconds:
                options = exporter.feeds[slot.uri_template]
                params = feed_uri_params(exporter, spider, options["uri_params"], slot)
                close_feed_slot(exporter, slot, spider)
                new_slot = start_feed_batch(
                    exporter, batch_id=slot.batch_id + 1, uri=apply_uri_params(slot.uri_template, params),
                    feed_options=options, spider=spider, uri_template=slot.uri_template)
                new_slot._newsbot_started = now
                slots.append(new_slot)
            else:
                slots.append(slot)
        exporter.slots = slots

    async def feed_exporter_closed(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self.crawler.settings.getbool("NEWSBOT_DELIVERY_MANIFEST"):
            for feed, metas in list(self.run.feeds.items()):
                if not metas:
                    continue
                meta, body = self._manifest(feed, metas)
                try:
                    await run_in_thread(self.run.spool.add_ready, meta, body)
                except OSError as exc:   # part of the one spool line below
                    self.run.manifests_not_spooled += 1
                    self.run.note_spool_cause(exc)
                    continue
                outcome = await run_in_thread(self.run.deliverer.deliver, meta)
                self.run.record(outcome)
        self.run.report_spool_failures()
        self.run.report_deadline()
        # Every slot is stored by now (this signal follows them).
        logging.getLogger("scrapy.extensions.feedexport").removeFilter(self._stored_filter)
        self.crawler.stats.set_value(STAT + "pending_at_end", len(self.run.spool.pending()))

    def _manifest(self, feed: str, metas: list[BatchMeta]) -> tuple[BatchMeta, bytes]:
        undelivered = {o.meta.key: o.cause for o in self.run.undelivered}
        # Whole in the spool's writing/ (the spool or the dedup state failed): the next run delivers them.
        kept = {m.key for m, _ in self.run.kept} | {m.key for m in self.run.held}
        spider = metas[0].spider
        batches = [{
            "batch": m.key, "uri": m.target, "items": m.items, "bytes": m.bytes, "sha256": m.sha256,
            "md5": m.md5,
            "status": "kept" if m.key in kept else "spooled" if m.key in undelivered else "delivered",
            **({"cause": undelivered[m.key]} if m.key in undelivered else {}),
        } for m in metas]
        manifest = {
            "run_id": self.run.run_id, "spider": spider, "feed": feed,
            "started": self.run.started,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "items": sum(m.items for m in metas), "bytes": sum(m.bytes for m in metas),
            "batches": batches,
        }
        target = self.crawler.settings.get("NEWSBOT_DELIVERY_MANIFEST_URI") or f"{metas[0].target}.manifest.json"
        if "%(" in target:
            target = target % {"spider": spider, "run_id": self.run.run_id, "outlet": spider,
                               "date": datetime.now(timezone.utc).strftime("%Y-%m-%d")}
        meta = BatchMeta(key=self.run.spool.new_key(spider, 0) + "-manifest", target=target, spider=spider,
                         run_id=self.run.run_id, feed=feed, batch_id=0, kind="manifest", overwrite=True,
                         items=0)
        return meta, (json.dumps(manifest, indent=1) + "\n").encode("utf-8")

    def spider_closed(self, spider: Spider) -> None:
        # Connected after FeedExporter's handler, but run before its slots' stores deliver
        # anything (they are tasks of their own); a batch already being delivered is bounded
        # from its first attempt anyway (newsbot.delivery.deadline).
        self.run.deadline.crawl_ended()
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self._exporter() is None:
            # A run without feeds only re-sent batches at its start; with feeds the report waits
            # for feed_exporter_closed (this handler may run while the slots are still stored).
            self.run.report_spool_failures()
            self.run.report_deadline()
        self.crawler.stats.set_value(STAT + "pending_at_end", len(self.run.spool.pending()))
