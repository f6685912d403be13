"""Article extraction in a worker process (NEWSBOT_EXTRACT_WORKERS, newsbot.middlewares.extraction):
the worker gives what the crawl process gives (the cleaning rule matches it finds too), its log
lines reach the crawl's log, and a worker that dies mid-crawl loses no article."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from newsbot import exitcodes
from newsbot.cleaning import TextCleaner
from newsbot.parsing.article import OutletProfile, parse_article
from newsbot.parsing.limits import ExtractLimits
from newsbot.parsing.text import normalize_body, paragraphs_of
from newsbot.parsing.worker_link import PageJob, WorkerGone, WorkerLink

from tests.conftest import REPLAY, ROOT
from tests.support.helpers import read_jsonl
from tests.support.replay_crawl import _stats
from tests.support.services import politics_site
from tests.support.workers import extraction_worker_pids
from tests.integration.test_outlet_recordings import outlet_spiders, recorded_article_pages

def recorded_articles() -> list[tuple[OutletProfile, HtmlResponse]]:
    pages = []
    for outlet, spider_cls in sorted(outlet_spiders().items()):
        folder = REPLAY / outlet
        if not (folder / "recordings.json").exists():
            continue
        for url, page in recorded_article_pages(folder, spider_cls).items():
            body = (folder / page).read_bytes()
            pages.append((spider_cls.profile(), HtmlResponse(url, body=body, request=Request(url))))
    return pages


async def through_worker(jobs: list[PageJob]) -> list:
    worker = WorkerLink(logging.INFO)
    await worker.start()
    try:
        # All sent before any answer is read: the answers come back in order.
        return await asyncio.gather(*(worker.extract(job) for job in jobs))
    finally:
        await worker.stop()


def test_worker_gives_what_the_crawl_process_gives_on_every_recorded_article():
    pages = recorded_articles()
    assert len(pages) >= 30
    limits = ExtractLimits()
    answers = asyncio.run(through_worker([PageJob.of(response, profile, limits) for profile, response in pages]))
    matched = 0
    for (profile, response), (result, lines, matches) in zip(pages, answers):
        expected = parse_article(HtmlResponse(response.url, body=response.body, request=Request(response.url)),
                                 profile, limits)
        assert result == expected, response.url
        assert result.item is not None and result.item.body, response.url
        assert lines == []
        # The rule matches it found are those CleanBodyPipeline finds for the normalized body.
        item = expected.item
        body = normalize_body(item.body)
        cleaner = TextCleaner.for_outlet(item.outlet, item.language)
        in_process = [cleaner.match(paragraph) for paragraph in paragraphs_of(body)]
        assert matches.rules_for(cleaner, item.outlet, item.language, body) == in_process, response.url
        matched += any(in_process)
    assert matched >= 1   # a page with a template paragraph the parser let through is among them


def test_worker_sends_back_its_log_lines_and_the_extraction_errors():
    profile, response = recorded_articles()[0]
    small = ExtractLimits(max_elements=50, max_text=0)
    broken = OutletProfile(outlet="broken", selectors={"body": "p:nth-child(("})   # not CSS
    (cut, lines, _), (failed, error, _) = asyncio.run(through_worker([PageJob.of(response, profile, small),
                                                               PageJob.of(response, broken, small)]))
    assert cut.over_limit is not None and cut.item is not None
    assert [(name, level) for name, level, _ in lines] == [("newsbot.parsing.article", logging.WARNING)]
    assert "over the extraction limits" in lines[0][2] and response.url in lines[0][2]
    with pytest.raises(Exception) as in_process:   # the same page fails the same way in process
        parse_article(response, broken, small)
    assert failed is None and error == f"SelectorSyntaxError: {in_process.value}"


def test_pages_a_dead_worker_held_are_answered_with_worker_gone():
    profile, response = recorded_articles()[0]

    async def killed_mid_job() -> list:
        worker = WorkerLink(logging.INFO)
        await worker.start()
        waiting = [asyncio.ensure_future(worker.extract(PageJob.of(response, profile, ExtractLimits())))
                   for _ in range(50)]
        os.kill(worker.process.pid, signal.SIGKILL)
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
        with pytest.raises(WorkerGone):
            await worker.extract(PageJob.of(response, profile, ExtractLimits()))
        await worker.stop()
        return outcomes

    outcomes = asyncio.run(asyncio.wait_for(killed_mid_job(), 60))
    assert any(isinstance(outcome, WorkerGone) for outcome in outcomes)
    assert all(isinstance(outcome, (WorkerGone, tuple)) for outcome in outcomes)
    assert extraction_worker_pids(os.getpid()) == []


ARTICLES = 30
VOLATILE = {"scraped_at", "fetched_at"}


def crawl(site: str, out: Path, home: Path, *settings: str) -> subprocess.Popen:
    env = {**os.environ, "NEWSBOT_HOME": str(home), "NEWSBOT_ALLOWED_PRIVATE_HOSTS": "127.0.0.1"}
    env.pop("NEWSBOT_REPLAY", None)
    args = ["crawl", "generated_site", "-s", "SPIDER_MODULES=benchmarks.spiders", "-a", f"site={site}",
            "-O", f"{out}:jsonl", "-s", "LOG_LEVEL=INFO", *settings]
    return subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_a_worker_killed_mid_crawl_loses_nothing_and_items_match_a_crawl_without_worker(tmp_path):
    """Default settings (delays included); the worker is SIGKILLed once it has started."""
    with politics_site(ARTICLES) as site:
        default = crawl(site, tmp_path / "default.jsonl", tmp_path / "home-default")
        in_process = crawl(site, tmp_path / "in-process.jsonl", tmp_path / "home-0", "-s", "NEWSBOT_EXTRACT_WORKERS=0")
        try:
            deadline = time.monotonic() + 120
            while not (pids := extraction_worker_pids(default.pid)):
                assert default.poll() is None, "the crawl ended before its worker started"
                assert time.monotonic() < deadline, "no worker started"
                time.sleep(0.05)
            time.sleep(1.0)   # a few pages through it, and some waiting on it
            os.kill(pids[0], signal.SIGKILL)
            _, log = default.communicate(timeout=240)
            _, log_without = in_process.communicate(timeout=240)
        finally:
            for proc in (default, in_process):
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()

    assert default.returncode == exitcodes.OK, log[-4000:]
    assert in_process.returncode == exitcodes.OK, log_without[-4000:]
    assert "Traceback" not in log
    stats, stats_without = _stats(log), _stats(log_without)
    assert stats["newsbot/extract/worker_failures"] >= 1
    assert log.count("extraction worker ended") == 1, log[-4000:]
    assert stats["newsbot/extract/in_worker"] >= 1       # pages went through a worker
    assert "newsbot/extract/in_worker" not in stats_without
    assert extraction_worker_pids(default.pid) == []                 # its replacement ended with the crawl

    def by_url(path: Path) -> dict[str, dict]:
        return {item["url"]: {k: v for k, v in item.items() if k not in VOLATILE} for item in read_jsonl(path)}

    items = by_url(tmp_path / "default.jsonl")
    assert len(items) == ARTICLES
    assert items == by_url(tmp_path / "in-process.jsonl")
