"""Run one crawl of the local JS site in its own process (Twisted's reactor cannot restart).

    python -m tests.support.render_crawl CONFIG.json RESULT.json

CONFIG: {"urls": [...], "render_listings": true, "render_actions": {...}, "settings": {...},
         "batches": [10, 190],   (optional: start URLs in batches; the browser process tree is
                                  measured whenever the crawl goes idle, before the next batch)
         "measure_idle": false}  (optional: close at the first idle, unmeasured; a benchmark's
                                  elapsed time must not include Scrapy's 5 s idle re-check)
RESULT: {"links": [...], "stats": {...}, "exit_code": N, "idle": [{"processes": .., "pss": ..}]}
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.project import get_project_settings

from newsbot.exitcodes import exit_code_of
from newsbot.rendering.proctree import tree_usage
from newsbot.spiders.base import PoliticsSpider


def run(config: dict[str, Any]) -> dict[str, Any]:
    links: set[str] = set()
    idle: list[dict[str, Any]] = []
    urls = list(config["urls"])
    batches = list(config.get("batches") or [len(urls)])

    class JsSiteSpider(PoliticsSpider):
        name = "jssite"
        allowed_domains = ["127.0.0.1"]
        article_links = "li.card a::attr(href)"
        article_url_pattern = r"/articles/\d+$"
        render_listings = config.get("render_listings", True)
        render_actions = config.get("render_actions", {})
        measuring = measured_final = False

        @classmethod
        def from_crawler(cls, crawler, *args, **kwargs):
            spider = super().from_crawler(crawler, *args, **kwargs)
            crawler.signals.connect(spider.on_idle, signals.spider_idle)
            return spider

        async def start(self):
            for url in urls[: batches[0]]:
                yield scrapy.Request(url, callback=self.parse_listing, dont_filter=True,
                                     meta=self.listing_meta(url))
            del urls[: batches.pop(0)]

        def article_request(self, url: str, **meta: Any):
            links.add(url)  # discovery is what is tested; articles are not fetched
            return None

        def parse_listing(self, response):
            for request in super().parse_listing(response):
                if request is not None:
                    yield request

        def on_idle(self) -> None:
            # Measure without blocking the reactor: pages and contexts close asynchronously on the
            # same event loop, and Chromium needs a moment to reap its renderers.
            if self.measuring:
                raise DontCloseSpider
            if self.measured_final or not config.get("measure_idle", True):
                return
            self.measuring = True
            from twisted.internet import reactor
            reactor.callLater(float(config.get("settle", 0)), self.measure, None, 0)
            raise DontCloseSpider

        def measure(self, previous: int | None, polls: int) -> None:
            from twisted.internet import reactor
            usage = tree_usage(os.getpid(), include_root=False)
            if usage.processes != previous and polls < 20:  # still changing: look again shortly
                reactor.callLater(0.5, self.measure, usage.processes, polls + 1)
                return
            idle.append({"processes": usage.processes, "pss": usage.pss_bytes, "rss": usage.rss_bytes,
                         "names": list(usage.names)})
            self.measuring = False
            if urls and batches:
                for url in urls[: batches[0]]:
                    self.crawler.engine.crawl(scrapy.Request(url, callback=self.parse_listing, dont_filter=True,
                                                             meta=self.listing_meta(url)))
                del urls[: batches.pop(0)]
            else:
                self.measured_final = True

    settings = get_project_settings()
    settings.setdict({"LOG_LEVEL": "INFO", "ROBOTSTXT_OBEY": False, "AUTOTHROTTLE_ENABLED": False,
                      "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
                      **config.get("settings", {})}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(JsSiteSpider)
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str, list))}
    return {"links": sorted(links), "stats": stats, "exit_code": exit_code_of(crawler), "idle": idle,
            "after": tree_usage(os.getpid(), include_root=False).processes}


if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        cfg = json.load(fh)
    result = run(cfg)
    with open(sys.argv[2], "w") as fh:
        json.dump(result, fh, default=str)
