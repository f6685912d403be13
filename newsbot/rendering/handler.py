"""The http/https download handler: plain Scrapy downloads, and a browser only for requests
marked `playwright=True` (see `newsbot.rendering.declarations`).

On top of scrapy-playwright's handler:
- lazy: a crawl that renders nothing never loads Playwright or starts Chromium (the start-up
  check of crawls that do render is `newsbot.rendering.check.BrowserCheck`);
- contexts are recycled after NEWSBOT_RENDER_CONTEXT_PAGES pages (closed once their pages are
  done), so the browser's memory does not grow over long runs;
- at most NEWSBOT_RENDER_MAX_PAGES pages are rendered at once in the whole browser, whichever
  contexts they are in;
- a hard per-page deadline (NEWSBOT_RENDER_TIMEOUT) and a page that is always closed when the
  download fails, times out or is cancelled (scrapy-playwright closes it only on `Exception`,
  not on cancellation);
- resource blocking (`newsbot.rendering.blocking`) unless PLAYWRIGHT_ABORT_REQUEST is set;
- offline replay: with NEWSBOT_REPLAY, every browser request is answered from the recordings
  through route interception, and unrecorded URLs are aborted (nothing reaches the network).
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
from contextlib import suppress
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from ..middlewares.replay import load_recordings, replay_key
from .blocking import ResourceBlocker

logger = logging.getLogger(__name__)

# Headless, and quiet: without the background-networking flags Chromium keeps calling home,
# which on a closed network means endless failing connections.
CHROMIUM_ARGS = (
    "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--metrics-recording-only", "--no-default-browser-check",
)
PAGE_META = "_newsbot_render_page"
AUTO_CONTEXT_META = "_newsbot_render_auto_context"
COUNTED_META = "_newsbot_render_counted_in"
SLOT_META = "_newsbot_render_page_slot"


def launch_options(settings: BaseSettings) -> dict[str, Any]:
    """PLAYWRIGHT_LAUNCH_OPTIONS plus headless and, unless "args" is given, the quiet flags."""
    options = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS") or {})
    options.setdefault("headless", True)
    if "args" not in options:
        # Chromium refuses to run sandboxed as root (containers, CI).
        root = hasattr(os, "geteuid") and os.geteuid() == 0
        options["args"] = [*CHROMIUM_ARGS, *(["--no-sandbox"] if root else []),
                           *settings.getlist("NEWSBOT_CHROMIUM_EXTRA_ARGS")]
    return options


def missing_executable(options: dict[str, Any]) -> str | None:
    """An error line when the configured browser binary does not exist, else None."""
    executable = options.get("executable_path")
    if executable and not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        return (f"browser not found: {executable} (PLAYWRIGHT_LAUNCH_OPTIONS executable_path; install "
                "Debian's chromium package or point NEWSBOT_CHROMIUM at a Chromium binary)")
    return None


class RenderingDownloadHandler(ScrapyPlaywrightDownloadHandler):
    # Overriding or calling a private scrapy-playwright method, or adding a private name of our
    # own, must be declared in newsbot.compat: a pinned upgrade that changes one then fails
    # tests/unit/test_compat.py with its name instead of breaking rendering quietly.
    # Built on the first request of its scheme, not at start: plain crawls never load Playwright.
    lazy = True

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.crawler = crawler
        settings = crawler.settings
        self.config.launch_options = launch_options(settings)
        if not settings.get("PLAYWRIGHT_ABORT_REQUEST") and settings.getbool("NEWSBOT_RENDER_BLOCK", True):
            self.abort_request = ResourceBlocker.from_settings(settings)
        self.render_timeout = settings.getfloat("NEWSBOT_RENDER_TIMEOUT", 45)
        self.context_pages = max(1, settings.getint("NEWSBOT_RENDER_CONTEXT_PAGES", 50))
        # The page cap is the browser's, not each context's: only the newest context takes new
        # pages (the one before it only finishes its own), so a per-context cap would be the
        # whole crawl's rendering concurrency, and a cap per context times contexts would let
        # the pages of a draining context and its successor add up.
        self._page_slots = asyncio.Semaphore(max(1, settings.getint("NEWSBOT_RENDER_MAX_PAGES", 8)))
        self._generation = 0
        self._generation_pages = 0
        self._retired: set[str] = set()
        self._in_use: dict[str, int] = {}   # context name -> requests assigned to it, not finished
        self._started = False
        self._start_lock = asyncio.Lock()
        self._start_error: str | None = None
        folder = settings.get("NEWSBOT_REPLAY") or os.environ.get("NEWSBOT_REPLAY")
        self.recordings = load_recordings(folder) if folder else None

    # --- start-up ---
    async def _maybe_launch_in_thread(self) -> None:
        """scrapy-playwright starts Playwright at engine start; here it starts with the first
        rendered request (the start-up check is `newsbot.rendering.check.BrowserCheck`)."""

    async def _ensure_started(self) -> None:
        async with self._start_lock:
            if self._started or self._start_error:
                return
            executable = self.config.launch_options.get("executable_path")
            self._start_error = missing_executable(self.config.launch_options)
            if self._start_error:
                return
            try:
                await self._launch()
                await self._maybe_launch_browser()
            except Exception as exc:  # noqa: BLE001 - any launch failure is a configuration error
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                self._start_error = f"browser {executable or '(bundled)'} could not start: {first}"
                return
            self._started = True
            self.stats.set_value("newsbot/render/browser_started", 1)

    # --- pages ---
    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        await self._ensure_started()
        if self._start_error:
            raise RuntimeError(self._start_error)
        self.stats.inc_value("newsbot/render/pages")
        try:
            return await asyncio.wait_for(super()._download_request(request, spider), self.render_timeout)
        except asyncio.TimeoutError:
            self.stats.inc_value("newsbot/render/timeouts")
            logger.warning("rendering %s took over NEWSBOT_RENDER_TIMEOUT=%ss; page closed",
                           request.url, self.render_timeout)
            raise TimeoutError(f"rendering {request.url} timed out after {self.render_timeout}s") from None
        finally:
            page = request.meta.pop(PAGE_META, None)
            kept = request.meta.get("playwright_include_page")
            if page is not None and not kept and not page.is_closed():
                self.stats.inc_value("newsbot/render/pages_closed_after_failure")
                with suppress(Exception):
                    await asyncio.shield(page.close())
            release = request.meta.pop(SLOT_META, None)
            if release is not None and not kept:
                release()
            name = request.meta.pop(COUNTED_META, None)
            if name is not None:
                self._in_use[name] -= 1
                self._close_if_retired(name)

    async def _create_page(self, request: Request, spider: Spider):
        # Assign (or, for a retried request, re-assign) a context unless the spider chose one.
        if "playwright_context" not in request.meta or request.meta.get(AUTO_CONTEXT_META):
            # Recycling: after N pages new pages go to a fresh context; the old one closes
            # when its last request finishes (its memory - caches, workers - goes with it).
            if self._generation_pages >= self.context_pages:
                self._retire(f"newsbot-{self._generation}")
                self._generation += 1
                self._generation_pages = 0
            self._generation_pages += 1
            name = f"newsbot-{self._generation}"
            request.meta["playwright_context"] = name
            request.meta[AUTO_CONTEXT_META] = True
            # Counted until the request is finished, not until its page exists: a context must
            # not close while a page is still being created in it.
            self._in_use[name] = self._in_use.get(name, 0) + 1
            request.meta[COUNTED_META] = name
        await self._page_slots.acquire()
        try:
            page = await super()._create_page(request, spider)
        except BaseException:
            self._page_slots.release()
            raise
        request.meta[PAGE_META] = page
        request.meta[SLOT_META] = release = self._slot_release()
        # A page kept by the spider (playwright_include_page) holds its slot until it is closed.
        page.once("close", release)
        return page

    def _slot_release(self):
        """Frees one page slot, once: when the download is done with its page (closed, or its
        close requested: Chromium reports a closed target only after tearing it down, and a
        slot held until then would leave fewer than NEWSBOT_RENDER_MAX_PAGES pages rendering),
        or when the page closes, whichever comes first."""
        released = False

        def release(*_: Any) -> None:
            nonlocal released
            if not released:
                released = True
                self._page_slots.release()

        return release

    def _retire(self, name: str) -> None:
        self._retired.add(name)
        self.stats.inc_value("newsbot/render/contexts_recycled")
        self._close_if_retired(name)

    def _close_if_retired(self, name: str) -> None:
        if name not in self._retired or self._in_use.get(name, 0) > 0:
            return
        self._retired.discard(name)
        self._in_use.pop(name, None)
        wrapper = self.context_wrappers.get(name)
        if wrapper is not None:
            asyncio.ensure_future(self._close_context(wrapper.context))

    @staticmethod
    async def _close_context(context: Any) -> None:
        with suppress(Exception):
            await context.close()

    # --- replay ---
    def _make_request_handler(self, **kwargs: Any):
        live_handler = super()._make_request_handler(**kwargs)
        if self.recordings is None:
            return live_handler

        async def replay_handler(route, pw_request) -> None:
            if self.abort_request and self.abort_request(pw_request):
                self.stats.inc_value("playwright/request_count/aborted")
                await route.abort()
                return
            recording = self.recordings.get(replay_key(pw_request.url))
            if recording is None:
                self.stats.inc_value("newsbot/replay/missing")
                logger.warning("replay (browser): no recording for %s; aborted", pw_request.url)
                await route.abort()
                return
            body = recording.path.read_bytes()
            headers = {k: v for k, v in recording.headers.items() if k.lower() != "content-encoding"}
            if recording.path.suffix == ".gz":
                body = gzip.decompress(body)
            self.stats.inc_value("newsbot/replay/served")
            await route.fulfill(status=recording.status, headers=headers, body=body)

        return replay_handler

    async def _close(self) -> None:
        if self._started:
            self.stats.set_value("newsbot/render/open_pages_at_close", self._get_total_page_count())
        await super()._close()
