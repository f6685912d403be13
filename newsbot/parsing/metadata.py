"""The last fallback for an article's date and authors: the metadata extractors made for it.

Pages without JSON-LD or meta dates (many small sites) still show both in the byline: a
`<time datetime>`, "By Jane Doe". The byline's `<time datetime>` gives the publication time;
without one, htmldate finds the date from every other hint a page gives (URL, text); trafilatura's
metadata reader finds the byline's authors. They run only for a page whose own structured data
and outlet selectors left the field empty.
"""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree
from scrapy.http import TextResponse

logger = logging.getLogger(__name__)

# The byline's machine-readable stamp: a <time datetime> marked as the publication time, else the
# first one inside the article. htmldate reads it too but keeps only the day; this keeps the time.
_BYLINE_TIME = etree.XPath(
    '(//time[@pubdate or @itemprop="datePublished"][@datetime] | //article//time[@datetime])[1]/@datetime',
    smart_strings=False)


def fallback_metadata(response: TextResponse, wanted: list[str]) -> dict[str, Any]:
    """The `wanted` fields ("published_at": ISO date string, "authors": [names]) as far as the
    extractors find them; each extractor runs only for the field it gives."""
    found: dict[str, Any] = {}
    tree = response.selector.root
    if not isinstance(tree, etree._Element):
        return found
    if "published_at" in wanted:
        found["published_at"] = _published(tree, response.url)
    if "authors" in wanted:
        found["authors"] = _authors(tree, response.url)
    return {name: value for name, value in found.items() if value}


def _published(tree: Any, url: str) -> str | None:
    stamp = next((value.strip() for value in _BYLINE_TIME(tree) if value.strip()), None)
    if stamp:
        return stamp
    from htmldate import find_date

    try:
        # original_date: the publication date, not the last modification.
        return find_date(tree, url=url, original_date=True, extensive_search=False)
    except Exception:  # noqa: BLE001 -- htmldate raises many kinds of errors on hostile markup
        logger.debug("htmldate failed on %s", url, exc_info=True)
        return None


def _authors(tree: Any, url: str) -> list[str]:
    from trafilatura.metadata import extract_metadata

    try:
        document = extract_metadata(tree, default_url=url)
    except Exception:  # noqa: BLE001 -- as above
        logger.debug("trafilatura metadata failed on %s", url, exc_info=True)
        return []
    author = getattr(document, "author", None) if document is not None else None
    return [name.strip() for name in author.split(";") if name.strip()] if author else []
