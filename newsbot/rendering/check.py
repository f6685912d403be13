"""Extension: a crawl that will render pages checks its browser before the first request.

A missing or broken Chromium ends the run at once with exit code CONFIG (6) and one clear
error line, instead of one failed download per page and a run that "succeeds" with 0 items.
"""

from __future__ import annotations

import logging

from playwright.async_api import async_playwright
from scrapy import signals
from scrapy.crawler import Crawler

from ..config import ConfigError
from ..exitcodes import CONFIG, fail_run
from .declarations import spider_renders
from .handler import launch_options, missing_executable

logger = logging.getLogger(__name__)


class BrowserCheck:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        crawler.signals.connect(self.engine_started, signals.engine_started)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserCheck:
        # A browser that is not there at all stops the run while the crawler is built, before
        # any feed file opens; whether it starts is probed once the engine runs (it is async).
        spider = crawler.spider
        if spider is not None and not crawler.settings.getbool("NEWSBOT_CHECKING") \
                and spider_renders(spider, crawler.settings):
            problem = missing_executable(launch_options(crawler.settings))
            if problem:
                raise ConfigError(problem)
        return cls(crawler)

    async def engine_started(self) -> None:
        spider = self.crawler.spider
        if self.crawler.settings.getbool("NEWSBOT_CHECKING"):
            return  # `scrapy check` skips (or, in CI, fails) only the contracts that need a browser
        try:
            if spider is None or not spider_renders(spider, self.crawler.settings):
                return
        except ValueError as exc:  # a bad NEWSBOT_RENDERING value
            return await self._fail(str(exc))
        problem = await self.probe()
        if problem:
            await self._fail(problem)
        else:
            logger.info("browser check passed: %s", launch_options(self.crawler.settings).get("executable_path"))

    async def probe(self) -> str | None:
        """Launch and close the configured browser once; an error line, or None when it works."""
        options = launch_options(self.crawler.settings)
        problem = missing_executable(options)
        if problem:
            return problem
        browser_type = self.crawler.settings.get("PLAYWRIGHT_BROWSER_TYPE") or "chromium"
        try:
            async with async_playwright() as playwright:
                browser = await getattr(playwright, browser_type).launch(**{**options, "timeout": 30000})
                await browser.close()
        except Exception as exc:  # noqa: BLE001 - whatever stops the launch is the user's to fix
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return f"browser {options.get('executable_path') or browser_type} could not start: {first}"
        return None

    async def _fail(self, reason: str) -> None:
        fail_run(self.crawler, CONFIG, reason)
        assert self.crawler.engine is not None
        await self.crawler.engine.close_spider_async(reason="newsbot_config")
