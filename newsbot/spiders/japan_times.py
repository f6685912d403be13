"""The Japan Times (japantimes.co.jp), Japan > Politics."""

from ..contracts import article_contract, requests_contract
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

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/japan_times/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.japantimes.co.jp/japan/politics/", 3),
            requests_contract("https://www.japantimes.co.jp/japan/politics/page/2/", 1),
        ],
        "parse_feed": [
            requests_contract("https://www.japantimes.co.jp/feed/", 2),
        ],
        "parse_article": [
            article_contract("https://www.japantimes.co.jp/news/2026/11/26/japan/politics/ldp-komeito-coalition-talks-budget/",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.japantimes.co.jp/news/2026/11/25/japan/politics/takaichi-approval-rating-analysis/",
                             "title standfirst body published_at authors section"),
            article_contract("https://www.japantimes.co.jp/news/2026/11/25/japan/politics/upper-house-constitution-panel/",
                             "title body published_at authors section"),
            article_contract("https://www.japantimes.co.jp/news/2026/11/25/japan/politics/opposition-joint-candidate-osaka/",
                             "title body published_at section", body="structured"),
        ],
    }
