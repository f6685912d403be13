"""One run per spider at a time: an exclusive lock on <NEWSBOT_HOME>/locks/<spider>.lock, or, for a
spider that crawls a site given as an argument (generic -a url=...), one per site:
<NEWSBOT_HOME>/locks/<spider>.<outlet>.lock. Runs of the generic spider for two sites do not block
each other; two runs for one site do.

A second run of the same spider (cron firing while the previous run still crawls, a manual run
next to the scheduled one) does not start: one line naming the holder, exit LOCKED (5).
The lock is an OS file lock (fcntl.flock): it goes away with the process, so a killed run never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from ..config import ConfigError
from ..exitcodes import LOCKED, StartRefused
from ..paths import newsbot_home

logger = logging.getLogger(__name__)


def lock_path(settings, spider_name: str, outlet: str | None = None) -> Path:
    key = spider_name if not outlet or outlet == spider_name else f"{spider_name}.{_UNSAFE.sub('_', outlet)}"
    return newsbot_home(settings) / "locks" / f"{key}.lock"


def run_lock_path(crawler: Crawler) -> Path:
    """The lock of what this run crawls: the spider, and the site when the run was given one (the
    spider instance exists before extensions are built: its outlet is known)."""
    spider = getattr(crawler, "spider", None)
    return lock_path(crawler.settings, crawler.spidercls.name, getattr(spider, "outlet", None))


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


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
        # Taken when the crawler is built, before the engine opens the spider: a run that finds
        # the lock held stops before its feed storages open (an `-O out.jsonl` stays as it was).
        self.lock: RunLock | None = RunLock(run_lock_path(crawler))
        try:
            acquired = self.lock.acquire()
        except OSError as exc:
            raise ConfigError(f"cannot take the run lock {self.lock.path} ({exc.strerror or exc}): make "
                              f"NEWSBOT_HOME writable") from exc
        if not acquired:
            raise StartRefused(LOCKED, f"another run of {crawler.spidercls.name} is in progress (pid "
                                       f"{self.lock.holder()}, lock {self.lock.path}); this run stops without crawling")
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLockExtension:
        if not crawler.settings.getbool("NEWSBOT_LOCK_ENABLED", True):
            raise NotConfigured("NEWSBOT_LOCK_ENABLED is off")
        return cls(crawler)

    def engine_stopped(self) -> None:
        if self.lock is not None:
            self.lock.release()
