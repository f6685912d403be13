"""Al Jazeera English (aljazeera.com), the Politics tag and the all-news feed filtered to politics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from w3lib.url import url_query_cleaner

from ..parsing.structured import json_ld_fields
from .base import PoliticsSpider

# Feed links carry ?traffic_source=rss; without it they are the listing's URLs (one request each).
TRACKING_PARAMS = ("traffic_source", "utm_source", "utm_medium", "utm_campaign", "update")


def untracked(url: str) -> str:
    return url_query_cleaner(url, TRACKING_PARAMS, remove=True)


class AlJazeeraSpider(PoliticsSpider):
    name = "al_jazeera"
    outlet_name = "Al Jazeera"
    language = "en"
    timezone = "Asia/Qatar"
    allowed_domains = ["aljazeera.com"]

    # The tag page loads further stories with a "Show more" button (no link to follow).
    section_urls = ["https://www.aljazeera.com/tag/politics/"]
    feed_urls = ["https://www.aljazeera.com/xml/rss/all.xml"]
    article_links = "a.u-clickable-card__link::attr(href)"
    next_page = None
    article_url_pattern = r"^https://www\.aljazeera\.com/news/(?:liveblog/)?\d{4}/\d{1,2}/\d{1,2}/[\w-]+/?$"

    selectors = {
        "title": "header.article-header h1",
        "standfirst": "p.article__subhead",
        "authors": ".article-author-name a.author-link",
        "body": ".wysiwyg--all-content > p, .wysiwyg--all-content > h2, .wysiwyg--all-content > ul > li, "
                ".card-live__title",
    }
    body_exclude = (".more-on", ".container--ads", ".card-live__footer", ".screen-reader-text")

    def is_article_url(self, url: str) -> bool:
        return super().is_article_url(untracked(url))

    def article_request(self, url: str, **meta: Any) -> scrapy.Request:
        return super().article_request(untracked(url), **meta)

    def is_politics_page(self, response: Response) -> bool:
        """The page files itself under Politics: a topic link to the tag, or the keyword in JSON-LD."""
        if response.css('.topics a[href*="/tag/politics"]'):
            return True
        tags = json_ld_fields(response.selector).get("tags") or []
        return any(t.casefold() == "politics" for t in tags)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """The all-news feed mixes desks: pages of other desks are skipped (counted, not warned about)."""
        if hasattr(response, "css") and not self.is_politics_page(response):
            self.logger.info("skipping %s: not filed under Politics", response.url)
            self._stat("article/off_section")
            return
        yield from super().parse_article(response)
