"""The politics spider base: an outlet declares where its politics news is and how its pages look.

Discovery: section listing pages (with pagination), RSS/Atom feeds and (Google News) sitemaps.
Articles: `newsbot.parsing.article.parse_article` with the outlet's `OutletProfile`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url, url_query_cleaner

import scrapy
from scrapy.http import Response

from ..exitcodes import UsageRefused
from ..parsing.article import OutletProfile, ParseResult, parse_article
from ..parsing.feeds import feed_entries, sitemap_entries
from ..parsing.limits import ExtractLimits
from ..parsing.structured import breadcrumbs
from ..parsing.worker_link import PARSED_META
from ..contracts import BODY_DRIFT_META, BODY_SOURCE_META
from ..extensions.drift import record_selector_use
from ..rendering.declarations import render_meta


def _max_pages(value: int | str | None) -> int | None:
    """-a max_pages=N: a positive integer, or a bad command line (exit 2, one line)."""
    if value is None:
        return None
    try:
        pages = int(value)
    except (TypeError, ValueError):
        pages = 0
    if pages < 1:
        raise UsageRefused(f"spider argument max_pages={value!r} is not valid: expected an integer >= 1")
    return pages


class PoliticsSpider(scrapy.Spider):
    """Subclass and declare; override a method only for what declarations cannot say."""

    # --- identity ---
    outlet: ClassVar[str] = ""            # stable short id written to every item; defaults to `name`
    outlet_name: ClassVar[str] = ""       # human name, for the README table and logs
    language: ClassVar[str] = "en"        # BCP 47, used when the page does not say
    timezone: ClassVar[str] = "UTC"       # IANA zone for dates the page gives without offset
    section: ClassVar[str | None] = "Politics"
    # Spider arguments a run cannot do without (-a name=value): `scrapy schedule` leaves such a
    # spider out of the crontab, since a cron line could only run it without them.
    required_arguments: ClassVar[tuple[str, ...]] = ()

    # --- discovery ---
    section_urls: ClassVar[list[str]] = []
    feed_urls: ClassVar[list[str]] = []
    sitemap_urls: ClassVar[list[str]] = []
    # CSS (ending in ::attr(href)) for article links on a listing page; None = every link.
    article_links: ClassVar[str | None] = None
    # Only URLs matching this regex (searched in the absolute URL) are articles.
    article_url_pattern: ClassVar[str] = r"."
    next_page: ClassVar[str | None] = 'a[rel="next"]::attr(href), link[rel="next"]::attr(href)'
    # Query parameters removed from article URLs (campaign tracking), so that the same article
    # reached from a feed and a listing page is one request and one item.
    tracking_params: ClassVar[tuple[str, ...]] = (
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "at_medium", "at_campaign",
        "at_custom1", "at_custom2", "at_custom3", "at_custom4", "CMP", "cmpid", "ocid", "taid", "ref", "rss",
    )
    # Regex (case-insensitive) an article from a feed or sitemap must match in its section
    # metadata, breadcrumbs or URL path to be kept; None keeps everything. Feeds and sitemaps are
    # often site-wide, listing pages are the section itself and are not filtered.
    section_match: ClassVar[str | None] = None
    section_filtered_sources: ClassVar[tuple[str, ...]] = ("feed", "sitemap")

    # --- article pages ---
    selectors: ClassVar[dict[str, str]] = {}
    overrides: ClassVar[dict[str, str]] = {}
    body_exclude: ClassVar[tuple[str, ...]] = ()
    paywall_markers: ClassVar[tuple[str, ...]] = ()
    # Dotted path to the article in Next.js __NEXT_DATA__ (Arc ANS stories are found without one).
    next_data_article: ClassVar[str | None] = None

    # --- rendering (newsbot.rendering.declarations): True, or a regex of URLs to render ---
    render_listings: ClassVar[bool | str] = False
    render_articles: ClassVar[bool | str] = False
    render_actions: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, max_pages: int | str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._max_pages_arg = _max_pages(max_pages)
        self._article_re = re.compile(self.article_url_pattern)
        self._section_re = re.compile(self.section_match, re.I) if self.section_match else None
        self._requested: set[str] = set()   # article URLs asked for, from any source
        self._listed: set[str] = set()      # article URLs seen on listing pages

    @classmethod
    def profile(cls) -> OutletProfile:
        return OutletProfile(
            outlet=cls.outlet or cls.name, language=cls.language, timezone=cls.timezone,
            section=cls.section, selectors=dict(cls.selectors), overrides=dict(cls.overrides),
            body_exclude=tuple(cls.body_exclude), paywall_markers=tuple(cls.paywall_markers),
            next_data_article=cls.next_data_article,
        )

    @classmethod
    def handles_url(cls, url: str) -> bool:
        """True when `url` is on one of this outlet's domains (used to route saved pages)."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in getattr(cls, "allowed_domains", []) or [])

    @property
    def max_pages(self) -> int:
        if self._max_pages_arg is not None:
            return self._max_pages_arg
        return self.settings.getint("NEWSBOT_MAX_LISTING_PAGES", 5)

    def _stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"newsbot/{key}", count)

    # --- discovery ---
    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.settings.getbool("NEWSBOT_DISTRIBUTED"):
            return  # a fleet worker: `scrapy seed` enqueued the start requests for every worker
        async for request in self.fleet_start_requests():
            yield request

    async def fleet_start_requests(self) -> AsyncIterator[scrapy.Request]:
        """Section pages, feeds and sitemaps: where every run of this outlet starts."""
        for url in self.section_urls:
            yield scrapy.Request(url, callback=self.parse_listing, dont_filter=True, meta=self.listing_meta(url))
        for url in self.feed_urls:
            yield scrapy.Request(url, callback=self.parse_feed, dont_filter=True)
        for url in self.sitemap_urls:
            yield scrapy.Request(url, callback=self.parse_sitemap, dont_filter=True)

    def is_article_url(self, url: str) -> bool:
        return self.handles_url(url) and bool(self._article_re.search(url))

    def is_requested(self, url: str) -> bool:
        return canonicalize_url(self.clean_url(url)) in self._requested

    @property
    def remembers_sources(self) -> bool:
        """False under `scrapy check`: each contract judges its callback alone, so what a listing
        contract requested must not vanish from a feed contract's output (or the other way round)."""
        return not self.settings.getbool("NEWSBOT_CHECKING")

    def is_known(self, url: str) -> bool:
        """True for an article already seen on a listing page of this crawl (a dedup store may
        extend this). Articles only seen in a feed do not count: a feed covering a section's first
        page says nothing about its second, so it must not stop the pagination."""
        return canonicalize_url(self.clean_url(url)) in self._listed

    def clean_url(self, url: str) -> str:
        return url_query_cleaner(url, self.tracking_params, remove=True, keep_fragments=False)

    def listing_meta(self, url: str, page: int = 1) -> dict[str, Any]:
        """Meta of a request for a section page (the browser's, where the outlet declares one)."""
        return {"newsbot_page": page, **render_meta(self, url, "listing")}

    def contract_request_meta(self, callback: str, url: str) -> dict[str, Any]:
        """The meta this spider would put on a request for `callback` (used by `scrapy check`)."""
        if callback == "parse_listing":
            return self.listing_meta(url)
        if callback == "parse_article":
            # Not article_request(): that would remember the URL as requested.
            return self.article_meta(url)
        return {}

    def article_meta(self, url: str) -> dict[str, Any]:
        """Meta of a request for an article page; newsbot_article marks it (listings and feeds lack it)."""
        return {"newsbot_article": True, **render_meta(self, url, "article")}

    def article_request(self, url: str, **meta: Any) -> scrapy.Request:
        """The request for an article page, remembered so no other source asks for it again."""
        url = self.clean_url(url)
        if self.remembers_sources:
            self._requested.add(canonicalize_url(url))
        return scrapy.Request(url, callback=self.parse_article, meta={**self.article_meta(url), **meta})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        return self.parse_listing(response)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """A section page: its article links, then the next page up to NEWSBOT_MAX_LISTING_PAGES."""
        if not hasattr(response, "css"):
            self.logger.warning("listing %s is not HTML (%s)", response.url, response.headers.get("Content-Type"))
            self._stat("listing/not_html")
            return
        self._stat("listing/pages")
        css = self.article_links or "a::attr(href)"
        found = new = 0
        for href in dict.fromkeys(response.css(css).getall()):
            url = self.clean_url(response.urljoin(href.strip()))
            if self.is_article_url(url):
                found += 1
                if not self.is_known(url):
                    new += 1
                    if self.remembers_sources:
                        self._listed.add(canonicalize_url(url))
                    if not self.is_requested(url):
                        yield self.article_request(url, newsbot_source="listing")
        if not found:
            self.logger.warning("no article links on listing page %s", response.url)
            self._stat("listing/empty")
        page = response.meta.get("newsbot_page", 1)
        next_href = response.css(self.next_page).get() if self.next_page else None
        if found and not new:
            # Older pages only hold older articles: a page of known ones ends the walk.
            self.logger.info("listing %s brings only known articles; not paginating further", response.url)
            self._stat("listing/stopped_known")
            return
        if next_href and page < self.max_pages:
            next_url = response.urljoin(next_href.strip())
            yield scrapy.Request(next_url, callback=self.parse_listing, meta=self.listing_meta(next_url, page + 1))

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        entries = feed_entries(response.body)
        self._stat("feed/entries", len(entries))
        if not entries:
            self.logger.warning("no entries in feed %s", response.url)
            self._stat("feed/empty")
        for entry in entries:
            url = self.clean_url(response.urljoin(entry.url))
            if self.is_article_url(url) and not self.is_requested(url):
                yield self.article_request(url, newsbot_source="feed")

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        kind, entries = sitemap_entries(response.body)
        if kind == "sitemapindex":
            for entry in entries:
                yield scrapy.Request(response.urljoin(entry.url), callback=self.parse_sitemap)
            return
        if not entries:
            self.logger.warning("no URLs in sitemap %s", response.url)
            self._stat("sitemap/empty")
        for entry in entries:
            url = self.clean_url(response.urljoin(entry.url))
            if self.is_article_url(url) and not self.is_requested(url):
                yield self.article_request(url, newsbot_source="sitemap")

    # --- articles ---
    @cached_property
    def extract_limits(self) -> ExtractLimits:
        """How much of a page is read (NEWSBOT_EXTRACT_MAX_*): the crawl's settings, or the
        defaults for a spider outside a crawl (read once, at the first article)."""
        return ExtractLimits.from_settings(getattr(self, "settings", None))

    def build_article(self, response: Response) -> ParseResult:
        """Hook for outlets whose pages need more than declarations; returns the parse result
        (an extraction worker's, when one read the page: newsbot.middlewares.extraction)."""
        request = response.request   # None for a page read outside a crawl (newsbot.extract)
        parsed = request.meta.pop(PARSED_META, None) if request is not None else None
        if parsed is not None:
            return parsed
        return parse_article(response, self.profile(), self.extract_limits)

    def parse_article(self, response: Response) -> Iterator[Any]:
        result = self.build_article(response)
        # For `scrapy check`'s @body contract: which path gave the body, and a lost selector.
        response.meta[BODY_SOURCE_META] = result.body_source
        response.meta[BODY_DRIFT_META] = result.body_drift
        for fault in getattr(result, "faults", ()):
            self._stat(f"fault/{fault}")
        if getattr(result, "over_limit", None) is not None:   # its WARNING line is parse_article's
            self._stat("extract/over_limit")
        if result.item is None:
            self.logger.warning("no article at %s: %s", response.url, result.error)
            self._stat(f"article/failed/{(result.error or 'unknown').replace(' ', '_')}")
            return
        if response.meta.get("newsbot_source") in self.section_filtered_sources and not self.in_section(result, response):
            self.logger.debug("skipping %s: not in section (%s)", response.url, result.item.section)
            self._stat("article/off_section")
            return
        self._stat(f"body_source/{result.body_source}")
        self.count_body_choice(result)
        result.item.spider = self.name
        yield result.item

    def count_body_choice(self, result: ParseResult) -> None:
        """Stats of how the body was chosen: where the page overruled the order of preference
        (newsbot/body_choice/<preferred>_lost_to_<chosen>), and for the drift monitor, how many
        articles the outlet's body selector was asked for and how many it lost."""
        if result.preferred_source and result.preferred_source != result.body_source:
            self._stat(f"body_choice/{result.preferred_source}_lost_to_{result.body_source}")
        body_css = self.overrides.get("body") or self.selectors.get("body")
        if body_css:
            record_selector_use(self.crawler.stats, self.outlet or self.name, "body", body_css,
                                lost=result.body_drift is not None)

    def in_section(self, result: ParseResult, response: Response) -> bool:
        """Whether the article belongs to the declared section (section, breadcrumbs, URL path)."""
        if self._section_re is None:
            return True
        candidates = [result.page_section or "", urlsplit(response.url).path, *breadcrumbs(response.selector)]
        return any(self._section_re.search(c) for c in candidates)
