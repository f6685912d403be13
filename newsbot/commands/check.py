"""`scrapy check`: spider contracts, offline by default.

Contracts come from callback docstrings (Scrapy's way) and from each spider's `contracts`
declaration (newsbot.contracts). Offline, every request is answered from the replay recordings
(--replay, else NEWSBOT_REPLAY, else the project's NEWSBOT_RECORDINGS), so `make test` can run it
without network; a project with none of them is checked live, as by Scrapy's own command.
`--live` runs the same contracts against the live sites: a canary that tells users an outlet
changed its markup (schedule it like a crawl). Exit code 0 when every contract held, 1 otherwise,
2 (one line) for a recordings folder that does not exist or an unknown spider.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from unittest import TextTestRunner

from scrapy import Spider
from scrapy.commands.check import Command as ScrapyCheckCommand
from scrapy.commands.check import TextTestResult
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object, set_environ

from ..contracts import CHECK_PIPELINES, DeclaredContractsManager
from ..exitcodes import USAGE
from ..paths import recordings_root


class Command(ScrapyCheckCommand):
    refusal: str | None = None      # why the check cannot run: one line, exit 2

    def short_desc(self) -> str:
        return "Check spider contracts offline on the replay recordings (--live: against the sites)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--live", action="store_true", help="check against the live sites (canary)")
        parser.add_argument("--replay", default=None, help="recordings folder (default: NEWSBOT_REPLAY, else the NEWSBOT_RECORDINGS setting)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        # Contracts run the offline-safe pipelines themselves; Scrapy's check empties the list.
        pipelines = {k: v for k, v in self.settings.getwithbase("ITEM_PIPELINES").items()}
        super().process_options(args, opts)
        self.settings.set(CHECK_PIPELINES, pipelines, priority="cmdline")
        # A check judges by its contracts: no lock, no health exit code, no run summary, and no
        # dedup state (an article a crawl already stored must still be fetched and judged).
        for name, value in (("NEWSBOT_CHECKING", True), ("NEWSBOT_LOCK_ENABLED", False),
                            ("NEWSBOT_HEALTH_ENABLED", False), ("NEWSBOT_DEDUP_ENABLED", False),
                            ("NEWSBOT_SUMMARY_ENABLED", False), ("NEWSBOT_PROGRESS_INTERVAL", 0)):
            self.settings.set(name, value, priority="cmdline")
        folder = None if opts.live else (opts.replay or os.environ.get("NEWSBOT_REPLAY")
                                         or self.settings.get("NEWSBOT_REPLAY") or recordings_root(self.settings))
        if not folder:
            if not opts.live:   # a project without recordings: the live sites, as Scrapy's own check does
                print("check: no recordings (--replay, NEWSBOT_REPLAY or NEWSBOT_RECORDINGS): checking the live sites",
                      file=sys.stderr)
            os.environ.pop("NEWSBOT_REPLAY", None)
            self.settings.set("NEWSBOT_REPLAY", "", priority="cmdline")
            return
        self.settings.set("NEWSBOT_REPLAY", str(folder), priority="cmdline")
        if not Path(folder).is_dir():
            # Otherwise every request misses its recording and the check "passes" 0 contracts.
            self.refusal = f"no recordings folder {folder} (--replay or NEWSBOT_REPLAY): give a folder " \
                           f"`scrapy record` wrote, or --live"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # Scrapy's check command, with newsbot's contracts manager (declared contracts).
        assert self.settings is not None and self.crawler_process
        spider_loader = self.crawler_process.spider_loader
        unknown = [name for name in args if name not in spider_loader.list()]
        if unknown:
            self.refusal = f"unknown spider(s) {', '.join(map(repr, unknown))} (`scrapy list` shows the spiders)"
        if self.refusal:
            # Printed: `scrapy check` runs with logging off (Scrapy's default for it).
            print(f"scrapy check: {self.refusal}", file=sys.stderr)
            self.exitcode = USAGE
            return
        contracts = build_component_list(self.settings.get_component_priority_dict_with_base("SPIDER_CONTRACTS"))
        conman = DeclaredContractsManager(load_object(c) for c in contracts)
        runner = TextTestRunner(verbosity=2 if opts.verbose else 1)
        result = TextTestResult(runner.stream, runner.descriptions, runner.verbosity)
        contract_reqs: dict[str, list[str]] = defaultdict(list)

        async def start(self: Spider) -> AsyncIterator[Any]:
            for request in conman.from_spider(self, result):
                if request is not None:     # a skipped or broken contract block has none
                    yield request

        with set_environ(SCRAPY_CHECK="true"):
            for spidername in args or spider_loader.list():
                spidercls = spider_loader.load(spidername)
                spidercls.start = start  # type: ignore[method-assign]
                tested = conman.tested_methods_from_spidercls(spidercls)
                if opts.list:
                    contract_reqs[spidercls.name].extend(tested)
                elif tested:
                    self.crawler_process.crawl(spidercls, **opts.spargs)
            if opts.list:
                print("\n".join(f"{spider}\n" + "\n".join(f"  * {m}" for m in sorted(methods))
                                for spider, methods in sorted(contract_reqs.items()) if methods or opts.verbose))
                return
            start_time = time.monotonic()
            self.crawler_process.start()
            stop = time.monotonic()
            result.printErrors()
            for case, reason in result.skipped:     # unittest prints skip reasons only with -v
                runner.stream.writeln(f"SKIPPED {case}: {reason}")
            result.printSummary(start_time, stop)
            self.exitcode = int(not result.wasSuccessful() or self.crawler_process.bootstrap_failed)
