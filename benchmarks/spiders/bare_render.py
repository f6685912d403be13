"""The baseline of benchmarks/rendering.py: a plain scrapy-playwright spider that renders each
listing, waits for a selector and yields the links, as a scrapy-playwright user would write it."""

from urllib.parse import urlsplit

import scrapy
from scrapy_playwright.page import PageMethod

# The lists newsbot blocks by default, so both crawls make the same browser requests; the
# matching itself is written here as a bare user would, not borrowed from newsbot.
from newsbot.rendering.blocking import DEFAULT_BLOCKED_TYPES, DEFAULT_TRACKER_DOMAINS

BLOCKED_TYPES = frozenset(DEFAULT_BLOCKED_TYPES)


def abort_heavy(request) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: images, fonts, media and tracker hosts."""
    if request.resource_type in BLOCKED_TYPES:
        return True
    host = urlsplit(request.url).hostname or ""
    return any(host == domain or host.endswith("." + domain) for domain in DEFAULT_TRACKER_DOMAINS)


class BareRenderSpider(scrapy.Spider):
    name = "bare_render"

    def __init__(self, *args, urls=(), wait_for="a", timeout_ms=20000, links="a::attr(href)", **kwargs):
        super().__init__(*args, **kwargs)
        self.listing_urls = list(urls)
        self.wait_for = wait_for
        self.timeout_ms = int(timeout_ms)
        self.links = links

    async def start(self):
        for url in self.listing_urls:
            yield scrapy.Request(url, dont_filter=True, meta={
                "playwright": True,
                "playwright_page_methods": [
                    PageMethod("wait_for_selector", self.wait_for, state="attached", timeout=self.timeout_ms)],
            })

    def parse(self, response):
        self.crawler.stats.inc_value("bare/pages")
        for href in response.css(self.links).getall():
            yield {"url": response.urljoin(href)}
