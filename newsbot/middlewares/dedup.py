"""Skip article pages newsbot already has, before downloading them.

Only requests marked `newsbot_article` (PoliticsSpider.article_request) are checked; listing pages,
feeds and sitemaps never carry the mark and are always fetched. A known article is fetched again
once its last fetch is older than NEWSBOT_DEDUP_REFETCH_HOURS, to catch updates.
"""

from __future__ import annotations

import logging
import time

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from ..dedup.crawler import crawler_store
from ..leases import UNDELIVERED
from ..urls import canonical_url

logger = logging.getLogger(__name__)


class KnownArticleMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.store = crawler_store(crawler)
        hours = crawler.settings.get("NEWSBOT_DEDUP_REFETCH_HOURS")
        self.refetch_seconds = None if hours in (None, "") or float(hours) < 0 else float(hours) * 3600

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    def process_request(self, request: Request):
        if not request.meta.get("newsbot_article") or request.meta.get("newsbot_dedup_refetch"):
            return None
        if request.meta.get(UNDELIVERED):
            # A fleet worker recorded this article and died before delivering it (newsbot/leases/).
            return None
        last_seen = self.store.last_seen_for_url(canonical_url(request.url))
        if last_seen is None:
            return None
        if self.refetch_seconds is not None and time.time() - last_seen >= self.refetch_seconds:
            self.crawler.stats.inc_value("newsbot/dedup/refetched")
            return None
        self.crawler.stats.inc_value("newsbot/dedup/skipped_known_url")
        logger.debug("skipping known article %s", request.url)
        raise IgnoreRequest(f"known article: {request.url}")
