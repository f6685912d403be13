"""One state store per crawler, shared by the dedup middleware and pipeline and learned boilerplate."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from ..signals import batch_committing
from .store import StateStore, open_store, state_url

logger = logging.getLogger(__name__)
_ATTR = "_newsbot_dedup_store"


def crawler_store(crawler: Crawler) -> StateStore:
    """The crawler's state store for deduplication (NotConfigured when dedup is off)."""
    if not crawler.settings.getbool("NEWSBOT_DEDUP_ENABLED", True):
        raise NotConfigured("NEWSBOT_DEDUP_ENABLED is off")
    return crawler_state(crawler)


# SQLite states open in this process, by URL: [store, crawlers using it].
_SHARED_SQLITE: dict[str, list] = {}


def _open_shared(url: str, settings) -> tuple[StateStore, list | None]:
    """One SQLite connection per state file in a process. Crawlers of one process (`scrapy
    crawlall`) run on one thread: a write transaction one keeps open between commits would make
    another's BEGIN wait out the busy timeout on that thread, the holder's commit timer included
    (a deadlock that ended only after 60 s, then started again)."""
    shareable = url.startswith("sqlite://")
    entry = _SHARED_SQLITE.get(url) if shareable else None
    if entry is None or entry[0].closed:
        store = open_store(url, commit_every=settings.getint("NEWSBOT_STATE_COMMIT_EVERY", 1000),
                           commit_seconds=settings.getfloat("NEWSBOT_STATE_COMMIT_SECONDS", 2.0))
        logger.info("state: %s", store.location)
        if not shareable:
            return store, None
        entry = _SHARED_SQLITE[url] = [store, 0]
    entry[1] += 1
    return entry[0], entry


def crawler_state(crawler: Crawler) -> StateStore:
    """The crawler's NEWSBOT_STATE store, opened once, shared by dedup and learned boilerplate
    (on SQLite: one connection, so they never wait on each other's write lock; also with the other
    crawlers of the process that use the same file); flushed on a timer and before every feed
    batch is committed, closed when the (last) crawler using it stops."""
    store = getattr(crawler, _ATTR, None)
    if store is None:
        settings = crawler.settings
        seconds = settings.getfloat("NEWSBOT_STATE_COMMIT_SECONDS", 2.0)
        url = state_url(settings)
        store, shared = _open_shared(url, settings)
        setattr(crawler, _ATTR, store)
        writes = _StateWrites(crawler, store)
        # A quiet crawl must not hold the SQLite write lock (other runs wait on it): flush on a timer.
        flusher = task.LoopingCall(writes.flush)

        def start_flusher(spider) -> None:
            flusher.start(seconds, now=False)  # its Deferred fires at stop(): not returned, not awaited
        crawler.signals.connect(start_flusher, signal=signals.spider_opened, weak=False)
        crawler.signals.connect(writes.flush, signal=batch_committing, weak=False)

        def spider_closed(spider) -> None:
            if flusher.running:
                flusher.stop()
            writes.flush()
            writes.report()

        def close() -> None:
            # Not at spider_closed: the feed batches are stored while its handlers run, and a batch
            # the spool could not take undoes its items' decisions (newsbot.dedup.pending).
            if flusher.running:
                flusher.stop()
            if shared is not None:
                shared[1] -= 1
                if shared[1] > 0:
                    writes.flush()    # another crawler of this process still writes to it
                    writes.report()
                    return
                if _SHARED_SQLITE.get(url) is shared:
                    del _SHARED_SQLITE[url]
            writes.flush(close=True)
            writes.report()
        crawler.signals.connect(spider_closed, signal=signals.spider_closed, weak=False)
        crawler.signals.connect(close, signal=signals.engine_stopped, weak=False)
    return store


class _StateWrites:
    """Commits the state's grouped decisions. A commit the state refuses (disk full, read-only
    file, Redis gone) is logged once, not as a traceback per timer tick, and ends the run with
    exit 4 and one line: the decisions of that group are not recorded, so the next run may
    deliver those articles again."""

    def __init__(self, crawler: Crawler, store: StateStore):
        self.crawler, self.store = crawler, store
        self.error: Exception | None = None
        self.reported = False

    def flush(self, *args, close: bool = False, **kwargs) -> None:
        try:
            self.store.close() if close else self.store.flush()
        except Exception as exc:
            self.crawler.stats.inc_value("newsbot/state/write_failed")
            if self.error is None:
                self.error = exc
                logger.error("the state %s could not be written (%s: %s)", self.store.location,
                             type(exc).__name__, exc)

    def report(self) -> None:
        if self.error is None or self.reported:
            return
        self.reported = True
        from ..exitcodes import UNDELIVERED, fail_run
        fail_run(self.crawler, UNDELIVERED,
                 f"the state {self.store.location} could not be written ({type(self.error).__name__}: "
                 f"{self.error}): this run's decisions since its last commit are not recorded, so the next run "
                 f"may deliver those articles again; make the state writable (`scrapy dedup check` checks it)")
