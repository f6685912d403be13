"""Spiders for crawl tests against tests.support.localsite (enabled with -s SPIDER_MODULES=tests.support.local_spiders)."""

from newsbot.spiders.base import PoliticsSpider


class LocalPoliticsSpider(PoliticsSpider):
    name = "local_politics"
    outlet_name = "Local test site"
    allowed_domains = ["127.0.0.1"]
    article_url_pattern = r"/politics/[\w-]+$"
    schedule = "*/20 6-22 * * 1-5"
    # The local site's articles differ by one number: as stories they are near-duplicates, which
    # deduplication would rightly drop; these tests are about health and scheduling, not dedup.
    custom_settings = {"NEWSBOT_DEDUP_ENABLED": False}
    selectors = {
        "title": "h1.headline",
        "authors": ".byline a",
        "published_at": "time::attr(datetime)",
        "body": ".story > p",
    }

    # The real URLs depend on the test server's port: __init__ declares them (`-a base=...`).
    contracts = {"parse_article": []}

    def __init__(self, *args, base: str = "http://127.0.0.1:9", **kwargs):
        super().__init__(*args, **kwargs)
        self.section_urls = [f"{base}/politics"]
        # Article 7 is not linked from the section page: only the contract brings it in.
        self.contracts = {"parse_article": [f"""@url {base}/politics/coalition-agrees-measure-number-7
                                                @returns items 1 1
                                                @coverage 1.0 title body published_at authors"""]}


class LocalRaisingSpider(LocalPoliticsSpider):
    """Its article callback raises, as a spider broken by a site change would."""

    name = "local_raising"

    def parse_article(self, response):
        raise ValueError(f"selector returned nothing on {response.url}")
        yield  # pragma: no cover (a generator, like the real callback)
