"""The Japan Times (japantimes.co.jp), Japan > Politics."""

from .base import PoliticsSpider


class JapanTimesSpider(PoliticsSpider):
    name = "japan_times"
    outlet_name = "The Japan Times"
    language = "en"
    timezone = "Asia/Tokyo"
    allowed_domains = ["japantimes.co.jp"]

    section_urls = ["https://www.japantimes.co.jp/japan/politics/"]
    # The site feed carries every desk; the URL pattern keeps the politics desk.
    feed_urls = ["https://www.japantimes.co.jp/feed/"]
    article_links = ".article-title a::attr(href)"
    next_page = "a.next.page-numbers::attr(href), link[rel='next']::attr(href)"
    article_url_pattern = r"^https://www\.japantimes\.co\.jp/news/\d{4}/\d{2}/\d{2}/japan/politics/[\w-]+/?$"

    selectors = {
        "title": "h1.article-title",
        "authors": ".article-meta .writer a",
        "body": ".article-body > p, .article-body > h2, .article-body > blockquote",
    }
    body_exclude = (".ad-container", ".jt-related-inline", ".jt-subscribe-cta", ".jt-paywall")
    paywall_markers = ("#jt-paywall", ".jt-premium-label")
