"""A crawl with newsbot's settings whose spider emits N numbered items, one every D seconds
(no network), so tests can act on the S3 server while batches are being delivered.

    python -m tests.support.paced_crawl ITEMS DELAY [scrapy -s/-o options...]

Exits with newsbot's exit code for the run, like `scrapy crawl`.
"""

from __future__ import annotations

import asyncio
import os
import sys

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.conf import feed_process_params_from_cli
from scrapy.utils.project import get_project_settings

from newsbot.exitcodes import exit_code_of


class PacedSpider(scrapy.Spider):
    name = "paced"
    outlet = "paced_outlet"

    def __init__(self, items: int = 10, delay: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.items, self.delay = int(items), float(delay)

    async def start(self):
        body = "Lorem ipsum dolor sit amet, parliament votes on the budget. " * int(os.environ.get("PACED_BODY_REPEAT", "0"))
        for n in range(self.items):
            item = {"n": n, "url": f"https://example.test/{n}", "title": f"item {n}"}
            if body:
                item["body"] = body
            yield item
            if self.delay or n % 1000 == 999:
                await asyncio.sleep(self.delay)


def main(argv: list[str]) -> int:
    items, delay, rest = int(argv[0]), float(argv[1]), argv[2:]
    settings: Settings = get_project_settings()
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    # Numbered test items are not articles: the health policy's article rules do not apply.
    settings.set("NEWSBOT_HEALTH_ENABLED", False, priority="cmdline")
    outputs = []
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag == "-s":
            name, _, setting = value.partition("=")
            settings.set(name, setting, priority="cmdline")
        elif flag == "-o":
            outputs.append(value)
    if outputs:
        settings.set("FEEDS", feed_process_params_from_cli(settings, outputs), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PacedSpider)
    process.crawl(crawler, items=items, delay=delay)
    process.start()
    return exit_code_of(crawler)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
