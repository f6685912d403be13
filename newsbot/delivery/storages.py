"""Scrapy feed storages (FEED_STORAGES for "", "file" and "s3") that write every batch to the
spool first, then deliver and verify it (newsbot.delivery.targets). `store()` never raises: a
batch that could not be delivered stays in the spool and the run ends with exit code 4.

Neither does anything else when the spool itself cannot be written (read-only folder, full
disk): `open()` then hands the exporter a file that takes nothing, a failed write is remembered
rather than raised, and `store()` settles the batch once. Its items' dedup decisions (attached
by newsbot.dedup.pending) stand when the batch's whole data is fsynced in the spool (in ready/,
or in writing/ for the next run to salvage); otherwise a JSON Lines batch keeps the items
written before the failure, and the rest of the data is emptied and its decisions are taken
back, so the next run crawls those articles again. The run reports both on one line
(DeliveryRun.report_spool_failures) and exits 4.

A batch whose items' decisions the dedup state could not commit (StateNotDurable, from
newsbot.dedup.crawler.StateWrites) is held: whole in writing/, undelivered, for the next run to
record and deliver."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from .run import DeliveryRun
from .spool import BatchMeta, SpoolFile, WriteOnlyStream
from .targets import Outcome
from ..signals import BatchNotCommitted, StateNotDurable, batch_committing

logger = logging.getLogger(__name__)


class SpooledFeedStorage:
    def __init__(self, uri: str, crawler: Crawler, *, feed_options: dict[str, Any] | None = None):
        self.crawler = crawler
        self.uri = uri
        self.feed_options = feed_options or {}
        u = urlparse(uri)
        if u.username or u.password:
            raise NotConfigured("credentials in a feed URI would be logged; use AWS_ACCESS_KEY_ID / "
                                "AWS_SECRET_ACCESS_KEY settings or the environment instead")
        if u.scheme == "s3":
            if not u.hostname:
                raise NotConfigured(f"no bucket in feed URI {uri}")
            try:
                import boto3  # noqa: F401
            except ImportError:
                raise NotConfigured("missing boto3 library (pip install boto3)") from None
            self.target = uri
            self.overwrite = True
        else:
            # Absolute path, so a re-send from another working directory goes to the same file.
            path = Path(uri[len("file://"):] if uri.startswith("file://") else uri)
            self.target = str(path.absolute())
            self.overwrite = bool(self.feed_options.get("overwrite", False))
        self.meta: BatchMeta | None = None
        self.file: SpoolFile | None = None
        # Built right after the batch id was recorded (FeedExporter._start_new_batch): if that
        # record failed, this batch is not kept.
        self.error: OSError | None = DeliveryRun.of(crawler).spool_error
        # Dedup decisions of this batch's items (newsbot.dedup.pending), with each item's place.
        self.decisions: list = []
        self.places: list[int] = []
        self.items_noted = 0

    def note_item(self, decision) -> None:
        """An item is about to be written into this batch, with its dedup decision (or None)."""
        if decision is not None:
            self.decisions.append(decision)
            self.places.append(self.items_noted)
        self.items_noted += 1

    @classmethod
    def from_crawler(cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None):
        return cls(uri, crawler, feed_options=feed_options)

    def _feed_template(self) -> str:
        for ext in getattr(self.crawler.extensions, "middlewares", ()):
            feeds = getattr(ext, "feeds", None)
            if isinstance(feeds, dict):
                for template, options in feeds.items():
                    if options is self.feed_options:
                        return template
        return self.target

    def open(self, spider: Spider) -> IO[bytes]:
        run = DeliveryRun.of(self.crawler)
        batch_id = run.last_batch_ids.get(spider.name, 0)
        self.meta = BatchMeta(key=run.spool.new_key(spider.name, batch_id), target=self.target,
                              spider=spider.name, run_id=run.run_id, feed=self._feed_template(),
                              batch_id=batch_id, overwrite=self.overwrite)
        if self.crawler.settings.getbool("NEWSBOT_DISTRIBUTED"):
            # Written for a fleet run: if this worker dies, whether the batch is delivered later
            # depends on the fleet's leases (newsbot.leases.judge.fleet_batch_judge).
            self.meta.extra["fleet"] = {"spider": spider.name}
        if self.error is None:
            try:
                self.file = run.spool.open_batch(self.meta)
            except OSError as exc:
                self.error = exc
        if self.error is not None:
            return _Discard()  # type: ignore[return-value]
        return self.file  # type: ignore[return-value]

    def store(self, file: IO[bytes]):
        return deferred_from_coro(self._store())

    async def _store(self) -> None:
        run = DeliveryRun.of(self.crawler)
        meta, file = self.meta, self.file
        assert meta is not None
        meta.items = self._item_count()
        # On disk before anyone is told the batch is committing (the fleet acknowledges its
        # requests then): a power cut must not lose acknowledged items.
        if file is not None and self.error is None:
            try:
                await run_in_thread(file.finish)
            except OSError as exc:
                self.error = exc
        if self.error is not None:
            await self._not_kept(run, meta, self.error)
            return
        results = self.crawler.signals.send_catch_log(batch_committing, batch=meta.key, storage=self,
                                                      dont_log=BatchNotCommitted)
        refused = [r for _, r in results if isinstance(r, Failure) and r.check(BatchNotCommitted)]
        if any(r.check(StateNotDurable) for r in refused):
            # Whole and fsynced in writing/: the next run records its items, then delivers it;
            # the state's writer reports it on the run's one line.
            run.spool.release_batch(meta)
            run.spooled_uris.add(self.uri)
            if file is not None:
                meta.bytes, meta.sha256, meta.md5 = file.size, file.sha256.hexdigest(), file.md5.hexdigest()
            run.held.append(meta)
            run.feeds[meta.feed].append(meta)
            self.crawler.stats.inc_value("newsbot/delivery/items/held_for_state", meta.items)
            self.crawler.stats.inc_value("newsbot/delivery/batches/held_for_state")
            self.decisions = []
            return
        if refused:
            from ..exitcodes import UNDELIVERED, fail_run
            fail_run(self.crawler, UNDELIVERED, f"batch {meta.key} ({meta.items} items) left uncommitted: "
                     f"{refused[0].getErrorMessage()}")
            return
        try:
            await run_in_thread(run.spool.commit_batch, meta, file)
        except OSError as exc:
            # Its data is whole and fsynced: the batch is kept where it is (the next run salvages
            # writing/ and delivers ready/), and so are its items' decisions.
            run.spool.release_batch(meta)
            folder = run.spool.ready / meta.key
            kept_in = folder if folder.is_dir() else run.spool.writing / meta.key
            run.spool_failed(meta, exc, kept_in=str(kept_in.parent))
            run.spooled_uris.add(self.uri)
            run.feeds[meta.feed].append(meta)
            self.decisions = []
            return
        self.decisions = []   # kept: the decisions stand
        run.record_spooled(meta)
        run.feeds[meta.feed].append(meta)
        outcome: Outcome = await run_in_thread(run.deliverer.deliver, meta)
        if not outcome.delivered:
            run.spooled_uris.add(self.uri)
        run.record(outcome)

    async def _not_kept(self, run: DeliveryRun, meta: BatchMeta, cause: OSError) -> None:
        """The batch could not be written whole. A JSON Lines batch keeps the items written before
        the failure (cut back to whole lines, left in writing/ for the next run's salvage); the
        rest is emptied and its items' decisions are taken back, so the next run crawls them
        again rather than skipping articles delivered nowhere. Keeping what was written matters
        when the state is on the same full disk: taking a decision back is a write too."""
        from ..dedup.pending import PendingDecisions
        written = self._whole_items_written()
        if written and await run_in_thread(run.spool.keep_written_lines, meta, self.file.size):
            run.spool_failed(replace(meta, items=written), cause, kept_in=str(run.spool.writing))
            run.feeds[meta.feed].append(replace(meta, items=written))
            meta = replace(meta, items=meta.items - written)
        elif self.file is not None:
            written = 0
            emptied = await run_in_thread(run.spool.discard_batch, meta)
            if not emptied:
                logger.warning("could not empty unspooled batch %s; the next run may deliver part of it "
                               "as well as crawl it again", meta.key)
        taken_back = [d for d, place in zip(self.decisions, self.places) if place >= written]
        not_forgotten = 0
        pending = PendingDecisions.of(self.crawler)
        try:
            # In the reactor thread, as every other use of the state: its connection is not
            # shared across threads (a rare path; a few statements per item).
            pending.undo(taken_back)
        except Exception as exc:   # the state failed too: say how many stay recorded
            stuck = pending.durable(taken_back)
            not_forgotten = len(stuck)
            run.note_spool_cause(exc, where="dedup state: ")
            for decision in stuck:
                logger.error("not delivered, yet recorded in the dedup state (the next run skips it; "
                             "`scrapy dedup forget %s` lets it crawl it again)", decision.key)
        self.decisions, self.places = [], []
        if meta.items:
            run.spool_failed(meta, cause, not_forgotten=not_forgotten, uri=self.uri)

    def _whole_items_written(self) -> int:
        """Items whole in the batch's data: its complete lines, for an unprocessed JSON Lines feed."""
        if self.file is None or self.feed_options.get("format") not in ("jsonlines", "jsonl") \
                or self.feed_options.get("postprocessing") or self.meta.target.endswith(".gz"):
            return 0
        return min(self.file.lines, self.items_noted)

    def _item_count(self) -> int:
        if self.error is not None or (self.file is not None and self.file.error is not None):
            return self.items_noted   # nothing to count in a file that took nothing
        # FeedSlot counts the items; find the slot that writes to our file.
        for ext in getattr(self.crawler.extensions, "middlewares", ()):
            for slot in getattr(ext, "slots", ()) or ():
                if getattr(slot, "storage", None) is self:
                    return int(slot.itemcount)
        # The slot already left FeedExporter.slots (batch rollover): count the lines we wrote.
        return self._count_lines()

    def _count_lines(self) -> int:
        assert self.file is not None and self.meta is not None
        try:
            self.file.finish()
        except OSError:
            return self.items_noted
        path = Path(self.file.name)
        if self.meta.target.endswith(".gz"):
            import gzip
            with gzip.open(path, "rb") as f:
                return sum(1 for _ in f)
        with open(path, "rb") as f:
            return sum(1 for _ in f)


class _Discard(WriteOnlyStream):
    """What the exporter writes a batch into when the spool could not open it: takes everything,
    keeps nothing (the storage reports the batch as not kept)."""

    name = "<not spooled>"
    closed = False

    def __init__(self):
        self.size = 0

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True
