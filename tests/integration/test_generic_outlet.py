"""The generic spider's outlet id: one rule with `python -m newsbot.extract`, valid for hosts that
start with a digit, `-a outlet=` honoured everywhere (items, %(outlet)s in feed URIs); items the
schema refuses count against health."""

from __future__ import annotations

import pytest

from newsbot import exitcodes
from newsbot.extensions.health import STAT_INVALID, STAT_ITEMS_SEEN, evaluate
from newsbot.extract import generic_profile
from newsbot.spiders.generic import GenericSpider
from newsbot.urls import OUTLET_ID
from tests.support.helpers import read_jsonl, run_scrapy
from tests.support.localsite import LocalSite

POLICY = {"min_items": 1, "max_error_ratio": 0.2, "max_missing_ratio": 0.2, "require_delivery": True}


@pytest.mark.parametrize("url, outlet", [
    ("https://www.20minutes.fr/politique/", "site_20minutes_fr"),
    ("http://127.0.0.1:8080/politics", "site_127_0_0_1"),
    ("https://www.riverside-courier.test/politics/", "riverside_courier_test"),
    ("https://Le-Monde.FR/politique", "le_monde_fr"),
])
def test_one_rule_for_the_generic_spider_and_the_extractor(url, outlet):
    assert generic_profile(url).outlet == outlet
    assert GenericSpider(url=url).outlet == outlet
    assert OUTLET_ID.match(outlet)


def test_items_dropped_as_invalid_are_not_articles_found():
    broken = evaluate({STAT_ITEMS_SEEN: 3, STAT_INVALID: 3}, POLICY)
    assert any(line.startswith("min_items: 0 article(s) found") and "3 more dropped as invalid" in line
               for line in broken), broken
    assert evaluate({STAT_ITEMS_SEEN: 3, STAT_INVALID: 2}, POLICY) == []


@pytest.mark.slow
def test_generic_crawl_of_a_host_starting_with_a_digit_delivers(tmp_path):
    # 127.0.0.1 starts with a digit, as 20minutes.fr does; default delays, retries and timeouts.
    # (The generic extractor does not read this site's bare <time> dates: that rule is relaxed.)
    with LocalSite("ok") as site:
        result = run_scrapy("crawl", "generic", "-a", f"url={site.base}/politics",
                            "-O", str(tmp_path / "out-%(outlet)s.jsonl"),
                            "-s", "NEWSBOT_HEALTH_MAX_MISSING_RATIO=1", replay=None)
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    items = read_jsonl(tmp_path / "out-site_127_0_0_1.jsonl")
    # The site's three stories share their paragraphs: dedup keeps the first, none is invalid.
    assert items and {i["outlet"] for i in items} == {"site_127_0_0_1"}
    assert "invalid item" not in result.stderr and "newsbot/invalid/" not in result.stderr


@pytest.mark.slow
def test_outlet_argument_names_the_feed_file_and_the_items(tmp_path):
    result = run_scrapy("crawl", "generic", "-a", "url=https://www.riverside-courier.test/politics/",
                        "-a", "outlet=courier", "-O", str(tmp_path / "out-%(outlet)s.jsonl"))
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    items = read_jsonl(tmp_path / "out-courier.jsonl")
    assert items and {i["outlet"] for i in items} == {"courier"}
    assert not (tmp_path / "out-generic.jsonl").exists()


@pytest.mark.slow
def test_an_outlet_argument_the_schema_refuses_is_a_config_error(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_scrapy("crawl", "generic", "-a", "url=https://www.riverside-courier.test/politics/",
                        "-a", "outlet=20min", "-O", str(out))
    assert result.returncode == exitcodes.CONFIG, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if "run failed (exit" in line]
    assert len(lines) == 1 and "outlet='20min' is not valid" in lines[0], lines
    assert "Traceback" not in result.stderr and not out.exists()
