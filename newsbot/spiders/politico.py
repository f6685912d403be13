"""POLITICO (www.politico.com), Politics: news stories and the Playbook newsletter."""

from ..contracts import article_contract, requests_contract
from .base import PoliticsSpider


class PoliticoSpider(PoliticsSpider):
    name = "politico"
    outlet_name = "POLITICO"
    timezone = "America/New_York"
    allowed_domains = ["politico.com"]

    section_urls = ["https://www.politico.com/politics"]
    feed_urls = ["https://rss.politico.com/politics-news.xml"]
    article_links = ".story-frag .headline a::attr(href)"
    article_url_pattern = r"^https://www\.politico\.com/(?:news|newsletters/[\w-]+)/\d{4}/\d\d/\d\d/[\w-]+-\d{8}$"
    next_page = "a.pagination__next::attr(href)"

    selectors = {
        "title": ".summary-header .headline",
        "standfirst": ".summary-header .dek",
        "authors": ".story-meta__authors .vcard",
        "published_at": ".story-meta__timestamp time::attr(datetime)",
        "body": ".story-text > p.story-text__paragraph",
    }
    body_exclude = (".ad", ".story-continued", ".newsletter-signup", ".pro-paywall")
    paywall_markers = (".pro-paywalled-content",)

    # Offline spider contracts (`scrapy check`), on the recordings in tests/fixtures/replay/politico/.
    contracts = {
        "parse_listing": [
            requests_contract("https://www.politico.com/politics", 4),
            requests_contract("https://www.politico.com/politics/2", 1),
        ],
        "parse_feed": [
            requests_contract("https://rss.politico.com/politics-news.xml", 2),
        ],
        "parse_article": [
            article_contract("https://www.politico.com/news/2026/11/28/house-speaker-border-deal-vote-00712345",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://www.politico.com/news/2026/11/27/medicare-drug-price-rule-lobbying-00711122",
                             "title standfirst body published_at updated_at authors section image_url"),
            article_contract("https://www.politico.com/newsletters/playbook/2026/11/28/the-long-weekend-in-washington-00712000",
                             "title standfirst body published_at authors section image_url", body="generic"),
        ],
    }
