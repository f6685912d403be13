"""POLITICO (www.politico.com), Politics: news stories and the Playbook newsletter."""

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
