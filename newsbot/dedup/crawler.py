"""One state store per crawler, shared by the dedup middleware and pipeline and learned boilerplate."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from ..delivery.spool import spool_dir
from ..signals import StateNotDurable, batch_committing
from .store import StateStore, open_store, state_url

logger = logging.getLogger(__name__)
_ATTR = "_newsbot_dedup_store"
_WRITES_ATTR = "_newsbot_state_writes"


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
        writes = StateWrites(crawler, store)
        setattr(crawler, _WRITES_ATTR, writes)
        # A quiet crawl must not hold the SQLite write lock (other runs wait on it): flush on a timer.
        flusher = task.LoopingCall(writes.flush)

        def start_flusher(spider) -> None:
            flusher.start(seconds, now=False)  # its Deferred fires at stop(): not returned, not awaited
        crawler.signals.connect(start_flusher, signal=signals.spider_opened, weak=False)
        crawler.signals.connect(writes.batch_committing, signal=batch_committing, weak=False)
        # After every feed batch is stored: the line counts the batches held back.
        crawler.signals.connect(writes.report, signal=signals.feed_exporter_closed, weak=False)

        def spider_closed(spider) -> None:
            if flusher.running:
                flusher.stop()
            writes.flush()

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


class StateWrites:
    """Commits the state's grouped decisions, and says once, on one line, what a state that refused
    a write (disk full, read-only file, Redis gone) cost: never a traceback per timer tick.

    From the first refusal on, no feed batch is committed (`batch_committing` raises
    StateNotDurable): the decisions of its items may be lost, and delivering it would have the next
    run deliver those articles a second time. Such batches wait, whole, in spool/writing/; the next
    run records their items in the state before it delivers them (newsbot.pipelines.dedup)."""

    def __init__(self, crawler: Crawler, store: StateStore):
        self.crawler, self.store = crawler, store
        self.error: Exception | None = None
        self.reported = False

    def failed(self, exc: Exception) -> None:
        """A write the state refused: a group commit here, or a batch of decisions (dedup pipeline)."""
        self.crawler.stats.inc_value("newsbot/state/write_failed")
        if self.error is None:
            self.error = exc
            logger.error("the state %s could not be written (%s: %s); no feed batch is delivered from now on",
                         self.store.location, type(exc).__name__, exc)
            logger.debug("the state's error", exc_info=exc)

    def flush(self, *args, close: bool = False, **kwargs) -> None:
        try:
            self.store.close() if close else self.store.flush()
        except Exception as exc:
            self.failed(exc)

    def batch_committing(self, *args, **kwargs) -> None:
        self.flush()
        if self.error is not None:
            raise StateNotDurable(f"the state {self.store.location} could not be written "
                                  f"({type(self.error).__name__}: {self.error})")

    def report(self, *args, **kwargs) -> None:
        if self.error is None or self.reported:
            return
        self.reported = True
        stats = self.crawler.stats
        held, batches = (stats.get_value(f"newsbot/delivery/{what}/held_for_state", 0) for what in ("items", "batches"))
        dropped = stats.get_value("newsbot/dedup/state_failed", 0)
        parts = []
        if held:
            parts.append(f"{held} item(s) in {batches} batch(es) held undelivered in {spool_dir(self.crawler.settings) / 'writing'}, "
                         f"since their decisions may be lost: the next run records them in the state, then delivers them")
        if dropped:
            parts.append(f"{dropped} item(s) neither recorded nor emitted: the next run crawls them again")
        if not parts:
            parts.append("this run's decisions since its last commit may not be recorded, so the next run may "
                         "deliver those articles again")
        line = (f"the state {self.store.location} could not be written ({type(self.error).__name__}: "
                f"{self.error}): {'; '.join(parts)}; make it writable (`scrapy dedup check` checks it)")
        if any(stats.get_value(f"newsbot/delivery/items/{what}") for what in ("not_kept", "kept_unspooled")):
            # The spool failed too (one full disk under both): its line, which names the state's
            # error, is the run's one line (exit 4); this says what the state adds to it.
            logger.error("%s", line)
            return
        from ..exitcodes import UNDELIVERED, fail_run
        fail_run(self.crawler, UNDELIVERED, line)


def state_writes(crawler: Crawler) -> StateWrites | None:
    """The crawler's state writer, once its state is open (None before)."""
    return getattr(crawler, _WRITES_ATTR, None)
