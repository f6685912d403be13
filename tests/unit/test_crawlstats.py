"""newsbot.crawlstats.CrawlStatsCollector: the same stats as Scrapy's MemoryStatsCollector, and the
same warning for a `spider` argument, read without Scrapy's per-access wrapper."""

from __future__ import annotations

import warnings

import pytest
from scrapy import Spider
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newsbot.crawlstats import CrawlStatsCollector


def exercise(stats) -> dict:
    stats.open_spider()
    stats.inc_value("a")
    stats.inc_value("a", 2)
    stats.inc_value("b", 1, start=10)
    stats.set_value("c", "x")
    stats.max_value("m", 3)
    stats.max_value("m", 1)
    stats.min_value("n", 3)
    stats.min_value("n", 5)
    stats.inc_value("gone")
    got = {"a": stats.get_value("a"), "missing": stats.get_value("missing", "default")}
    snapshot = dict(stats.get_stats())
    stats.clear_stats()
    stats.set_stats({"kept": 1})
    return {"got": got, "snapshot": snapshot, "after": dict(stats.get_stats())}


def test_same_stats_as_scrapys_collector():
    ours, scrapys = (exercise(cls(get_crawler())) for cls in (CrawlStatsCollector, MemoryStatsCollector))
    assert ours == scrapys
    assert ours["snapshot"] == {"a": 3, "b": 11, "c": "x", "m": 3, "n": 3, "gone": 1}


@pytest.mark.parametrize("call", [
    lambda s, spider: s.inc_value("a", spider=spider),
    lambda s, spider: s.set_value("a", 1, spider=spider),
    lambda s, spider: s.get_value("a", spider=spider),
    lambda s, spider: s.max_value("a", 1, spider=spider),
    lambda s, spider: s.get_stats(spider=spider),
])
def test_a_spider_argument_is_still_deprecated(call):
    def warned(stats, spider) -> list[tuple[type, str]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(stats, spider)
        return [(w.category, str(w.message)) for w in caught]

    ours, scrapys = CrawlStatsCollector(get_crawler()), MemoryStatsCollector(get_crawler())
    [(category, message)] = warned(ours, Spider("s"))
    assert category is ScrapyDeprecationWarning and "'spider' argument" in message
    assert len(warned(scrapys, Spider("s"))) == 1                  # Scrapy's own warns once too
    assert ours.get_stats() == scrapys.get_stats()                 # and the call still did its work
    assert warned(ours, None) == []


def test_the_crawl_uses_it_and_keeps_the_closed_spiders_stats():
    settings = Settings()
    settings.setmodule("newsbot.settings")
    crawler = get_crawler(Spider, settings_dict={"STATS_CLASS": settings["STATS_CLASS"]})
    assert type(crawler.stats) is CrawlStatsCollector
    crawler.spider = Spider("s")
    crawler.stats.inc_value("items")
    crawler.stats.close_spider(reason="finished")
    assert crawler.stats.spider_stats["s"] == {"items": 1}
