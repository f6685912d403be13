"""newsbot.extensions.callbackcheck: Scrapy's generator-return check reads a callback's source once
per crawl, not again whenever the request that first asked is gone; its warning is unchanged.

The second test shows why the extension exists: if a Scrapy upgrade keeps the answer for equal
bound methods by itself, it fails, and the extension can go."""

from __future__ import annotations

import gc
import inspect
import warnings

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import is_generator_with_return_value, warn_on_generator_with_return_value
from scrapy.utils.test import get_crawler

from newsbot.extensions.callbackcheck import CallbackCheckOnce


class Callbacks(Spider):
    name = "callbacks"

    def parse_article(self, response):
        yield {"url": response.url}

    def parse_listing(self, response):
        yield from ()

    def parse_badly(self, response):
        yield {}
        return "a value"


@pytest.fixture
def source_reads(monkeypatch):
    reads = []
    original = inspect.getsource

    def counting(obj):
        reads.append(obj.__name__)
        return original(obj)

    monkeypatch.setattr(inspect, "getsource", counting)
    return reads


def opened(settings=None):
    crawler = get_crawler(Callbacks, settings_dict=settings or {})
    spider = Callbacks()
    spider.settings = crawler.settings
    extension = CallbackCheckOnce.from_crawler(crawler)
    extension.spider_opened(spider)
    return spider, extension


def test_each_callback_is_read_once_per_crawl(source_reads):
    spider, extension = opened()
    assert sorted(source_reads) == ["parse_article", "parse_badly", "parse_listing"]
    for _ in range(3):   # each request's own bound method, gone after it
        assert is_generator_with_return_value(spider.parse_article) is False
        gc.collect()
    assert sorted(source_reads) == ["parse_article", "parse_badly", "parse_listing"]
    extension.spider_closed(spider)
    assert extension.checked == []


def test_without_it_scrapy_reads_the_source_again_for_each_request(source_reads):
    spider = Callbacks()
    for _ in range(3):
        is_generator_with_return_value(spider.parse_listing)
        gc.collect()
    assert source_reads == ["parse_listing"] * 3


def test_scrapys_warning_still_comes_at_the_call():
    spider, _ = opened()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_on_generator_with_return_value(spider, spider.parse_badly)
        warn_on_generator_with_return_value(spider, spider.parse_article)
    [warning] = caught   # parse_article, which returns nothing, gives none
    assert str(warning.message).startswith('The "Callbacks.parse_badly" method is a generator')


def test_off_when_scrapys_check_is_off():
    with pytest.raises(NotConfigured):
        CallbackCheckOnce.from_crawler(get_crawler(Callbacks, settings_dict={"WARN_ON_GENERATOR_RETURN_VALUE": False}))
