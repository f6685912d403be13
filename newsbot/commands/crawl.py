"""`scrapy crawl` that exits non-zero when the run was unhealthy (see newsbot.exitcodes).

Scrapy's own command exits 0 whenever the crawler started, whatever happened during the run, and
prints a traceback when it could not start; this one ends a run that could not start with one
line and its exit code (newsbot.startup).
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from ..compat import create_crawler
from ..exitcodes import USAGE, exit_code_of, refuse
from ..startup import StartWatch


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        if args[0] not in self.crawler_process.spider_loader.list():
            self.exitcode = refuse(USAGE, f"unknown spider {args[0]!r} (`scrapy list` shows the spiders)")
            return
        crawler = create_crawler(self, args[0])
        watch = StartWatch()
        watch.watch(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        if watch.code:
            self.exitcode = watch.code
            return
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        self.exitcode = exit_code_of(crawler)
