"""A parsed page is freed when its callback's output is consumed, not at the next GC collection."""

from __future__ import annotations

import asyncio
import gc
import weakref

from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from newsbot.middlewares.pages import ReleaseParsedPageMiddleware


def _parsed_page() -> HtmlResponse:
    response = HtmlResponse("https://www.example.com/politics/story", body=b"<html><p>Text</p></html>",
                            encoding="utf-8")
    assert response.css("p::text").get() == "Text"   # the Selector (and its cycle) exists
    return response


def _freed_without_collector(consume) -> bool:
    gc.disable()
    try:
        response = _parsed_page()
        page = weakref.ref(response)
        consume(response)
        assert response.css("p::text").get() == "Text"   # still usable afterwards
        del response
        return page() is None
    finally:
        gc.enable()


def test_the_cycle_is_why_pages_wait_for_the_collector():
    assert not _freed_without_collector(lambda response: None)


def test_a_page_goes_when_its_output_is_consumed():
    middleware = ReleaseParsedPageMiddleware()
    assert _freed_without_collector(lambda response: list(middleware.process_spider_output(response, iter([1, 2]))))


def test_async_output_too():
    middleware = ReleaseParsedPageMiddleware()

    async def items():
        yield 1

    async def drain(response):
        return [x async for x in middleware.process_spider_output_async(response, items())]

    assert _freed_without_collector(lambda response: asyncio.run(drain(response)))


def test_it_runs_for_every_spider():
    from newsbot import settings as project_settings
    assert "newsbot.middlewares.pages.ReleaseParsedPageMiddleware" in Settings(
        {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}).getdict("SPIDER_MIDDLEWARES")
