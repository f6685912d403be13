"""`scrapy record SPIDER`: refresh an outlet's replay recordings from the live site.

Crawls live (like `scrapy crawl`, with `-a max_pages=N` to keep it short) and also fetches every
URL the spider's contracts promise, recording each response into <--output>/<outlet>/
(default: the project's NEWSBOT_RECORDINGS setting). Then `scrapy check SPIDER` tells whether the spider still keeps
its contracts on the fresh pages. Needs network; exit 0 when something was recorded.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict

from ..contracts import contract_request_meta, contract_urls
from ..exitcodes import UNHEALTHY, exit_code_of
from ..paths import recordings_root


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] SPIDER"

    def short_desc(self) -> str:
        return "Refresh a spider's replay recordings from the live site (contract URLs included)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                            help="spider argument (may be repeated)")
        parser.add_argument("--output", default=None, help="recordings root (default: the NEWSBOT_RECORDINGS setting)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        try:
            opts.spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            raise UsageError("Invalid -a value, use -a NAME=VALUE", print_help=False) from None
        assert self.settings is not None
        os.environ.pop("NEWSBOT_REPLAY", None)       # recording means the live site
        for name, value in (("NEWSBOT_REPLAY", ""), ("NEWSBOT_HEALTH_ENABLED", False),
                            ("NEWSBOT_SUMMARY_ENABLED", False), ("FEEDS", {})):
            self.settings.set(name, value, priority="cmdline")
        self.settings.set("EXTENSIONS", {**self.settings.getdict("EXTENSIONS"),
                                         "newsbot.extensions.recorder.RecorderExtension": 950}, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process and self.settings is not None
        spidercls = self.crawler_process.spider_loader.load(args[0])
        root = Path(opts.output) if opts.output else recordings_root(self.settings)
        if root is None:
            raise UsageError("where to record? give --output FOLDER or set NEWSBOT_RECORDINGS", print_help=False)
        outlet = getattr(spidercls, "outlet", None) or spidercls.name
        self.settings.set("NEWSBOT_RECORD_DIR", str(root / outlet), priority="cmdline")
        crawl_start = spidercls.start

        async def start(self: Spider) -> AsyncIterator[Any]:
            async for request in crawl_start(self):
                yield request
            for callback, url in contract_urls(self):
                yield Request(url, callback=getattr(self, callback),
                              meta=contract_request_meta(self, callback, url))

        spidercls.start = start  # type: ignore[method-assign]
        crawler = self.crawler_process.create_crawler(spidercls)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        recorded = crawler.stats.get_value("newsbot/record/responses", 0)
        print(f"record: {recorded} response(s) recorded for {spidercls.name} in {root / outlet}")
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        else:   # LOCKED when a crawl of the spider holds the lock; UNHEALTHY when nothing came back
            self.exitcode = exit_code_of(crawler) or (0 if recorded else UNHEALTHY)
