"""Lets a parsed page go as soon as its callback's output has been consumed.

Scrapy's TextResponse keeps the Selector it builds (response.selector) and that Selector keeps its
response: a reference cycle, so every parsed page (body, decoded text and lxml tree, about 1 MB
for a 100 KB article) waited for Python's cyclic garbage collector instead of going when Scrapy
dropped the response. Those collections then ran every few seconds over a heap of dead pages
(100-270 ms each in the throughput benchmark) and held the crawl's memory up. Clearing the
Selector's back reference breaks the cycle and changes nothing else: the response keeps its
Selector (response.css still works, on the same tree), which never reads it.

A spider middleware, so it holds for every callback of every spider (listings, articles, feeds,
sitemaps, an outlet's own "show more" pages), not for the ones a base class wraps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy.http import Response

from ..compat import cached_selector


def release_selector(response: Response | None) -> None:
    # Only a selector already built is touched (response.selector would build one). If Scrapy
    # renames its cache, pages simply wait for the garbage collector again (tests/unit/test_compat.py
    # says so).
    selector = cached_selector(response)
    if selector is not None and getattr(selector, "response", None) is response:
        selector.response = None


class ReleaseParsedPageMiddleware:
    def process_spider_output(self, response: Response | None, result: Iterable[Any], spider=None) -> Iterable[Any]:
        try:
            yield from result
        finally:
            release_selector(response)

    async def process_spider_output_async(self, response: Response | None, result: AsyncIterator[Any],
                                          spider=None) -> AsyncIterator[Any]:
        try:
            async for element in result:
                yield element
        finally:
            release_selector(response)
