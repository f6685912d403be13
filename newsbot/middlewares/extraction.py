"""Extracts article pages in a worker process (NEWSBOT_EXTRACT_WORKERS), off the crawl's thread.

Scrapy downloads, runs callbacks, pipelines and exporters on one thread. Of newsbot's CPU per
article, extraction (parsing the page, selectors, structured data, evidence, sometimes
trafilatura) is the largest share, and it needs nothing but the page: a worker process on another
core does it while the crawl process downloads, cleans and writes. The crawl process sends each
article page to the worker (newsbot.parsing.worker) and awaits its ParseResult; the spider's
`build_article` finds it on the response (`PARSED_META`) instead of parsing the page itself. The
worker also finds the cleaning rule-pack matches of the article's paragraphs, kept beside the item
for CleanBodyPipeline (newsbot.cleaning.precomputed).

Why a downloader middleware: its process_response may be a coroutine, so the crawl awaits the
worker without blocking, where a callback or a spider middleware's input hook cannot. Its order
(30) puts it after retries, redirects, decompression and charset correction, so the worker reads
the page the callback would. A response waiting for the worker keeps its place in
CONCURRENT_REQUESTS: when the worker is the slower side, downloads wait for it (memory stays
bounded).

- Only article pages (`newsbot_article` meta) with a 2xx text response, for a spider that declares
  an outlet profile; every other response passes untouched.
- The worker starts at the crawl's `START_AFTER`-th article page: it costs a process (about 65 MB)
  and half a second of imports, which a contract check or a crawl of a few pages would not earn
  back. Until it has started, pages are extracted in the crawl process, as with 0 workers.
- A worker that ends (killed, out of memory, or it could not start): the pages it held are
  extracted in the crawl process (nothing is lost), with one WARNING line and
  `newsbot/extract/worker_failures`; a new worker is started, at most `MAX_RESTARTS` times per
  worker, then extraction stays in the crawl process.
- An exception raised by the extraction itself is not the worker's: the page is extracted again in
  the crawl process, where it fails as it always did (`newsbot/extract/worker_errors`).
"""

from __future__ import annotations

import asyncio
import logging

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from ..cleaning import precomputed
from ..parsing.worker_link import PARSED_META, PageJob, WorkerGone, WorkerLink, replay_lines

logger = logging.getLogger(__name__)

START_AFTER = 20
MAX_RESTARTS = 3
STAT = "newsbot/extract/"


class ExtractionWorkerMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.size = crawler.settings.getint("NEWSBOT_EXTRACT_WORKERS", 1)
        level = crawler.settings.get("LOG_LEVEL", "DEBUG")   # a name or a number, as Scrapy takes it
        self.log_level = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        self.workers: list[WorkerLink] = []
        self.starts = 0           # workers started this crawl, restarts included
        self.articles = 0
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionWorkerMiddleware:
        return cls(crawler)

    # --- workers ---
    def _start_worker(self) -> None:
        self.starts += 1
        worker = WorkerLink(self.log_level, on_end=self._worker_ended)
        self.workers.append(worker)
        asyncio.ensure_future(self._started(worker))

    @staticmethod
    async def _started(worker: WorkerLink) -> None:
        try:
            await worker.start()
        except WorkerGone:
            pass   # _worker_ended has said so

    def _worker_ended(self, worker: WorkerLink, why: str) -> None:
        if worker in self.workers:
            self.workers.remove(worker)
        self.stats.inc_value(f"{STAT}worker_failures")
        again = self.starts <= self.size * MAX_RESTARTS
        logger.warning("extraction worker ended (%s); its pages are extracted in the crawl process%s", why,
                       ", and a new worker starts" if again else ", and all pages from now on")
        if again:
            self._start_worker()

    async def spider_closed(self, spider=None) -> None:
        workers, self.workers = self.workers, []
        await asyncio.gather(*(worker.stop() for worker in workers))

    # --- pages ---
    def _sends(self, request: Request, response: Response) -> bool:
        return (self.size > 0 and bool(request.meta.get("newsbot_article")) and PARSED_META not in request.meta
                and isinstance(response, TextResponse) and 200 <= response.status < 300
                and hasattr(self.crawler.spider, "profile"))

    async def process_response(self, request: Request, response: Response) -> Response:
        if not self._sends(request, response):
            return response
        self.articles += 1
        if self.articles >= START_AFTER and self.starts < self.size:
            for _ in range(self.size):
                self._start_worker()
        ready = [worker for worker in self.workers if worker.ready]
        if not ready:
            return response   # none yet (or none any more): extracted in the crawl process
        worker = min(ready, key=lambda w: w.load)
        spider = self.crawler.spider
        try:
            result, lines, matches = await worker.extract(PageJob.of(response, spider.profile(), spider.extract_limits))
        except WorkerGone:
            return response   # extracted in process; _worker_ended has said so
        if result is None:
            # The extraction raised: the callback meets the same error in process, as it always did.
            self.stats.inc_value(f"{STAT}worker_errors")
            return response
        replay_lines(lines)
        request.meta[PARSED_META] = result
        precomputed.keep(result.item, matches)   # for CleanBodyPipeline
        self.stats.inc_value(f"{STAT}in_worker")
        return response
