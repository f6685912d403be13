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
from .deadline import DeliveryDeadline, deadline_line
from .spool import BatchMeta, Spool
from .targets import Deliverer, Outcome

_RUNS: "weakref.WeakKeyDictionary[Crawler, DeliveryRun]" = weakref.WeakKeyDictionary()

STAT = "newsbot/delivery/"


class DeliveryRun:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.settings = crawler.settings
        self.spool = Spool.from_settings(crawler.settings)
        self.deadline = DeliveryDeadline.from_settings(crawler.settings)
        self.deliverer = Deliverer(self.spool, crawler.settings, self.deadline)
        now = datetime.now(timezone.utc)
        self.started = now.isoformat(timespec="seconds")
        self.run_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"
        self.batch_offsets: dict[str, int] = {}
        self.last_batch_ids: dict[str, int] = {}
        # feed template -> records of this run's batches, for the manifest
        self.feeds: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.undelivered: list[Outcome] = []
        self.spooled_uris: set[str] = set()   # feed URIs of this run's undelivered batches
        self.unspooled_uris: set[str] = set()  # feed URIs of batches the spool could not take
        # The spool could not be written (see SpooledFeedStorage): what was kept, what was not,
        # reported on one line when the feeds are closed (`report_spool_failures`).
        self.spool_error: OSError | None = None   # set when the batch-id record could not be written
        self.spool_causes: list[str] = []
        self.kept: list[tuple[BatchMeta, str]] = []     # (batch, folder its whole data waits in)
        self.not_kept: list[BatchMeta] = []             # batches discarded; their items are re-crawled
        self.not_forgotten = 0                          # their items the state could not take back
        self.not_cleared: list[BatchMeta] = []          # delivered, but still in the spool
        # Whole in writing/, not delivered: the dedup state could not record their items' decisions.
        self.held: list[BatchMeta] = []
        self.manifests_not_spooled = 0
        self._reported = False
        # Left in the spool because the delivery deadline passed: one line at the end (report_deadline).
        self.past_deadline: dict[str, Outcome] = {}
        self._deadline_reported = False

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
        try:
            self.spool.record_batch_id(spider, batch_id)
        except OSError as exc:
            # Unrecorded, the id could be reused by a later run (overwriting this batch's object):
            # the batch is not kept (SpooledFeedStorage.open sees spool_error), so nothing is lost.
            self.spool_error = exc
        else:
            self.spool_error = None
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
        if outcome.not_cleared:
            self.not_cleared.append(meta)
            if outcome.not_cleared not in self.spool_causes:
                self.spool_causes.append(outcome.not_cleared)
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
            if outcome.deadline:
                self.past_deadline[meta.key] = outcome
                stats.inc_value(STAT + ("deadline/manifests" if meta.kind == "manifest" else "deadline/batches"))
                stats.inc_value(STAT + "deadline/items", meta.items)
                return
            what = "manifest" if meta.kind == "manifest" else f"batch ({meta.items} items)"
            fail_run(self.crawler, UNDELIVERED,
                     f"{what} {meta.key} not delivered to {meta.target}: {outcome.cause}; "
                     f"kept in the spool ({self.spool.ready / meta.key}) and re-sent on the next run or by `scrapy deliver`")

    def report_deadline(self) -> None:
        """One line (exit 4) for every batch and manifest the delivery deadline left in the spool."""
        if self._deadline_reported or not self.past_deadline:
            return
        self._deadline_reported = True
        fail_run(self.crawler, UNDELIVERED, deadline_line(
            self.deadline.seconds, self.past_deadline.values(), self.spool.root,
            "the next run re-sends them at its start, or `scrapy deliver` now; check that the target answers"))

    def spool_failed(self, meta: BatchMeta, cause: BaseException, kept_in: str | None = None,
                     not_forgotten: int = 0, uri: str | None = None) -> None:
        """A batch that could not be committed to the spool: kept (its whole data waits in
        `kept_in` for the next run's salvage) or not (discarded; its decisions were taken back)."""
        stats = self.crawler.stats
        self.note_spool_cause(cause)
        if kept_in is not None:
            self.kept.append((meta, kept_in))
            stats.inc_value(STAT + "items/kept_unspooled", meta.items)
        else:
            self.not_kept.append(meta)
            stats.inc_value(STAT + "items/not_kept", meta.items)
            if uri:
                self.unspooled_uris.add(uri)
        self.not_forgotten += not_forgotten

    def note_spool_cause(self, cause: BaseException, where: str = "") -> None:
        # The errno's words, not the paths: the line names the spool folder once.
        detail = cause.strerror if isinstance(cause, OSError) and cause.strerror else cause
        text = f"{where}{type(cause).__name__}: {detail}"
        if text not in self.spool_causes:
            self.spool_causes.append(text)

    def report_spool_failures(self) -> None:
        """One line (exit 4) for everything the spool could not take this run, however many items."""
        if self._reported:
            return
        if not (self.kept or self.not_kept or self.not_cleared or self.manifests_not_spooled):
            return
        parts = []
        if self.kept:
            folders = sorted({folder for _, folder in self.kept})
            parts.append(f"{sum(m.items for m, _ in self.kept)} item(s) in {len(self.kept)} batch(es) kept in "
                         f"{folders[0] if len(folders) == 1 else self.spool.root}: the next run or "
                         f"`scrapy deliver` delivers them once the spool is writable")
        if self.not_kept:
            items = sum(m.items for m in self.not_kept)
            text = f"{items} item(s) in {len(self.not_kept)} batch(es) not kept: "
            if self.not_forgotten:
                text += (f"{self.not_forgotten} of them could not be taken back from the dedup state, "
                         f"so the next run skips them (`scrapy dedup forget URL` lets it crawl one again); "
                         f"the next run crawls the others again")
            else:
                text += "the dedup state forgot them, so the next run crawls them again"
            parts.append(text)
        if self.not_cleared:
            parts.append(f"{len(self.not_cleared)} delivered batch(es) could not be removed from the spool "
                         f"and will be sent again (harmlessly, to the same place)")
        if self.manifests_not_spooled:
            parts.append(f"{self.manifests_not_spooled} manifest(s) not written")
        causes = "; ".join(self.spool_causes) or "see above"
        self._reported = True
        fail_run(self.crawler, UNDELIVERED, f"the spool {self.spool.root} could not be written ({causes}): "
                 + "; ".join(parts))

    def record_spooled(self, meta: BatchMeta) -> None:
        stats = self.crawler.stats
        stats.inc_value(STAT + "batches/spooled")
        stats.inc_value(STAT + "items/spooled", meta.items)
        stats.inc_value(STAT + "bytes/spooled", meta.bytes)
