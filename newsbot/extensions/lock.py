"""One run per spider at a time: an exclusive lock on <NEWSBOT_HOME>/locks/<spider>.lock.

A second run of the same spider (cron firing while the previous run still crawls, a manual run
next to the scheduled one) closes at once with finish reason `locked` and exits LOCKED (5).
The lock is an OS file lock (fcntl.flock): it goes away with the process, so a killed run never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from scrapy import signals
from twisted.internet import reactor
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from ..exitcodes import LOCKED, fail_run
from ..paths import newsbot_home

logger = logging.getLogger(__name__)


def lock_path(settings, spider_name: str) -> Path:
    return newsbot_home(settings) / "locks" / f"{spider_name}.lock"


class RunLock:
    """An exclusive, non-blocking lock file; `acquire()` returns False when another process holds it."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        try:
            return self.path.read_text().strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class RunLockExtension:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        # Taken when the crawler is built, before the engine can send any request.
        self.lock: RunLock | None = RunLock(lock_path(crawler.settings, crawler.spidercls.name))
        self.locked_out = not self.lock.acquire()
        if self.locked_out:
            self.lock = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLockExtension:
        if not crawler.settings.getbool("NEWSBOT_LOCK_ENABLED", True):
            raise NotConfigured("NEWSBOT_LOCK_ENABLED is off")
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        if not self.locked_out:
            return
        held = RunLock(lock_path(self.crawler.settings, spider.name))
        fail_run(self.crawler, LOCKED, f"another run of {spider.name} is in progress (pid {held.holder()}, "
                                       f"lock {held.path}); this run stops without crawling")
        # Not from inside the spider_opened handler: the engine finishes opening first.
        reactor.callLater(0, lambda: deferred_from_coro(self.crawler.engine.close_spider_async(reason="locked")))

    def engine_stopped(self) -> None:
        if self.lock is not None:
            self.lock.release()
