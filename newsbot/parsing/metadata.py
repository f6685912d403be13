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


def fallback_metadata(response: TextResponse) -> dict[str, Any]:
    """{"published_at": ISO date string, "authors": [names]} as far as the extractors find them."""
    from htmldate import find_date
    from trafilatura.metadata import extract_metadata

    found: dict[str, Any] = {}
    tree = response.selector.root
    if not isinstance(tree, etree._Element):
        return found
    stamp = next((value.strip() for value in _BYLINE_TIME(tree) if value.strip()), None)
    if stamp:
        found["published_at"] = stamp
    try:
        # original_date: the publication date, not the last modification.
        date = None if stamp else find_date(tree, url=response.url, original_date=True,
                                             extensive_search=False)
        if date:
            found["published_at"] = date
    except Exception:  # noqa: BLE001 -- htmldate raises many kinds of errors on hostile markup
        logger.debug("htmldate failed on %s", response.url, exc_info=True)
    try:
        document = extract_metadata(tree, default_url=response.url)
        author = getattr(document, "author", None) if document is not None else None
        if author:
            found["authors"] = [name.strip() for name in author.split(";") if name.strip()]
    except Exception:  # noqa: BLE001 -- as above
        logger.debug("trafilatura metadata failed on %s", response.url, exc_info=True)
    return found
