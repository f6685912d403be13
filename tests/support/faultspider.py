"""The spider of the fault crawls: a generic outlet on the fault site (tests/support/faultsite.py).

Run with `scrapy runspider tests/support/faultspider.py -a site=http://127.0.0.1:PORT -a stats_file=...`;
`-a jobs=1` crawls only the crash-safety job listing.
"""

from __future__ import annotations

import json

from newsbot.spiders.base import PoliticsSpider


class FaultSpider(PoliticsSpider):
    name = "faultsite"
    outlet = "faultsite"
    # No allowed_domains: Scrapy's offsite filter would then refuse redirects to other hosts before
    # newsbot's private-address guard is reached, and the guard is what these tests prove.
    article_url_pattern = r"/a/"
    selectors = {"title": "article h1", "body": "article p"}

    def __init__(self, site: str, stats_file: str | None = None, jobs: str = "", **kwargs):
        super().__init__(**kwargs)
        self.stats_file = stats_file
        if jobs:
            self.section_urls = [f"{site}/jobs/section"]
            self.feed_urls, self.sitemap_urls = [], []
        else:
            self.section_urls = [f"{site}/section"]
            self.feed_urls = [f"{site}/feed/good.xml", f"{site}/feed/billion-laughs.xml", f"{site}/feed/xxe.xml"]
            self.sitemap_urls = [f"{site}/sitemap/billion-laughs.xml", f"{site}/sitemap/xxe.xml"]

    def article_request(self, url: str, **meta):
        request = super().article_request(url, **meta)
        if url.endswith("/a/slow"):
            # The one setting the fault crawl changes, for the slow route only (Scrapy's
            # per-request form of DOWNLOAD_TIMEOUT): under the default 30 s its 10 s of dribbled
            # body would end as a truncated body, never a timeout, and a route slow enough for
            # 30 s would make its 4 attempts take minutes. 1.5 s tests the timeout in bounded
            # time; every other request keeps the default 30 s.
            request.meta["download_timeout"] = 1.5
        return request

    @classmethod
    def handles_url(cls, url: str) -> bool:
        return url.startswith("http://127.0.0.1:")

    def closed(self, reason: str) -> None:
        if self.stats_file:
            stats = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
            stats["finish_reason"] = reason
            with open(self.stats_file, "w", encoding="utf-8") as f:
                json.dump(stats, f, indent=1, sort_keys=True)
