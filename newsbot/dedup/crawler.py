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


def crawler_state(crawler: Crawler) -> StateStore:
    """The crawler's NEWSBOT_STATE store, opened once, shared by dedup and learned boilerplate
    (on SQLite: one connection, so they never wait on each other's write lock); flushed on a
    timer and before every feed batch is committed, closed when the spider closes."""
    store = getattr(crawler, _ATTR, None)
    if store is None:
        settings = crawler.settings
        seconds = settings.getfloat("NEWSBOT_STATE_COMMIT_SECONDS", 2.0)
        store = open_store(state_url(settings), commit_every=settings.getint("NEWSBOT_STATE_COMMIT_EVERY", 1000),
                           commit_seconds=seconds)
        setattr(crawler, _ATTR, store)
        logger.info("state: %s", store.location)
        # A quiet crawl must not hold the SQLite write lock (other runs wait on it): flush on a timer.
        flusher = task.LoopingCall(store.flush)

        def start_flusher(spider) -> None:
            flusher.start(seconds, now=False)  # its Deferred fires at stop(): not returned, not awaited
        crawler.signals.connect(start_flusher, signal=signals.spider_opened, weak=False)
        crawler.signals.connect(store.flush, signal=batch_committing, weak=False)

        def close(spider) -> None:
            if flusher.running:
                flusher.stop()
            store.close()
        crawler.signals.connect(close, signal=signals.spider_closed, weak=False)
    return store
