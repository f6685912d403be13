"""The NEWSBOT_STATE store is opened and checked once, while the crawler is built: before the
engine opens the spider (and its feed files), before any request.

A store that cannot be opened, read or written stops the run with one line saying what to do and
exit 6, instead of a traceback per request and a run that "succeeds" without remembering anything.
A state that does not exist yet is created, with one warning: every article found is new to it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from ..config import ConfigError
from ..dedup.crawler import crawler_state
from ..dedup.store import state_url, what_to_do
from ..distributed import is_distributed

logger = logging.getLogger(__name__)


def uses_state(settings) -> bool:
    return any(settings.getbool(name) for name in ("NEWSBOT_DEDUP_ENABLED", "NEWSBOT_BOILERPLATE_ENABLED")) \
        or is_distributed(settings)


def sqlite_path(url: str) -> Path | None:
    return Path(url.split("://", 1)[1].removeprefix("/")) if url.startswith("sqlite://") else None


class StateCheck:
    def __init__(self, crawler: Crawler):
        url = state_url(crawler.settings)
        path = sqlite_path(url)
        new = path is not None and (not path.exists() or path.stat().st_size == 0)
        try:
            store = crawler_state(crawler)    # the crawler's one store: dedup and boilerplate share it
            store.verify()
        except Exception as exc:
            raise ConfigError(what_to_do(url, exc)) from exc
        if new:
            logger.warning("state %s is new: every article this run finds is treated as new (and delivered)",
                           store.location)
            self.crawler, self.location = crawler, store.location
            crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_closed(self, spider) -> None:
        # How many the new state let through: what a deleted state costs, in articles.
        count = self.crawler.stats.get_value("newsbot/dedup/new", 0)
        logger.warning("state %s was new: %d article(s) treated as new", self.location, count)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StateCheck:
        if not uses_state(crawler.settings) or crawler.settings.getbool("NEWSBOT_CHECKING"):
            raise NotConfigured
        return cls(crawler)
