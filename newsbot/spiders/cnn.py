"""CNN Politics (cnn.com/politics): section page, Google News sitemap, articles and live pages."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class CnnSpider(PoliticsSpider):
    name = "cnn"
    outlet_name = "CNN"
    language = "en"
    timezone = "America/New_York"
    allowed_domains = ["cnn.com"]

    # The section page is a grid of cards without pagination; the news sitemap reaches further back.
    section_urls = ["https://www.cnn.com/politics"]
    sitemap_urls = ["https://www.cnn.com/sitemap/news.xml"]
    article_links = "a.container__link::attr(href)"
    next_page = None
    # Dated politics articles and politics live pages (older URLs end in /index.html); not videos.
    article_url_pattern = (r"^https://(?:www|edition)\.cnn\.com/(?:\d{4}/\d{2}/\d{2}/politics/[\w-]+"
                           r"|politics/live-news/[\w-]+)(?:/index\.html)?$")

    selectors = {
        "title": "h1.headline__text",
        "authors": ".byline__name",
        "body": ".article__content > p.paragraph, .article__content > h2.subheader, "
                ".live-story-post__headline, .live-story-post__content > p",
    }
    # cite.source is the "Washington CNN —" dateline inside the first paragraph.
    body_exclude = ("cite.source", ".ad-slot-dynamic", ".related-content", ".newsletter-sign-up-wrapper",
                    ".factbox", ".live-story-post__footer")

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/cnn/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.cnn.com/politics", 4),
        ],
        "parse_sitemap": [
            requests_contract("https://www.cnn.com/sitemap/news.xml", 2),
        ],
        "parse_article": [
            article_contract("https://www.cnn.com/2026/11/26/politics/supreme-court-tariffs-ruling",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://www.cnn.com/2026/11/25/politics/house-republicans-shutdown-stopgap-vote",
                             "title body published_at updated_at authors section"),
            article_contract("https://www.cnn.com/politics/live-news/trump-administration-news-11-25-26",
                             "title standfirst body published_at updated_at authors section"),
            article_contract("https://www.cnn.com/2026/11/24/politics/democrats-2028-primary-calendar-analysis",
                             "title body published_at authors section"),
        ],
    }
