"""Any outlet's politics section, for outlets newsbot has no spider for.

    scrapy crawl generic -a url=https://www.example.com/politics [-a section=politics]

Discovery: the section page's links (and its rel="next" pages), the feeds it announces with
<link rel="alternate" type="application/rss+xml|atom+xml">, and the sitemaps the site's robots.txt
lists (news sitemaps preferred in a sitemap index). Articles come from structured data and the
generic extractor; an article is kept when its section, breadcrumbs or URL name the section.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from ..config import ConfigError
from ..parsing.feeds import sitemap_entries
from ..urls import OUTLET_ID, outlet_for_host
from .base import PoliticsSpider

FEED_LINKS = ('link[rel~="alternate"][type="application/rss+xml"]::attr(href), '
              'link[rel~="alternate"][type="application/atom+xml"]::attr(href)')
# Article URLs name the story: a long hyphenated slug, a numeric id or a dated path.
ARTICLE_PATH = re.compile(r"/[^/]*\w+-\w+-\w+-\w+[^/]*/?$|/\d{5,}(?:[/.-]|$)|/(?:19|20)\d\d/\d\d?/")
# Child sitemaps of an index worth reading first: news sitemaps, then the section's own.
MAX_CHILD_SITEMAPS = 3


class GenericSpider(PoliticsSpider):
    name = "generic"
    outlet_name = "Any outlet (generic)"
    required_arguments = ("url",)
    section = None
    next_page = ('a[rel="next"]::attr(href), link[rel="next"]::attr(href), '
                 'a.next::attr(href), .pagination a[aria-label*="Next"]::attr(href)')
    section_filtered_sources = ("listing", "feed", "sitemap")

    def __init__(self, *args: Any, url: str | None = None, section: str | None = None,
                 outlet: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.url = url
        parts = urlsplit(url or "")
        self.host = (parts.hostname or "").lower()
        self.section_path = parts.path.rstrip("/")
        keyword = section or (self.section_path.rsplit("/", 1)[-1] if self.section_path else "")
        self._section_re = re.compile(re.escape(keyword), re.I) if keyword else None
        # The same id `python -m newsbot.extract` gives the site; an instance attribute, so that the
        # items, the run summary and %(outlet)s in feed URIs all name the site, not "generic".
        self.outlet = outlet or (outlet_for_host(self.host) if self.host else self.name)
        self.allowed_domains = [self.host.removeprefix("www.")] if self.host else []

    def profile(self):  # an instance method here: the outlet is known only from -a url
        profile = super().profile()

        return replace(profile, outlet=self.outlet, section=None)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> GenericSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Checked as the crawler is built: a run without a site stops before any feed file opens.
        if not spider.url or urlsplit(spider.url).scheme not in ("http", "https") or not spider.host:
            raise ConfigError(f"generic spider needs -a url=<section URL> (http or https), got {spider.url!r}")
        if not OUTLET_ID.match(spider.outlet):
            raise ConfigError(f"generic spider argument outlet={spider.outlet!r} is not valid: expected lower-case "
                              f"letters, digits and _, starting with a letter")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.url, callback=self.parse_section, meta={"newsbot_page": 1}, dont_filter=True)
        root = f"{urlsplit(self.url).scheme}://{urlsplit(self.url).netloc}"
        yield scrapy.Request(f"{root}/robots.txt", callback=self.parse_robots, dont_filter=True)

    def is_article_url(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        same_site = host == self.host or host.removeprefix("www.") == self.host.removeprefix("www.")
        return same_site and parts.path.rstrip("/") != self.section_path and bool(ARTICLE_PATH.search(parts.path))

    def parse_section(self, response: Response) -> Iterator[scrapy.Request]:
        if hasattr(response, "css"):
            feeds = list(dict.fromkeys(response.css(FEED_LINKS).getall()))
            self._stat("generic/feeds_discovered", len(feeds))
            for href in feeds:
                yield response.follow(href.strip(), callback=self.parse_feed)
        yield from self.parse_listing(response)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status != 200 or not hasattr(response, "text"):
            self.logger.info("no usable robots.txt at %s (%s): no sitemap discovery", response.url, response.status)
            return
        sitemaps = [line.split(":", 1)[1].strip() for line in response.text.splitlines()
                    if line.lower().startswith("sitemap:") and ":" in line]
        self._stat("generic/sitemaps_discovered", len(sitemaps))
        for url in dict.fromkeys(s for s in sitemaps if s):
            yield scrapy.Request(url, callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        kind, entries = sitemap_entries(response.body)
        if kind != "sitemapindex":
            yield from super().parse_sitemap(response)
            return
        # A site-wide index can list thousands of sitemaps: read the news / section ones only.
        def rank(url: str) -> int:
            return 0 if "news" in url.lower() else 1 if self._section_re and self._section_re.search(url) else 2
        children = sorted((response.urljoin(e.url) for e in entries), key=rank)
        preferred = [u for u in children if rank(u) < 2] or children
        for url in preferred[:MAX_CHILD_SITEMAPS]:
            yield scrapy.Request(url, callback=self.parse_sitemap)
