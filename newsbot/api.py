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

from scrapy.exceptions import DropItem

from .extract import Extractor, error_text

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
    if not url:     # the URL the page gives itself (canonical link, og:url)
        url = extractor.page_url(body.encode("utf-8") if isinstance(body, str) else bytes(body), Path("page.html"))
    return extractor.extract_page(body, url)


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
                yield {"url": url, "error": error_text(exc)}
