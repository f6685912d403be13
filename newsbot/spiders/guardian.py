"""The Guardian (www.theguardian.com), Politics: articles, live blogs and interactives."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class GuardianSpider(PoliticsSpider):
    name = "guardian"
    outlet_name = "The Guardian"
    timezone = "Europe/London"
    allowed_domains = ["theguardian.com"]

    section_urls = ["https://www.theguardian.com/politics"]
    feed_urls = ["https://www.theguardian.com/politics/rss"]
    article_links = '[data-link-name*="card-@"]::attr(href)'
    article_url_pattern = r"^https://www\.theguardian\.com/politics/(?:live/|ng-interactive/)?\d{4}/[a-z]{3}/\d\d/[\w-]+$"

    selectors = {
        "title": '[data-gu-name="headline"] h1',
        "standfirst": '[data-gu-name="standfirst"]',
        "authors": 'address[data-component="meta-byline"] a[rel="author"]',
        "body": ".article-body-commercial-selector > p, .article-body-commercial-selector > h2",
    }
    # Inline newsletter promotions sit between paragraphs, and stay out of the fallback paths too.
    body_exclude = ('figure[data-spacefinder-type$="NewsletterSignupBlockElement"]', '[data-component="share"]',
                    'details[data-gu-name="dateline"]')

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/guardian/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.theguardian.com/politics", 4),
            requests_contract("https://www.theguardian.com/politics?page=2", 2),
        ],
        "parse_feed": [
            requests_contract("https://www.theguardian.com/politics/rss", 2),
        ],
        "parse_article": [
            article_contract("https://www.theguardian.com/politics/2026/nov/28/prime-minister-cabinet-reshuffle-defence-secretary",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.theguardian.com/politics/live/2026/nov/28/uk-politics-live-budget-reaction",
                             "title standfirst body published_at updated_at authors section tags image_url"),
            article_contract("https://www.theguardian.com/politics/ng-interactive/2026/nov/27/how-the-budget-affects-you-calculator",
                             "title standfirst body published_at updated_at authors section tags image_url"),
        ],
    }
