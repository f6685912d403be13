"""LeaseItemMiddleware: a spider middleware, because only there is an item still next to the
response (and so the leased request) it came from."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from .extension import FleetLeases


class LeaseItemMiddleware(BaseSpiderMiddleware):
    """Links each item a callback yields to the lease of the response's request."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        keeper = FleetLeases.of(crawler)
        if keeper is None:
            raise NotConfigured
        self.keeper = keeper

    def get_processed_item(self, item: Any, response) -> Any:
        if response is not None:
            self.keeper.item_from(item, response)
        return item
