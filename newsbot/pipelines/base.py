from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings


class StatelessPipeline:
    """A pipeline configured only by settings and reporting to stats; safe to run offline."""

    offline_safe = True

    def __init__(self, settings: BaseSettings, stats: Any):
        self.settings = settings
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler.settings, crawler.stats)
