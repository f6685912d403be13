"""Scrapy's check for generator callbacks that return a value, made once per callback per crawl.

With WARN_ON_GENERATOR_RETURN_VALUE (on by default), Scrapy reads and parses a generator
callback's source before it calls it, and keeps the answer in a cache weakly keyed by the bound
method. `self.parse_article` makes a new bound method each time it is read, so every request
holds its own, and the answer goes with the request that stored it: on newsbot's callbacks the
check ran again every few requests, 0.7 ms each. This extension checks each generator method of
the spider when it opens and holds those bound methods until it closes; equal bound methods find
the answer in the cache. The warning, when one is due, is still Scrapy's own, at the call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import is_generator_with_return_value


class CallbackCheckOnce:
    def __init__(self, crawler: Crawler):
        self.checked: list[Callable] = []
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CallbackCheckOnce:
        if not crawler.settings.getbool("WARN_ON_GENERATOR_RETURN_VALUE"):
            raise NotConfigured("WARN_ON_GENERATOR_RETURN_VALUE is off")
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        for name, _ in inspect.getmembers(type(spider), inspect.isgeneratorfunction):
            bound = getattr(spider, name)
            try:
                is_generator_with_return_value(bound)
            except Exception:   # source unreadable or unparsable: Scrapy says so itself, at the call
                continue
            self.checked.append(bound)

    def spider_closed(self, spider) -> None:
        self.checked.clear()
