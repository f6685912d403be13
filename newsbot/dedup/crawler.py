"""One state store per crawler, shared by the dedup middleware and pipeline."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from .store import StateStore, open_store, state_url

logger = logging.getLogger(__name__)
_ATTR = "_newsbot_dedup_store"


def crawler_store(crawler: Crawler) -> StateStore:
    """The crawler's store, opened once; closed when the spider closes."""
    if not crawler.settings.getbool("NEWSBOT_DEDUP_ENABLED", True):
        raise NotConfigured("NEWSBOT_DEDUP_ENABLED is off")
    store = getattr(crawler, _ATTR, None)
    if store is None:
        store = open_store(state_url(crawler.settings))
        setattr(crawler, _ATTR, store)
        logger.info("dedup state: %s", store.location)
        crawler.signals.connect(lambda spider: store.close(), signal=signals.spider_closed, weak=False)
    return store
