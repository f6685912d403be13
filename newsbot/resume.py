"""Crash-safe resumption of a crawl run with Scrapy's JOBDIR: nothing lost, nothing delivered twice.

Scrapy's JOBDIR keeps the pending-request queue and the seen-requests file, but both are only
consistent after a clean stop (Ctrl-C, CLOSESPIDER_*): after SIGKILL, an OOM kill or a power
cut the queue index is stale (its requests are lost or replayed) and requests.seen holds
requests that were never answered (so their articles would be filtered out forever). newsbot
therefore keeps its own record and treats a killed run's queue as untrustworthy:

- `newsbot-delivered.txt` in JOBDIR lists every article URL handed to delivery, appended and
  fsync'd right after the feed exporters wrote (and flushed and fsync'd) the item;
- `newsbot-running` marks a run in progress; finding it at start-up means the previous run
  died: its requests.queue and requests.seen are moved aside (crashed-<time>/), the spider's
  start requests rediscover the articles, and the ledger skips the delivered ones both before
  download (newsbot/resume/skipped_delivered) and at the end of the pipelines
  (newsbot/resume/dropped_delivered).

Local JSON Lines feeds are themselves part of the record: their paths are kept in
`newsbot-feeds.txt`, and at start-up every whole line of those files counts as delivered, so a
kill between an item's line and its ledger entry repeats nothing either. So is the delivery
spool: every whole line of the spider's spooled batches (a killed run's open batch included,
which the next run salvages and delivers) counts as delivered. Outside both, the ledger alone
decides; the gap is then two back-to-back write() calls (both fsync'd after).

Only active with JOBDIR.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import weakref
from pathlib import Path
from urllib.parse import unquote, urlsplit

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured
from scrapy.http import Response

from .delivery.spool import Spool, spool_dir

logger = logging.getLogger(__name__)

LEDGER = "newsbot-delivered.txt"
FEEDS = "newsbot-feeds.txt"
RUNNING = "newsbot-running"
JSON_LINES = ("jsonl", "jsonlines")
_ledgers: weakref.WeakKeyDictionary[Crawler, DeliveryLedger] = weakref.WeakKeyDictionary()


def _fsync(file) -> None:
    try:
        file.flush()
        os.fsync(file.fileno())
    except (AttributeError, OSError, ValueError):
        pass  # not a local file (S3 buffers, post-processing wrappers): its storage is responsible


class DeliveryLedger:
    """Extension: the record of delivered article URLs of one JOBDIR job."""

    def __init__(self, crawler: Crawler, jobdir: Path):
        self.crawler = crawler
        self.jobdir = jobdir
        jobdir.mkdir(parents=True, exist_ok=True)
        self.path = jobdir / LEDGER
        self.delivered: set[str] = set()
        # URLs of items past the last pipeline but not yet recorded (item_scraped comes next).
        self.claimed: set[str] = set()
        if self.path.exists():
            # A line cut short by a kill has no newline: it was never committed.
            text = self.path.read_text("utf-8")
            self.delivered = {line for line in text.split("\n")[:-1] if line}
        self.delivered |= self._urls_in_local_feeds()
        spider_name = getattr(crawler.spidercls, "name", None)
        if spider_name and spool_dir(crawler.settings).is_dir():
            self.delivered |= Spool.from_settings(crawler.settings).spooled_urls(spider_name)
        self._recover_after_crash()
        (jobdir / RUNNING).write_text(str(os.getpid()))
        self.file = self.path.open("a", encoding="utf-8")
        self.error: OSError | None = None   # the ledger's first failed write
        self.unrecorded = 0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeliveryLedger:
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir or not crawler.settings.getbool("NEWSBOT_RESUME_LEDGER", True):
            raise NotConfigured  # silently: most runs have no JOBDIR
        ledger = cls(crawler, Path(jobdir))
        _ledgers[crawler] = ledger
        return ledger

    def _recover_after_crash(self) -> None:
        marker = self.jobdir / RUNNING
        if not marker.exists():
            return
        aside = self.jobdir / f"crashed-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        moved = []
        for name in ("requests.queue", "requests.seen"):
            if (self.jobdir / name).exists():
                aside.mkdir(exist_ok=True)
                shutil.move(str(self.jobdir / name), str(aside / name))
                moved.append(name)
        self.crawler.stats.inc_value("newsbot/resume/after_crash")
        logger.warning("the previous run with JOBDIR %s did not stop cleanly; its %s moved to %s; "
                       "%d delivered articles will be skipped, the rest rediscovered",
                       self.jobdir, " and ".join(moved) or "state", aside, len(self.delivered))

    def _urls_in_local_feeds(self) -> set[str]:
        urls: set[str] = set()
        index = self.jobdir / FEEDS
        if not index.exists():
            return urls
        for path in dict.fromkeys(index.read_text("utf-8").split("\n")[:-1]):
            try:
                text = Path(path).read_text("utf-8", errors="replace")
            except OSError:
                continue
            for line in text.split("\n")[:-1]:  # a last line without newline is half an item
                try:
                    url = json.loads(line).get("url")
                except (ValueError, AttributeError):
                    continue
                if isinstance(url, str):
                    urls.add(url)
        return urls

    def _feed_slots(self):
        for extension in self.crawler.extensions.middlewares:
            yield from getattr(extension, "slots", None) or ()

    def spider_opened(self, spider) -> None:
        paths = []
        for slot in self._feed_slots():
            parts = urlsplit(getattr(slot, "uri", "") or "")
            if parts.scheme in ("", "file") and getattr(slot, "format", "") in JSON_LINES:
                paths.append(str(Path(unquote(parts.path if parts.scheme else slot.uri)).resolve()))
        if paths:
            with (self.jobdir / FEEDS).open("a", encoding="utf-8") as index:
                index.write("".join(p + "\n" for p in paths))
                _fsync(index)

    def is_delivered(self, url: str) -> bool:
        return url in self.delivered

    def item_scraped(self, item, response: Response, spider) -> None:
        # The feed exporters have just written the item (into their buffers): hand it to the OS,
        # record it right after, and only then pay for the fsyncs.
        files = [f for f in (getattr(slot, "file", None) for slot in self._feed_slots()) if f is not None]
        for file in files:
            try:
                file.flush()
            except (AttributeError, OSError, ValueError):
                pass
        urls = {ItemAdapter(item).get("url"), response.url, response.request.url if response.request else None}
        urls |= set(response.request.meta.get("redirect_urls", [])) if response.request else set()
        new = sorted(u for u in urls if u and u not in self.delivered)
        if new:
            self.delivered.update(new)
            if self.error is None:
                try:
                    self.file.write("".join(u + "\n" for u in new))
                    self.file.flush()
                except OSError as exc:
                    # The item is written to its feed all the same; only a restart after a crash
                    # could repeat it. Said once, at the end (spider_closed), not per item.
                    self.error = exc
            if self.error is not None:
                self.unrecorded += 1
        for file in [*files, self.file]:
            _fsync(file)

    def spider_closed(self, spider, reason: str) -> None:
        try:
            self.file.close()
        except OSError as exc:
            self.error = self.error or exc
        if self.error is not None:
            from .exitcodes import UNDELIVERED, fail_run
            fail_run(self.crawler, UNDELIVERED,
                     f"the resume ledger {self.path} could not be written ({type(self.error).__name__}: "
                     f"{self.error.strerror or self.error}): {self.unrecorded} delivered item(s) not recorded in "
                     f"it; they are in their feeds, but a restart after a crash with this JOBDIR may deliver "
                     f"them again")
        if reason == "finished" or reason.startswith("closespider") or reason == "shutdown":
            (self.jobdir / RUNNING).unlink(missing_ok=True)


def ledger_of(crawler: Crawler) -> DeliveryLedger | None:
    return _ledgers.get(crawler)


class SkipDeliveredMiddleware:
    """Downloader middleware: do not fetch again an article already delivered in this job."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipDeliveredMiddleware:
        if not crawler.settings.get("JOBDIR"):
            raise NotConfigured  # silently: most runs have no JOBDIR
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        ledger = ledger_of(self.crawler)
        if ledger and request.meta.get("newsbot_article") and ledger.is_delivered(request.url):
            self.crawler.stats.inc_value("newsbot/resume/skipped_delivered")
            raise IgnoreRequest(f"already delivered in this job: {request.url}")
        return None


class SkipDeliveredPipeline:
    """Last pipeline: an item whose article was delivered meanwhile (two requests in flight for
    one article when the run restarted) is dropped instead of written twice."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipDeliveredPipeline:
        return cls(crawler)

    def process_item(self, item):
        ledger = ledger_of(self.crawler)
        url = ItemAdapter(item).get("url")
        if not ledger or not url:
            return item
        if ledger.is_delivered(url) or url in ledger.claimed:
            self.crawler.stats.inc_value("newsbot/resume/dropped_delivered")
            raise DropItem(f"already delivered in this job: {url}")
        ledger.claimed.add(url)
        return item
