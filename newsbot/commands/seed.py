"""`scrapy seed SPIDER`: start a fleet run (NEWSBOT_DISTRIBUTED) by enqueuing the spider's start pages."""

from __future__ import annotations

import argparse
import asyncio

from scrapy.commands import BaseRunSpiderCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from ..distributed import fleet_settings, redis_url, seed


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "<spider>"

    def short_desc(self) -> str:
        return "Start a distributed run: reset the fleet's queue and enqueue the spider's start pages"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.settings is not None
        redis_url(self.settings)  # a clear error before anything else when Redis is not configured
        self.settings.set("NEWSBOT_DISTRIBUTED", True, priority="cmdline")
        fleet_settings(self.settings)
        spidercls = get_spider_loader(self.settings).load(args[0])
        count = asyncio.run(seed(Crawler(spidercls, self.settings), **opts.spargs))
        print(f"seeded {count} start request(s) for {args[0]}")
