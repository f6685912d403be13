"""`scrapy crawl generic -a url=...` on a recorded WordPress-style site (tests/fixtures/replay/generic_site)."""

from __future__ import annotations

import pytest

from tests.support.replay_crawl import crawl

# One `scrapy crawl generic` over the recorded site (shared by the tests), one refused run.
pytestmark = pytest.mark.slow

SECTION = "https://www.riverside-courier.test/politics/"
_CRAWL: list = []


def crawl_site(tmp_path_factory):
    if not _CRAWL:
        _CRAWL.append(crawl("generic", tmp_path_factory.mktemp("generic"), "-a", f"url={SECTION}"))
    return _CRAWL[0]


def test_generic_spider_discovers_feed_sitemap_and_listing(tmp_path_factory):
    items, stats, log = crawl_site(tmp_path_factory)
    by_title = {i["title"]: i for i in items}
    assert set(by_title) == {
        "Mayor signs budget with new transit fund",
        "State senator announces run for governor",
        "County board delays vote on redistricting map",
    }
    # Sources were discovered, not declared: <link rel=alternate> feed, robots.txt Sitemap line.
    assert stats["newsbot/generic/feeds_discovered"] == 1
    assert stats["newsbot/generic/sitemaps_discovered"] == 1
    assert stats["newsbot/feed/entries"] == 2
    # The sports story from the site-wide news sitemap is fetched but kept out.
    assert stats["newsbot/article/off_section"] == 1
    # Page 2 only repeats page 1: pagination stops there (page 3 is not recorded).
    assert stats["newsbot/listing/stopped_known"] == 1
    assert "newsbot/replay/missing" not in stats
    # The archive sitemap of the index is skipped for the news sitemap.
    assert "archive-2019" not in log
    assert stats["newsbot/body_source/generic"] == 3


def test_generic_spider_fields(tmp_path_factory):
    items, _, _ = crawl_site(tmp_path_factory)
    item = next(i for i in items if i["title"].startswith("State senator"))
    assert item["outlet"] == "riverside_courier_test"
    assert item["authors"] == ["Marcus Lee", "Priya Natarajan"]
    assert item["published_at"] == "2026-11-26T16:00:00+00:00"
    assert item["language"] == "en-US"
    assert item["section"] == "Politics"
    # Lazy image: the data-src address, not the data: placeholder.
    assert item["image_url"].endswith("/article-senator-governor.jpg")
    assert item["body"].startswith("State Senator Joan Abernathy announced")
    for junk in ("Share this", "Sign up for our free", "Related", "All rights reserved"):
        assert junk not in item["body"]


def test_generic_spider_without_url_is_a_config_error(tmp_path):
    import subprocess
    from tests.support.replay_crawl import SCRAPY
    from tests.conftest import ROOT
    proc = subprocess.run([*SCRAPY, "crawl", "generic"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 6
    assert "needs -a url=" in proc.stderr
