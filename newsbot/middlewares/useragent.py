"""User-Agent that names newsbot and where its operator can be reached."""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware


class ContactUserAgentMiddleware(UserAgentMiddleware):
    """USER_AGENT with `{contact}` replaced by the NEWSBOT_CONTACT_URL setting."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContactUserAgentMiddleware:
        template = crawler.settings.get("USER_AGENT") or ""
        contact = crawler.settings.get("NEWSBOT_CONTACT_URL") or ""
        middleware = cls(template.replace("{contact}", contact))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware
