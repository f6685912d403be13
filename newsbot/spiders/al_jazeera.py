"""Al Jazeera English (aljazeera.com), the Politics tag and the all-news feed filtered to politics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from ..contracts import article_contract, requests_contract
from ..parsing.structured import json_ld_fields
from .base import PoliticsSpider

# The tag page's "Show more" button asks the site's GraphQL endpoint for the next stories.
MORE_STORIES_PAGE_SIZE = 10
MORE_STORIES_POST_TYPES = ["blog", "episode", "opinion", "post", "video", "external-article", "gallery",
                           "podcast", "longform", "liveblog"]


def more_stories_url(offset: int, tag: str = "politics") -> str:
    variables = {"category": tag, "categoryType": "tags", "postTypes": MORE_STORIES_POST_TYPES,
                 "quantity": MORE_STORIES_PAGE_SIZE, "offset": offset}
    query = {"wp-site": "aje", "operationName": "ArchipelagoAjeSectionPostsQuery",
             "variables": json.dumps(variables, separators=(",", ":")), "extensions": "{}"}
    return "https://www.aljazeera.com/graphql?" + urlencode(query)


class AlJazeeraSpider(PoliticsSpider):
    name = "al_jazeera"
    outlet_name = "Al Jazeera"
    language = "en"
    timezone = "Asia/Qatar"
    allowed_domains = ["aljazeera.com"]
    # Feed links carry ?traffic_source=rss (and live blogs ?update=N): without them they are the
    # listing's URLs, one request each.
    tracking_params = (*PoliticsSpider.tracking_params, "traffic_source", "update")

    # The tag page has no pagination link: its "Show more" button pages through GraphQL instead.
    section_urls = ["https://www.aljazeera.com/tag/politics/"]
    feed_urls = ["https://www.aljazeera.com/xml/rss/all.xml"]
    article_links = "a.u-clickable-card__link::attr(href)"
    next_page = None
    article_url_pattern = r"^https://www\.aljazeera\.com/news/(?:liveblog/)?\d{4}/\d{1,2}/\d{1,2}/[\w-]+/?$"

    # One body selector per markup generation, all in one list (each matches only its own):
    # - 2020-: the WordPress story in .wysiwyg--all-content, live-blog cards in .card-live;
    # - 2016-2020: paragraphs and subheads straight inside div.article-p-wrapper (its "More:" heading
    #   and list of related links are an h4 and ul there, which the selector leaves out).
    selectors = {
        "title": "header.article-header h1, h1.post-title",
        "standfirst": "p.article__subhead, p.article-heading-des",
        "authors": ".article-author-name a.author-link",
        "body": ".wysiwyg--all-content > p, .wysiwyg--all-content > h2, .wysiwyg--all-content > ul > li, "
                ".card-live__title, "
                ".article-p-wrapper > p, .article-p-wrapper > h2, .article-p-wrapper > h3",
    }
    # Related-story boxes, ads, live-card footers, screen-reader labels; in the 2016-2020 template
    # the inline "More on" embed.
    body_exclude = (".more-on", ".container--ads", ".card-live__footer", ".screen-reader-text",
                    ".inpage-auto-embed")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/al_jazeera/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.aljazeera.com/tag/politics/", 4),
        ],
        "parse_more_stories": [
            f"""@url {more_stories_url(offset=4)}
               @meta {{"newsbot_page": 2, "newsbot_offset": 4}}
               @returns requests 2 2""",
        ],
        "parse_feed": [
            requests_contract("https://www.aljazeera.com/xml/rss/all.xml", 3),
        ],
        "parse_article": [
            article_contract("https://www.aljazeera.com/news/2026/11/26/iraq-parliament-elects-speaker-after-months-of-deadlock",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.aljazeera.com/news/2026/11/23/moldova-pro-eu-coalition-wins-confidence-vote",
                             "title body published_at section tags"),
            article_contract("https://www.aljazeera.com/news/liveblog/2026/11/25/live-south-korea-votes-on-martial-law-inquiry",
                             "title standfirst body published_at updated_at authors section tags"),
            article_contract("https://www.aljazeera.com/news/2026/11/24/senegal-president-dissolves-national-assembly",
                             "title body published_at authors section tags", body="generic"),
            article_contract("https://www.aljazeera.com/news/2026/11/22/thailands-prime-minister-survives-no-confidence-vote",
                             "title standfirst body published_at authors section tags"),
            # 2016-2020 template (div.article-p-wrapper).
            article_contract("https://www.aljazeera.com/news/2019/11/tunisia-parliament-approves-unity-cabinet-191121093015442.html",
                             "title standfirst body published_at updated_at authors tags image_url"),
        ],
    }

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        yield from super().parse_listing(response)
        shown = len(response.css(self.article_links).getall()) if hasattr(response, "css") else 0
        if shown and self.max_pages > 1:
            yield self.more_stories_request(offset=shown, page=2)

    def more_stories_request(self, offset: int, page: int) -> scrapy.Request:
        return scrapy.Request(more_stories_url(offset), callback=self.parse_more_stories,
                              headers={"wp-site": "aje", "Accept": "application/json"},
                              meta={"newsbot_page": page, "newsbot_offset": offset})

    def parse_more_stories(self, response: Response) -> Iterator[scrapy.Request]:
        """One "Show more" page: {"data": {"articles": [{"link": ...}, ...]}}."""
        try:
            articles = json.loads(response.text)["data"]["articles"] or []
            links = [a["link"] for a in articles if isinstance(a, dict) and isinstance(a.get("link"), str)]
        except (ValueError, KeyError, TypeError, AttributeError):
            self.logger.warning("more-stories page %s is not the expected JSON", response.url)
            self._stat("listing/not_json")
            return
        self._stat("listing/pages")
        for link in links:
            url = self.clean_url(response.urljoin(link))
            if self.is_article_url(url) and not self.is_requested(url):
                yield self.article_request(url, newsbot_source="listing")
        page = response.meta.get("newsbot_page", 2)
        if len(articles) >= MORE_STORIES_PAGE_SIZE and page < self.max_pages:
            yield self.more_stories_request(response.meta.get("newsbot_offset", 0) + len(articles), page + 1)

    def is_politics_page(self, response: Response) -> bool:
        """The page files itself under Politics: a topic link to the tag (the 2016-2020 template's
        topic list links to the Politics category instead), or the keyword in JSON-LD."""
        if response.css('.topics a[href*="/tag/politics"], .article-topic-detail-list a[href*="/categories/politics"]'):
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
