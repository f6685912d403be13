"""The resume ledger of a JOBDIR job (the DeliveryLedger extension): which article URLs were
handed to delivery, kept durable next to the feeds, so a run that restarts after a crash neither
loses nor repeats one; and the crash recovery itself (a killed run's queue is moved aside).

The middleware and the pipeline that act on it find it with `ledger_of(crawler)`.
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
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from ..delivery.spool import Spool, spool_dir

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
            from ..exitcodes import UNDELIVERED, fail_run
            fail_run(self.crawler, UNDELIVERED,
                     f"the resume ledger {self.path} could not be written ({type(self.error).__name__}: "
                     f"{self.error.strerror or self.error}): {self.unrecorded} delivered item(s) not recorded in "
                     f"it; they are in their feeds, but a restart after a crash with this JOBDIR may deliver "
                     f"them again")
        if reason == "finished" or reason.startswith("closespider") or reason == "shutdown":
            (self.jobdir / RUNNING).unlink(missing_ok=True)


def ledger_of(crawler: Crawler) -> DeliveryLedger | None:
    return _ledgers.get(crawler)
