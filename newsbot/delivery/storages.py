"""Scrapy feed storages (FEED_STORAGES for "", "file" and "s3") that write every batch to the
spool first, then deliver and verify it (newsbot.delivery.targets). `store()` never raises: a
batch that could not be delivered stays in the spool and the run ends with exit code 4."""

from __future__ import annotations

import logging
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
from .spool import BatchMeta, SpoolFile
from .targets import Outcome
from ..signals import BatchNotCommitted, batch_committing

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
            # depends on the fleet's leases (newsbot.leases.fleet_batch_judge).
            self.meta.extra["fleet"] = {"spider": spider.name}
        self.file = run.spool.open_batch(self.meta)
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
        if file is not None:
            await run_in_thread(file.finish)
        results = self.crawler.signals.send_catch_log(batch_committing, batch=meta.key, storage=self,
                                                      dont_log=BatchNotCommitted)
        refused = [r for _, r in results if isinstance(r, Failure) and r.check(BatchNotCommitted)]
        if refused:
            from ..exitcodes import UNDELIVERED, fail_run
            fail_run(self.crawler, UNDELIVERED, f"batch {meta.key} ({meta.items} items) left uncommitted: "
                     f"{refused[0].getErrorMessage()}")
            return
        try:
            await run_in_thread(run.spool.commit_batch, meta, file)
        except OSError as exc:
            # The spool itself failed (disk full?): nothing was delivered and the items are in no
            # whole file, so say so loudly.
            from ..exitcodes import UNDELIVERED, fail_run
            fail_run(self.crawler, UNDELIVERED, f"batch {meta.key} ({meta.items} items) could not be spooled: {exc}")
            return
        run.record_spooled(meta)
        run.feeds[meta.feed].append(meta)
        outcome: Outcome = await run_in_thread(run.deliverer.deliver, meta)
        if not outcome.delivered:
            run.spooled_uris.add(self.uri)
        run.record(outcome)

    def _item_count(self) -> int:
        # FeedSlot counts the items; find the slot that writes to our file.
        for ext in getattr(self.crawler.extensions, "middlewares", ()):
            for slot in getattr(ext, "slots", ()) or ():
                if getattr(slot, "storage", None) is self:
                    return int(slot.itemcount)
        # The slot already left FeedExporter.slots (batch rollover): count the lines we wrote.
        return self._count_lines()

    def _count_lines(self) -> int:
        assert self.file is not None and self.meta is not None
        self.file.finish()
        path = Path(self.file.name)
        if self.meta.target.endswith(".gz"):
            import gzip
            with gzip.open(path, "rb") as f:
                return sum(1 for _ in f)
        with open(path, "rb") as f:
            return sum(1 for _ in f)
