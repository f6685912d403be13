"""Health rules as units: the delivery rule, policy arithmetic, summary content."""

from __future__ import annotations

import datetime as dt

from scrapy.utils.test import get_crawler

from newsbot import exitcodes
from newsbot.extensions.health import HealthExtension, evaluate
from newsbot.extensions.summary import build_summary, drop_reason, human_summary
from tests.support.local_spiders import LocalPoliticsSpider

POLICY = {"min_items": 1, "max_error_ratio": 0.2, "max_missing_ratio": 0.2, "require_delivery": True}


def test_error_ratio_counts_failed_requests_and_callback_exceptions():
    stats = {"item_scraped_count": 8, "newsbot/requests/ok": 8, "newsbot/requests/failed": 1,
             "spider_exceptions/count": 1, "newsbot/errors/http_503": 1}
    # 2 errors in 9 finished requests = 22% > 20%
    [line] = evaluate(stats, POLICY)
    assert line.startswith("max_error_ratio: 22% errors (1 failed request(s), 1 callback exception(s) in 9")
    assert "http_503=1" in line
    assert evaluate({**stats, "spider_exceptions/count": 0}, POLICY) == []    # 11% is within policy


def test_a_run_that_finds_only_known_articles_is_healthy():
    ok = {"newsbot/requests/ok": 3}
    # Everything was already in the dedup state: skipped before download, nothing written.
    assert evaluate({**ok, "item_scraped_count": 0, "newsbot/dedup/skipped_known_url": 4}, POLICY) == []
    # Nothing found at all: discovery is broken.
    [line] = evaluate({**ok, "item_scraped_count": 0}, POLICY)
    assert line.startswith("min_items: 0 article(s) found")


def test_an_idle_fleet_worker_is_judged_by_what_its_fleet_found():
    idle = {"downloader/response_count": 1, "item_scraped_count": 0}
    assert evaluate({**idle, "newsbot/fleet/items_found": 240}, POLICY) == []
    [line] = evaluate({**idle, "newsbot/fleet/items_found": 0}, POLICY)
    assert line.startswith("min_items: 0 article(s) found") and "the fleet run 0" in line


def test_delivery_rule_reports_without_asking_twice_for_exit_4():
    crawler = get_crawler(LocalPoliticsSpider)
    crawler.stats.open_spider()
    extension = HealthExtension.from_crawler(crawler)
    crawler.stats.set_value("item_scraped_count", 3)
    crawler.stats.set_value("newsbot/delivery/undelivered_batches", 2)
    exitcodes.fail_run(crawler, exitcodes.UNDELIVERED, "feed batch 2 of 2 could not be uploaded")
    extension.engine_stopped()
    reasons = crawler.stats.get_value(exitcodes.STAT_REASONS)
    assert len(reasons) == 1 and reasons[0].startswith("[exit 4] feed batch")
    assert crawler.stats.get_value("newsbot/health/broken") == ["delivery: 2 batch(es) undelivered (kept in the spool)"]
    assert exitcodes.exit_code_of(crawler) == exitcodes.UNDELIVERED


def test_delivery_rule_asks_for_exit_4_when_delivery_code_did_not():
    crawler = get_crawler(LocalPoliticsSpider, {"NEWSBOT_HEALTH_MIN_ITEMS": 0})
    crawler.stats.open_spider()
    extension = HealthExtension.from_crawler(crawler)
    crawler.stats.set_value("newsbot/delivery/undelivered_batches", 1)
    extension.engine_stopped()
    assert exitcodes.exit_code_of(crawler) == exitcodes.UNDELIVERED


def test_summary_groups_drops_errors_and_coverage():
    stats = {"start_time": dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.timezone.utc),
             "finish_time": dt.datetime(2026, 11, 29, 1, 2, tzinfo=dt.timezone.utc),
             "item_scraped_count": 4, "newsbot/fields/present/title": 4, "newsbot/fields/present/authors": 1,
             "newsbot/dropped/invalid/title": 2, "newsbot/errors/http_404": 1, "spider_exceptions/count": 2,
             "spider_exceptions/KeyError": 2, "newsbot/junk/newsletter": 3, "newsbot/dedup/new": 3,
             "newsbot/dedup/duplicate": 1, "newsbot/delivery/undelivered_batches": 0}
    summary = build_summary(stats, "x", "x_outlet", 0)
    assert summary["start"] == "2026-11-29T01:00:00Z" and summary["end"] == "2026-11-29T01:02:00Z"
    assert summary["dropped"] == {"invalid/title": 2}
    assert summary["errors"] == {"http_404": 1, "callback_KeyError": 2}
    assert summary["field_coverage"] == {"authors": 0.25, "title": 1.0}
    assert (summary["new"], summary["duplicate"], summary["updated"]) == (3, 1, None)
    text = human_summary(summary, None)
    assert len(text.splitlines()) <= 24 and "coverage  authors=25%, title=100%" in text


def test_drop_reason_keys_are_stable():
    assert drop_reason(Exception("invalid item https://x/1: field 'title': None is not of type 'string'")) == "invalid/title"
    assert drop_reason(Exception("duplicate of https://x/2")) == "duplicate"
    assert drop_reason(KeyError("x")) == "KeyError"


def test_the_summary_says_how_many_articles_were_already_known_and_how_to_get_them_again():
    stats = {"newsbot/dedup/skipped_known_url": 3, "newsbot/dedup/duplicate": 2, "newsbot/dedup/new": 0}
    summary = build_summary(stats, "npr", "npr", 0)
    assert summary["already_known"] == 5
    text = human_summary(summary, None)
    assert "5 article(s) delivered by earlier runs were not written again" in text
    assert "scrapy dedup reset --outlet npr" in text
    assert "known " not in human_summary(build_summary({"newsbot/dedup/new": 4}, "npr", "npr", 0), None)
