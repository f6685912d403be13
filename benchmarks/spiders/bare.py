"""The baseline of benchmarks/throughput.py: plain Scrapy that only downloads and yields URLs."""

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, *args, site: str = "http://127.0.0.1:8000", **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [f"{site.rstrip('/')}/politics"]

    def parse(self, response):
        for href in response.css("a.card__link::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)
        next_page = response.css('a[rel="next"]::attr(href)').get()
        if next_page:
            yield response.follow(next_page)

    def parse_article(self, response):
        yield {"url": response.url}
