"""newsbot's declaration for the generated site of tests/support/sites/politics_site.py (127.0.0.1)."""

from newsbot.spiders.base import PoliticsSpider


class GeneratedSiteSpider(PoliticsSpider):
    name = "generated_site"
    outlet = "generated_site"
    allowed_domains = ["127.0.0.1"]
    article_links = "a.card__link::attr(href)"
    article_url_pattern = r"/politics/\d{4}/\d{2}/story-"
    selectors = {"title": "h1.headline", "body": ".story-body > p"}
    body_exclude = (".ad-slot",)

    def __init__(self, *args, site: str = "http://127.0.0.1:8000", **kwargs):
        super().__init__(*args, **kwargs)
        self.section_urls = [f"{site.rstrip('/')}/politics"]
