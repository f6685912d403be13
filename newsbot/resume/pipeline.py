"""After the pipelines: the last guard against delivering an article twice in a JOBDIR job, for
the article whose second request was already in flight when the first one's item was delivered."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from .ledger import ledger_of


class SkipDeliveredPipeline:
    """Last pipeline: an item whose article was delivered meanwhile (two requests in flight for
    one article when the run restarted) is dropped instead of written twice."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipDeliveredPipeline:
        return cls(crawler)

    def process_item(self, item):
        ledger = ledger_of(self.crawler)
        url = ItemAdapter(item).get("url")
        if not ledger or not url:
            return item
        if ledger.is_delivered(url) or url in ledger.claimed:
            self.crawler.stats.inc_value("newsbot/resume/dropped_delivered")
            raise DropItem(f"already delivered in this job: {url}")
        ledger.claimed.add(url)
        return item
