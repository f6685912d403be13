"""Test-only spiders for the fictitious outlets in tests/fixtures/wire_outlets/ (wire-story dedup).

Run with `-s SPIDER_MODULES=tests.support.spiders` from the repository root."""

from newsbot.spiders.base import PoliticsSpider
from newsbot.spiders.le_monde import LeMondeSpider


class HarbourTimesSpider(PoliticsSpider):
    name = "harbour_times"
    outlet_name = "Harbour Times (test fixture)"
    allowed_domains = ["harbourtimes.example"]
    section_urls = ["https://www.harbourtimes.example/politics"]
    article_links = ".story-card__link::attr(href)"
    article_url_pattern = r"/politics/\d{4}/\d{2}/\d{2}/[\w-]+"
    selectors = {"title": "h1.story__headline", "standfirst": "p.story__dek", "body": ".story__body > p"}


class ValleyPostSpider(PoliticsSpider):
    name = "valley_post"
    outlet_name = "Valley Post (test fixture)"
    allowed_domains = ["valleypost.example"]
    section_urls = ["https://www.valleypost.example/news/politics"]
    article_links = ".teaser__title a::attr(href)"
    article_url_pattern = r"/news/politics/[\w]+(?:-[\w]+){2,}"
    selectors = {"title": "h1.story__headline", "standfirst": "p.story__dek", "body": ".story__body > p"}


class DriftedLeMondeSpider(LeMondeSpider):
    """Le Monde after a redesign its parser has not caught up with: the body container it declares
    is gone (as if renamed), everything else as recorded. Its articles must still come out whole,
    and the run must say which selector drifted."""

    name = "le_monde_drifted"
    outlet = "le_monde"
    selectors = {**LeMondeSpider.selectors, "body": ".article__body-v1 > p.article__paragraph"}
