"""Every fault of the fault-injection site (tests/support/faultsite.py), met by one real crawl.

One `scrapy runspider` crawl of tests/support/faultspider.py runs against the site (module fixture) with
the settings users run: newsbot's defaults (DOWNLOAD_DELAY 0.5, AutoThrottle, RETRY_TIMES 3 with
1 s backoff, DOWNLOAD_TIMEOUT 30, DOWNLOAD_MAXSIZE 10 MiB, dedup on). Each test asserts what
newsbot did with one fault: the items delivered (JSON Lines), the stats (`newsbot/fault/<kind>`)
and what the site saw requested. Every fault must leave the crawl running: the crawl finishes
("finished") and the healthy articles are all delivered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsbot import defaults as DEFAULTS

from tests.conftest import ROOT, SUPPORT
from tests.support.faultsite import CP1252_TITLE, JA_TITLE, FaultSite, ja_paragraphs, story_paragraphs

pytestmark = pytest.mark.slow   # real crawls of the fault site at newsbot's default delays

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
SECRET = "CANARY-5f0e3c-NOT-FOR-OUTPUT"
# Requests of a URL that fails every time: the first and RETRY_TIMES retries.
ATTEMPTS = DEFAULTS.RETRY_TIMES + 1
# Only what the test site needs; everything else is newsbot's default. The site is on 127.0.0.1,
# which newsbot refuses unless allowed (127.0.0.2 and the rest of loopback stay refused, as
# test_redirects_to_private_addresses_are_refused_before_connecting checks). Given with -s too
# because the module's crawl starts before conftest's per-test environment does.
SITE_SETTINGS = {"NEWSBOT_ALLOWED_PRIVATE_HOSTS": "127.0.0.1"}


def run_fault_crawl(site: FaultSite, workdir: Path, *extra: str, settings: dict | None = None,
                    output: str = "out.jsonl", timeout: float = 180, wait: bool = True, home: Path | None = None):
    """`scrapy runspider` of the fault spider at newsbot's defaults, plus `settings` (a test that
    changes one says why). NEWSBOT_HOME (dedup state, spool, locks) is `home`, else the test's
    own (conftest), never the repository's ./.newsbot."""
    cmd = [SCRAPY, "runspider", str(SUPPORT / "faultspider.py"), "-a", f"site={site.base}",
           "-a", f"stats_file={workdir / 'stats.json'}", "-o", f"{workdir / output}:jsonl",
           "-s", f"LOG_FILE={workdir / 'crawl.log'}", *extra]
    for name, value in {**SITE_SETTINGS, **(settings or {})}.items():
        cmd += ["-s", f"{name}={value}"]
    env = {**os.environ, "NEWSBOT_HOME": str(home)} if home else dict(os.environ)
    assert env.get("NEWSBOT_HOME"), "a fault crawl needs its own NEWSBOT_HOME"
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, env=env)
    return subprocess.run(cmd, cwd=ROOT, env=env, timeout=timeout, capture_output=True, text=True)


def read_items(*paths: Path) -> list[dict]:
    items = []
    for path in paths:
        if path.exists():
            for line in path.read_text("utf-8").splitlines():
                items.append(json.loads(line))  # a half-written line fails here
    return items


class Crawl:
    def __init__(self, site: FaultSite, workdir: Path, result):
        self.site = site
        self.result = result
        self.log = (workdir / "crawl.log").read_text("utf-8")
        self.stats = json.loads((workdir / "stats.json").read_text("utf-8"))
        self.items = {item["url"].removeprefix(site.base): item for item in read_items(workdir / "out.jsonl")}
        self.raw_output = (workdir / "out.jsonl").read_text("utf-8")

    def stat(self, key: str) -> float:
        return self.stats.get(key, 0)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Crawl:
    workdir = tmp_path_factory.mktemp("faultcrawl")
    secret = workdir / "secret.txt"
    secret.write_text(SECRET)
    site = FaultSite(secret_file=str(secret)).start()
    try:
        # Module-scoped: its own NEWSBOT_HOME (the per-test one of conftest is not set yet).
        result = run_fault_crawl(site, workdir, home=workdir / "home")
        assert result.returncode == 0, result.stderr[-3000:]
        yield Crawl(site, workdir, result)
    finally:
        site.stop()


def test_the_crawl_survives_every_fault(crawl):
    assert crawl.stats["finish_reason"] == "finished"
    assert "Spider error processing" not in crawl.log      # no callback raised
    assert "Error processing" not in crawl.log             # no pipeline raised
    # Every healthy page of the site is delivered despite the faulty ones around it.
    for path in ("/a/ok", "/a/gzip-ok", "/a/from-feed", "/a/from-sitemap"):
        assert path in crawl.items, path
    # Dedup was on and every page of the site is its own story: each one new, none dropped.
    assert crawl.stat("newsbot/dedup/new") == len(crawl.items)
    assert crawl.stat("newsbot/dedup/duplicate") == 0


@pytest.mark.parametrize("code", [500, 502, 503])
def test_5xx_burst_is_retried_with_backoff_then_delivered(crawl, code):
    path = f"/a/burst-{code}"
    assert crawl.site.count(path) == 3          # two errors, then the article
    assert path in crawl.items
    times = crawl.site.times(path)
    # Retry n waits NEWSBOT_RETRY_BACKOFF_BASE (1 s) * 2**(n-1), +-25 %.
    base = DEFAULTS.NEWSBOT_RETRY_BACKOFF_BASE
    assert all(b - a >= 0.7 * base * 2 ** n for n, (a, b) in enumerate(zip(times, times[1:])))
    assert crawl.stat("newsbot/fault/http_5xx") >= 6


def test_persistent_500_gives_up_after_retry_times(crawl):
    assert crawl.site.count("/a/always-500") == ATTEMPTS
    assert "/a/always-500" not in crawl.items
    assert crawl.stat("newsbot/retry/gave_up") >= 1


def test_429_retry_after_is_honoured(crawl):
    first, second = crawl.site.times("/a/ratelimited")
    assert second - first >= 1.9                    # Retry-After: 2 (backoff alone would be ~0.1 s)
    assert "/a/ratelimited" in crawl.items
    assert crawl.stat("newsbot/retry/retry_after_honoured") == 1
    assert crawl.stat("newsbot/fault/http_429") >= 2


def test_retry_after_pauses_the_whole_domain(tmp_path):
    # A steady crawl of 16 stories (newest first); story 8 answers 429 with Retry-After: 2 while
    # 8 stories are still to go.
    site = FaultSite(jobs_articles=16, jobs_delay=0.1, jobs_rate_limited=8).start()
    try:
        result = run_fault_crawl(site, tmp_path, "-a", "jobs=1", timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
    finally:
        site.stop()
    limited = site.times("/jobs/a/story-008")[0]
    after = sorted(t for p, t in site.hits if p.startswith("/jobs/a/") and t > limited)
    assert len(after) >= 3, "too few stories were left to crawl after the rate-limited one"
    # The request in flight next to story 8 may be answered; then nothing new starts until the
    # Retry-After time has passed (without the pause a new story starts every DOWNLOAD_DELAY, 0.5 s).
    started_meanwhile = [t for t in after if limited + 0.6 < t < limited + 1.9]
    assert started_meanwhile == []
    assert len(read_items(tmp_path / "out.jsonl")) == 16
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats["newsbot/retry/domain_paused"] == 1


def test_429_with_excessive_retry_after_is_given_up_not_waited(crawl):
    assert crawl.site.count("/a/ratelimited-long") == 1
    assert crawl.stat("newsbot/retry/retry_after_too_long") == 1
    assert "retry after 86400s" in crawl.log


def test_connection_reset_is_retried(crawl):
    assert "/a/reset-once" in crawl.items
    assert crawl.site.count("/a/reset-always") == ATTEMPTS
    assert crawl.stat("newsbot/fault/connection_lost") >= 1 + ATTEMPTS


def test_slow_body_times_out(crawl):
    # The slow route alone gets a 1.5 s timeout (tests/support/faultspider.py says why).
    assert crawl.site.count("/a/slow") == ATTEMPTS
    assert "/a/slow" not in crawl.items
    assert crawl.stat("newsbot/fault/timeout") == ATTEMPTS


def test_truncated_body_is_not_delivered(crawl):
    assert "/a/truncated" not in crawl.items
    assert crawl.stat("newsbot/fault/truncated") == ATTEMPTS


def test_redirect_loops_are_cut(crawl):
    assert crawl.site.count("/a/redirect-loop") == 1
    spiral = [p for p, _ in crawl.site.hits if p == "/a/redirect-spiral"]
    assert len(spiral) == 1 + DEFAULTS.REDIRECT_MAX_TIMES   # the first request and the redirects allowed
    assert crawl.stat("newsbot/fault/redirect_loop") == 2


def test_redirect_chain_is_followed(crawl):
    assert crawl.items["/a/chain-0"]["title"] == "Article at the end of a redirect chain"


def test_redirects_to_private_addresses_are_refused_before_connecting(crawl):
    assert crawl.stat("newsbot/fault/private_address/redirect") == 3
    for host in ("169.254.169.254", "10.0.0.1", "127.0.0.2"):
        assert f"refused http://{host}" in crawl.log
    assert "/a/ok" in crawl.items   # 127.0.0.1 itself is allowed by NEWSBOT_ALLOWED_PRIVATE_HOSTS
    # Nothing reached a download handler for those hosts (a connection attempt would log an error).
    assert "Error downloading <GET http://169.254" not in crawl.log


def test_gigantic_pages_are_refused(crawl):
    assert "/a/huge" not in crawl.items and "/a/huge-chunked" not in crawl.items
    assert crawl.stat("newsbot/fault/too_large") == 2
    assert "larger than download max size" in crawl.log or "exceeded" in crawl.log


def test_gzip_bomb_is_refused_by_decompressed_size(crawl):
    # 64 MiB of zeros in ~65 KB of gzip: Scrapy 2.19 stops at DOWNLOAD_MAXSIZE decompressed bytes.
    assert "/a/gzip-bomb" not in crawl.items
    assert crawl.stat("newsbot/fault/decompression_bomb") == 1
    assert "exceeded DOWNLOAD_MAXSIZE" in crawl.log
    assert crawl.items["/a/gzip-ok"]["title"] == "Compressed article"


@pytest.mark.parametrize("path", ["/a/sjis-as-utf8", "/a/eucjp-as-utf8", "/a/utf8-as-sjis", "/a/utf8-as-eucjp",
                                  "/a/sjis-undeclared", "/a/bom-utf8-as-latin1", "/a/bom-utf16"])
def test_japanese_text_is_readable_whatever_the_declared_charset(crawl, path):
    item = crawl.items[path]
    assert item["title"] == JA_TITLE
    assert item["body"].split("\n\n") == ja_paragraphs(path)
    assert "\ufffd" not in item["body"]


def test_windows_1252_declared_as_latin1_is_read_as_windows_1252(crawl):
    item = crawl.items["/a/cp1252-as-latin1"]
    assert item["title"] == CP1252_TITLE
    assert "\x93" not in item["body"] and "“unfortunate”" in item["body"]


def test_charset_corrections_are_counted_and_undecodable_pages_refused(crawl):
    assert crawl.stat("newsbot/fault/charset/corrected") == 5   # 2 wrong UTF-8, 2 wrong CJK, 1 undeclared
    assert crawl.stat("newsbot/fault/charset/undecodable") == 1
    assert "/a/garbage-as-utf8" not in crawl.items
    assert "\ufffd" not in crawl.raw_output


def test_empty_200_page_gives_no_item(crawl):
    assert "/a/empty" not in crawl.items
    assert crawl.stat("newsbot/fault/empty_body") == 1


def test_html_that_is_not_an_article_gives_no_item(crawl):
    assert "/a/not-article" not in crawl.items
    assert crawl.stat("newsbot/article/failed/not_an_article") == 1


@pytest.mark.parametrize("path,title", [
    ("/a/jsonld-invalid", "Invalid JSON-LD falls back to the page"),
    ("/a/jsonld-huge", "Huge JSON-LD is skipped"),
    ("/a/jsonld-deep", "Deep JSON-LD is skipped"),
    ("/a/jsonld-graph-deep", "Deep @graph is not walked"),
    ("/a/jsonld-types", "Wrong JSON-LD types fall back"),
])
def test_hostile_json_ld_falls_back_to_the_page(crawl, path, title):
    item = crawl.items[path]
    assert item["title"] == title
    assert item["body"].split("\n\n") == story_paragraphs(path)   # the page's, not the JSON-LD's


def test_hostile_json_ld_is_counted(crawl):
    assert crawl.stat("newsbot/fault/json_ld/invalid") == 2      # broken and 200 000 levels deep
    assert crawl.stat("newsbot/fault/json_ld/oversized") == 1
    assert crawl.stat("newsbot/fault/json_ld/too_deep") == 1


@pytest.mark.parametrize("path", ["/a/date-future", "/a/date-past"])
def test_impossible_dates_are_rejected_and_the_article_kept(crawl, path):
    item = crawl.items[path]
    assert item["published_at"] is None and item["updated_at"] is None
    assert crawl.stat("newsbot/fault/date_rejected") >= 2


def test_robots_txt_is_obeyed(crawl):
    assert crawl.site.count("/robots.txt") == 1
    assert crawl.site.count("/a/robots-disallowed") == 0
    assert crawl.stat("robotstxt/forbidden") == 1


def test_hostile_feeds_and_sitemaps_expand_nothing_and_fetch_nothing(crawl):
    assert crawl.site.count("/xxe-probe") == 0          # external entities are never fetched
    assert SECRET not in crawl.raw_output and SECRET not in crawl.log
    assert "lollollol" not in crawl.raw_output
    assert "/a/from-feed" in crawl.items and "/a/from-sitemap" in crawl.items
    # The hostile documents' real entries are still read (the DTD is dropped, not the document).
    assert crawl.stat("newsbot/feed/empty") == 0 and crawl.stat("newsbot/sitemap/empty") == 0
    assert "declares a DTD with entities; parsed without it" in crawl.log
