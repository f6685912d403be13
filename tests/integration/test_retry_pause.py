"""Retry-After with the settings users run (DOWNLOAD_DELAY 0.5, AutoThrottle on, default retries and
timeouts): the domain's slot is held, the retry waits in it, nothing fails (local fault site)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from newsbot.middlewares.retry import BackoffRetryMiddleware

from tests.conftest import ROOT, SUPPORT
from tests.support.faultsite import FaultSite

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
STORIES, LIMITED = 8, 4


@pytest.mark.slow
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_holds_the_domain_with_default_delays(tmp_path, status):
    site = FaultSite(jobs_articles=STORIES, jobs_delay=0.05, jobs_rate_limited=LIMITED,
                     jobs_rate_limit_status=status).start()
    try:
        result = subprocess.run(
            [SCRAPY, "runspider", str(SUPPORT / "faultspider.py"), "-a", f"site={site.base}", "-a", "jobs=1",
             "-a", f"stats_file={tmp_path / 'stats.json'}", "-o", f"{tmp_path / 'out.jsonl'}:jsonl"],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "AttributeError" not in result.stderr, result.stderr[-3000:]
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats["newsbot/retry/retry_after_honoured"] == 1
    assert stats["newsbot/retry/domain_paused"] == 1
    assert stats.get("newsbot/retry/gave_up", 0) == 0
    assert len((tmp_path / "out.jsonl").read_text("utf-8").splitlines()) == STORIES
    limited = f"/jobs/a/story-{LIMITED:03d}"
    first, second = site.times(limited)
    assert second - first >= 2.0                       # Retry-After: 2
    # Stories were still waiting (a new one starts about every delay, ~0.5-1 s, without the
    # pause), yet nothing new started at that domain until the time asked had passed.
    later = [t for path, t in site.hits if path.startswith("/jobs/a/") and path != limited and t > first]
    assert later, "no story was left to crawl after the rate-limited one"
    assert [t for t in later if first + 0.1 < t < first + 2.0] == []


def middleware_with_slot(delay: float) -> tuple[BackoffRetryMiddleware, Slot]:
    """The middleware of a crawler whose downloader has one slot (Scrapy's own Slot class)."""
    crawler = get_crawler()
    crawler.spider = Spider.from_crawler(crawler, name="s")
    slot = Slot(concurrency=4, delay=delay, jitter=0)
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={"a.example": slot},
                                                                get_slot_key=lambda request: "a.example"))
    return BackoffRetryMiddleware.from_crawler(crawler), slot


def answer(middleware: BackoffRetryMiddleware, retry_after: str, status: int = 429):
    request = Request("https://a.example/story")
    response = Response(request.url, status=status, headers={"Retry-After": retry_after}, request=request)
    return asyncio.run(middleware.process_response(request, response))


@pytest.mark.parametrize("delay", [0.5, 0.0])
def test_the_retry_is_returned_at_once_and_the_slot_held(delay):
    middleware, slot = middleware_with_slot(delay)
    started = time.monotonic()
    retry = answer(middleware, "30")
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert time.monotonic() - started < 1                       # not 30 s of sleeping in the middleware
    assert 29 < slot.lastseen - time.monotonic() <= 30          # the downloader starts nothing there before
    assert slot.delay > 0                                       # (with no delay it never looks at lastseen)
    assert middleware.stats.get_value("newsbot/retry/domain_paused") == 1


def test_a_shorter_retry_after_does_not_shorten_a_pause():
    middleware, slot = middleware_with_slot(0.5)
    answer(middleware, "30")
    held = slot.lastseen
    answer(middleware, "2", status=503)
    assert slot.lastseen == held
    assert middleware.stats.get_value("newsbot/retry/domain_paused") == 1
