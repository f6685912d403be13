"""`scrapy crawlall [SPIDER ...]`: run many spiders (default: all) in one process, one exit code:
the highest any spider asked for (see newsbot.exitcodes); a spider that could not start has its
one line and code (newsbot.startup: 1 for an unexpected error)."""

from __future__ import annotations

import argparse
import re

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from ..compat import create_crawler
from ..exitcodes import exit_code_of
from ..startup import StartWatch

_PER_SPIDER = re.compile(r"%\((?:name|outlet|spider)\)")


class Command(ScrapyCrawlCommand):
    def syntax(self) -> str:
        return "[options] [SPIDER ...]"

    def short_desc(self) -> str:
        return "Run several spiders (default: all) in one process; exit with the worst exit code"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process
        loader = self.crawler_process.spider_loader
        # By default every spider that runs without arguments (generic needs -a url=).
        names = args or sorted(n for n in loader.list() if not getattr(loader.load(n), "required_arguments", ()))
        unknown = [n for n in names if n not in loader.list()]
        if unknown:
            raise UsageError(f"unknown spider(s): {', '.join(unknown)}")
        shared = [str(uri) for uri in self.settings.getdict("FEEDS") if not _PER_SPIDER.search(str(uri))]
        if len(names) > 1 and shared:
            # Each spider's feed exporter would overwrite (or interleave into) the same file.
            raise UsageError(f"feed {shared[0]} would be written by {len(names)} spiders: put %(name)s or "
                             "%(outlet)s in its name, or leave -O/-o out (each spider then writes its own "
                             "file, NEWSBOT_OUTPUT)")
        crawlers = []
        for name in names:
            crawler = create_crawler(self, name)
            # A spider that cannot start (newsbot.startup) gets its one line and code; the others run.
            watch = StartWatch()
            watch.watch(self.crawler_process.crawl(crawler, **opts.spargs))
            crawlers.append((crawler, watch))
        self.crawler_process.start()
        codes = {c.spidercls.name: watch.code or exit_code_of(c) for c, watch in crawlers}
        self.exitcode = max(codes.values(), default=0)
        print("crawlall: " + ", ".join(f"{name}={code}" for name, code in codes.items())
              + f" -> exit {self.exitcode}")
