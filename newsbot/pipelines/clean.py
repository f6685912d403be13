"""Body cleaning: template junk by rule packs (CleanBody) and by what recurs across an outlet's
articles (LearnedBoilerplate). Both count removed paragraphs in stats `newsbot/junk/<rule>`."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from ..cleaning import TextCleaner, precomputed
from ..cleaning.boilerplate import BoilerplateLearner, open_boilerplate_store
from ..dedup.crawler import crawler_state
from ..dedup.store import state_url
from ..parsing.text import join_cleaned_paragraphs, paragraphs_of
from .base import StatelessPipeline

logger = logging.getLogger(__name__)


class CleanBodyPipeline(StatelessPipeline):
    """Every item, whatever produced its body, loses the paragraphs the rule packs call template."""

    def process_item(self, item):
        adapter = ItemAdapter(item)
        outlet, language, body = adapter.get("outlet"), adapter.get("language"), adapter.get("body")
        cleaner = TextCleaner.for_outlet(outlet, language)
        found = precomputed.take(item)   # by the extraction worker, if one read the page
        kept, removed = cleaner.clean(
            paragraphs_of(body), title=adapter.get("title"), standfirst=adapter.get("standfirst"),
            authors=adapter.get("authors") or (), section=adapter.get("section"), tags=adapter.get("tags") or (),
            matches=found.rules_for(cleaner, outlet, language, body) if found is not None else None,
        )
        for rule, count in removed.items():
            self.stats.inc_value(f"newsbot/junk/{rule}", count)
        adapter["body"] = join_cleaned_paragraphs(kept) or None
        return item


def state_is_sqlite(settings) -> bool:
    return state_url(settings).startswith("sqlite:")


class LearnedBoilerplatePipeline:
    """A paragraph found in NEWSBOT_BOILERPLATE_MIN_ARTICLES articles of one outlet is template.

    Learns during the crawl and persists what it learned in the NEWSBOT_STATE store, so the next
    scheduled run removes an outlet's template from its first item. Not offline-safe: one page
    alone teaches nothing, and `python -m newsbot.extract` must not write crawl state.
    """

    offline_safe = False

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.enabled = settings.getbool("NEWSBOT_BOILERPLATE_ENABLED", True)
        self.learner: BoilerplateLearner | None = None
        if self.enabled:
            self.learner = BoilerplateLearner(
                # On SQLite, the crawl's own state connection (dedup writes there too); Redis
                # connects lazily, so a server that is down costs cleaning only, not the crawl.
                open_boilerplate_store(settings, state=crawler_state(crawler) if state_is_sqlite(settings) else None),
                min_articles=settings.getint("NEWSBOT_BOILERPLATE_MIN_ARTICLES", 4),
                window_days=settings.getint("NEWSBOT_BOILERPLATE_WINDOW_DAYS", 30),
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    def close_spider(self, spider=None) -> None:
        if self.learner is not None:
            self.learner.close()

    def process_item(self, item):
        if self.learner is None:
            return item
        adapter = ItemAdapter(item)
        outlet = adapter.get("outlet")
        paragraphs = paragraphs_of(adapter.get("body"))
        if not outlet or not paragraphs:
            return item
        article = adapter.get("canonical_url") or adapter.get("url") or ""
        try:
            template = self.learner.observe(outlet, article, paragraphs)
        except Exception as exc:  # state store down: the item still goes out, only less clean
            logger.warning("learned boilerplate unavailable (%s): %s", type(exc).__name__, exc)
            self.stats.inc_value("newsbot/boilerplate/errors")
            return item
        if template:
            kept = [p for i, p in enumerate(paragraphs) if i not in template]
            if not kept:  # a body that is all template is not an article body we should empty
                return item
            self.stats.inc_value("newsbot/junk/learned_boilerplate", len(template))
            adapter["body"] = join_cleaned_paragraphs(kept)
        return item
