"""AP News (apnews.com), Politics hub, live blogs included."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class ApNewsSpider(PoliticsSpider):
    name = "apnews"
    outlet_name = "AP News"
    timezone = "America/New_York"
    allowed_domains = ["apnews.com"]

    section_urls = ["https://apnews.com/politics"]
    sitemap_urls = ["https://apnews.com/news-sitemap-content.xml"]
    article_links = ".PagePromo-title a::attr(href)"
    article_url_pattern = r"^https://apnews\.com/(?:article|live)/[\w-]+$"
    # The news sitemap is site-wide; article pages name their hub in article:section and breadcrumbs.
    section_match = r"politic|election"
    next_page = "a.Pagination-nextPage::attr(href)"

    selectors = {
        "title": "h1.Page-headline",
        "authors": ".Page-authors a",
        "published_at": ".Page-dateModified bsp-timestamp::attr(data-timestamp)",
        "body": ".RichTextStoryBody > p",
    }
    body_exclude = (".Advertisement",)

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/apnews/.
    contracts = {
        "parse_listing": [
            requests_contract("https://apnews.com/politics", 3),
            requests_contract("https://apnews.com/politics?p=2", 2),
        ],
        "parse_sitemap": [
            requests_contract("https://apnews.com/news-sitemap-content.xml", 2),
        ],
        "parse_article": [
            article_contract("https://apnews.com/article/congress-shutdown-senate-vote-9d3f6c1a2b7e4f0a8c5d2e1b3a4c5d6e",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://apnews.com/article/governor-veto-budget-education-1f2e3d4c5b6a79880a1b2c3d4e5f6071",
                             "title standfirst body published_at authors section image_url"),
            article_contract("https://apnews.com/live/election-day-georgia-runoff-updates",
                             "title standfirst body published_at updated_at section image_url"),
        ],
    }
