"""`scrapy check` offline on the replay recordings, declared contracts, `scrapy record` round trip."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request

from newsbot import exitcodes
from newsbot.contracts import DeclaredContractsManager
from newsbot.spiders.nikkei_asia import NikkeiAsiaSpider
from tests.conftest import REPLAY, ROOT
from tests.support.localsite import LocalSite

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
SHUTTLE = "article-japan-south-korea-shuttle-diplomacy.html"


def check(*args: str, env_replay: str | None = None) -> subprocess.CompletedProcess:
    import os
    env = {k: v for k, v in os.environ.items() if k != "NEWSBOT_REPLAY"}
    if env_replay:
        env["NEWSBOT_REPLAY"] = env_replay
    return subprocess.run([SCRAPY, "check", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def replay_copy(tmp_path) -> Path:
    target = tmp_path / "replay"
    shutil.copytree(REPLAY, target)
    return target


@pytest.mark.slow
def test_check_passes_offline_on_recordings():
    result = check("nikkei_asia")
    assert result.returncode == 0, result.stderr[-4000:]
    # 28 with Chromium installed; without it the rendered listing's contract is skipped.
    assert re.search(r"Ran (28|27) contracts", result.stderr) and "\nOK" in result.stderr


def test_every_outlet_declares_contracts_on_its_recordings():
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    from newsbot.contracts import declared_blocks
    from newsbot.spiders.base import PoliticsSpider

    loader = SpiderLoader.from_settings(get_project_settings())
    outlets = [loader.load(n) for n in loader.list() if n != "generic"]
    assert len(outlets) >= 13
    for spider in outlets:
        assert issubclass(spider, PoliticsSpider)
        blocks = declared_blocks(spider)
        urls = {cb: [line.split()[1] for b in bs for line in b.splitlines() if line.strip().startswith("@url")]
                for cb, bs in blocks.items()}
        recorded = {r["url"] for r in json.loads((REPLAY / spider.name / "recordings.json").read_text("utf-8"))["responses"]}
        # Every source the spider starts from, and at least three articles, are checked.
        assert set(spider.section_urls) <= set(urls.get("parse_listing", [])), spider.name
        assert set(spider.feed_urls) <= set(urls.get("parse_feed", [])), spider.name
        assert set(spider.sitemap_urls) <= set(urls.get("parse_sitemap", [])), spider.name
        assert len(urls.get("parse_article", [])) >= 3, spider.name
        for cb, declared in urls.items():
            assert set(declared) <= recorded, (spider.name, cb, set(declared) - recorded)


@pytest.mark.slow
def test_check_ignores_the_dedup_state_of_earlier_crawls(tmp_path):
    from tests.support.helpers import run_scrapy
    crawl = run_scrapy("crawl", "reuters", "-O", str(tmp_path / "out.jsonl"))
    assert crawl.returncode == 0 and (tmp_path / "out.jsonl").read_text("utf-8").count("\n") >= 3
    # The articles are now known to the dedup state: a crawl would skip them, a check must not.
    result = check("reuters")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "\nOK" in result.stderr


@pytest.mark.slow
def test_rendered_contract_runs_in_chromium_and_is_skipped_without_it(monkeypatch, chromium):
    monkeypatch.setenv("NEWSBOT_CHROMIUM", chromium)
    rendered = check("nikkei_asia", "-v")
    assert rendered.returncode == 0, rendered.stderr[-4000:]
    assert "parse_listing (@returns post-hook, https://asia.nikkei.com/Politics/Japan-election) ... ok" in rendered.stderr
    monkeypatch.setenv("NEWSBOT_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    skipped = check("nikkei_asia")
    assert skipped.returncode == 0, skipped.stderr[-4000:]   # the plain contracts still ran
    assert "SKIPPED" in skipped.stderr and "Japan-election" in skipped.stderr
    assert "browser not found: /nonexistent/chromium" in skipped.stderr
    assert "Ran 27 contracts" in skipped.stderr
    monkeypatch.setenv("CI", "true")                         # in CI a missing browser fails the check
    failed = check("nikkei_asia")
    assert failed.returncode == 1 and "cannot run: browser not found" in failed.stderr


@pytest.mark.slow
def test_check_fails_when_recording_no_longer_yields_promised_fields(replay_copy):
    page = replay_copy / "nikkei_asia" / SHUTTLE
    html = page.read_text("utf-8")
    assert 'class="article-header__author"' in html
    # A redesign moved the byline out of the page (and renamed the JSON-LD key): the page no longer
    # gives the authors the contract promises, to the outlet's selectors or any metadata reader.
    byline = re.search(r'<div class="article-header__author">.*?</div>', html).group(0)
    page.write_text(html.replace(byline, '<div class="byline-v2"></div>').replace('"author"', '"contributor"'), "utf-8")
    result = check("nikkei_asia", "--replay", str(replay_copy))
    assert result.returncode == 1
    assert "FAILED (failures=1)" in result.stderr, result.stderr[-4000:]
    assert "@coverage: below 100% in 1 item(s): authors 0%" in result.stderr
    assert "shuttle-diplomacy" in result.stderr


@pytest.mark.slow
def test_check_fails_on_junk_left_in_body(replay_copy):
    page = replay_copy / "nikkei_asia" / SHUTTLE
    html = page.read_text("utf-8")
    assert "<p>" in html
    # A tracking script's text printed into the article by a broken template.
    page.write_text(html.replace("<p>", "<p>window.dataLayer = window.dataLayer || []; ", 1), "utf-8")
    result = check("nikkei_asia", env_replay=str(replay_copy))       # the env variable works too
    assert result.returncode == 1, result.stderr[-4000:]
    assert "@nojunk" in result.stderr and "script or json in body" in result.stderr


@pytest.mark.slow
def test_a_double_escaped_entity_in_the_markup_is_decoded_not_delivered(replay_copy):
    page = replay_copy / "nikkei_asia" / SHUTTLE
    html = page.read_text("utf-8")
    # "&amp;nbsp;" in the markup is a literal "&nbsp;" in the page's text: the item gets a space.
    page.write_text(html.replace("<p>", "<p>&amp;nbsp;", 1), "utf-8")
    result = check("nikkei_asia", env_replay=str(replay_copy))
    assert result.returncode == 0 and "html entity" not in result.stderr, result.stderr[-4000:]


# One real `scrapy check` run stays in the quick loop (`-m "not slow"`); the others are marked slow.
def test_check_fails_when_a_promised_url_is_not_recorded(replay_copy):
    index = replay_copy / "nikkei_asia" / "recordings.json"
    data = json.loads(index.read_text("utf-8"))
    data["responses"] = [r for r in data["responses"] if "shuttle-diplomacy" not in r["url"]]
    index.write_text(json.dumps(data), "utf-8")
    result = check("nikkei_asia", "--replay", str(replay_copy))
    assert result.returncode == 1
    assert "parse_article (errback)" in result.stderr and "IgnoreRequest" in result.stderr


def test_contract_requests_carry_the_spiders_own_meta():
    class RenderedSpider(NikkeiAsiaSpider):
        name = "rendered"
        render_articles = True  # the declaration of an outlet whose article pages need a browser

    from unittest import TestResult
    from scrapy.contracts.default import ReturnsContract, UrlContract
    from scrapy.utils.test import get_crawler
    from newsbot.contracts import BodyContract, CoverageContract, NoJunkContract, SchemaContract
    manager = DeclaredContractsManager([UrlContract, ReturnsContract, SchemaContract, NoJunkContract, CoverageContract,
                                        BodyContract])
    spider = RenderedSpider.from_crawler(get_crawler(RenderedSpider))
    requests = [r for r in manager.from_spider(spider, TestResult()) if isinstance(r, Request)]
    article = [r for r in requests if "Japan-US-working-groups" in r.url]
    assert article and article[0].meta["playwright"] is True and article[0].meta["newsbot_article"] is True
    listing = [r for r in requests if r.url.endswith("/Politics")]
    assert listing and "playwright" not in listing[0].meta


@pytest.mark.slow
def test_record_refreshes_recordings_that_replay_offline(tmp_path, isolated_newsbot_home):
    common = ["-s", "SPIDER_MODULES=tests.support.local_spiders", "-s", "ROBOTSTXT_OBEY=False",
              "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    with LocalSite("ok", articles=3) as site:
        result = subprocess.run([SCRAPY, "record", "local_politics", "-a", f"base={site.base}",
                                 "--output", str(tmp_path), *common],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
        base = site.base
    assert result.returncode == 0, result.stderr[-3000:]
    index = json.loads((tmp_path / "local_politics" / "recordings.json").read_text("utf-8"))
    urls = {r["url"] for r in index["responses"]}
    assert urls == {f"{base}/politics", *(f"{base}/politics/coalition-agrees-measure-number-{n}" for n in (1, 2, 3, 7))}
    # The server is gone: the same crawl now runs from the recordings alone.
    replayed = subprocess.run([SCRAPY, "crawl", "local_politics", "-a", f"base={base}", *common,
                               "-s", f"NEWSBOT_REPLAY={tmp_path}", "-O", str(tmp_path / "out.jsonl")],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert replayed.returncode == exitcodes.OK, replayed.stderr[-3000:]
    titles = sorted(json.loads(line)["title"] for line in (tmp_path / "out.jsonl").read_text().splitlines())
    assert titles == [f"Coalition agrees measure number {n}" for n in (1, 2, 3)]


@pytest.mark.slow
def test_live_canary_checks_the_site_not_the_recordings(tmp_path):
    args = ["local_politics", "--live", "-s", "SPIDER_MODULES=tests.support.local_spiders", "-s", "ROBOTSTXT_OBEY=False"]
    with LocalSite("ok", articles=3) as site:
        healthy = check(*args, "-a", f"base={site.base}", env_replay=str(tmp_path))   # env ignored with --live
    assert healthy.returncode == 0, healthy.stderr[-3000:]
    assert "Ran 2 contracts" in healthy.stderr
    with LocalSite("no_dates", articles=3) as site:      # the outlet changed its markup
        changed = check(*args, "-a", f"base={site.base}")
    assert changed.returncode == 1
    assert "@coverage: below 100% in 1 item(s): published_at 0%" in changed.stderr
