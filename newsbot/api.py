"""newsbot's Python API: the fields of the article in one page, or in many.

    from newsbot import extract, extract_many
    item = extract(html, url="https://www.bbc.com/news/articles/c0000000")
    for item in extract_many((html, url) for html, url in pages):
        ...

A page whose URL belongs to a known outlet goes through that outlet's parser, any other through
the generic one; both then pass the same offline pipelines as a crawl (cleaning, validation), so
the dict has the fields of the items a crawl writes (see newsbot/schema/article.schema.json).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from .extract import Extractor

ERRORS = ("include", "skip", "raise")
_shared: Extractor | None = None
_shared_lock = threading.Lock()


def _extractor() -> Extractor:
    # Building one loads every outlet spider and pipeline: done once per process.
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Extractor()
        return _shared


def _extract_page(extractor: Extractor, body: bytes | str, url: str | None) -> dict[str, Any]:
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    url = url or extractor.page_url(data, Path("page.html"))
    if hasattr(extractor, "extract_page"):
        return extractor.extract_page(body, url)
    # TODO(integrator): use Extractor.extract_page (what Extractor.extract does, from bytes).
    response = HtmlResponse(url=url, body=data, encoding="utf-8" if isinstance(body, str) else None)
    spider_cls = next((cls for cls in extractor.spiders if cls.handles_url(url)), None)
    if spider_cls is not None:
        result, spider_name = spider_cls().build_article(response), spider_cls.name
    else:
        from .extract import generic_profile
        from .parsing.article import parse_article
        result, spider_name = parse_article(response, generic_profile(url)), "generic"
    if result.item is None:
        raise ValueError(result.error or "no article found")
    result.item.spider = spider_name
    return ItemAdapter(extractor.pipelines.process(result.item)).asdict()


def extract(html: bytes | str, url: str | None = None) -> dict[str, Any]:
    """The article's fields (title, body, published_at, authors, ...) as a dict.

    `html` is the page as bytes (its declared charset is honoured) or text; `url` routes it to an
    outlet's parser and resolves relative links (without it, the page's canonical or og:url).
    Raises ValueError when the page holds no article, DropItem when the article fails the
    pipelines (too short, wrong language, invalid field)."""
    return _extract_page(_extractor(), html, url)


def extract_many(pages: Iterable[tuple[bytes | str, str | None]], errors: str = "include") -> Iterator[dict[str, Any]]:
    """extract() for many (html, url) pairs, one dict per page, in order.

    errors="include" yields {"url": url, "error": "..."} for a page without an article (as
    `python -m newsbot.extract` prints), "skip" leaves it out, "raise" raises."""
    if errors not in ERRORS:
        raise ValueError(f"errors must be one of {ERRORS}, not {errors!r}")
    extractor = _extractor()
    for html, url in pages:
        try:
            yield _extract_page(extractor, html, url)
        except (ValueError, DropItem) as exc:
            if errors == "raise":
                raise
            if errors == "include":
                reason = f"dropped: {exc}" if isinstance(exc, DropItem) else f"{type(exc).__name__}: {exc}"
                yield {"url": url, "error": reason}
