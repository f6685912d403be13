"""Article links from RSS/Atom feeds and (Google News) sitemaps.

Parsed with lxml with entity resolution, network access and huge trees off, after dropping any
DOCTYPE: a hostile feed (billion laughs, external entities) expands and fetches nothing, and its
real entries are still read.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from io import BytesIO

from lxml import etree

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedEntry:
    url: str
    published: str | None = None
    title: str | None = None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


# A document type declaration, with its internal subset (where entities are declared).
_DOCTYPE = re.compile(rb"<!DOCTYPE\s[^\[>]*(?:\[.*?\]\s*)?>", re.IGNORECASE | re.DOTALL)


def _parse(body: bytes) -> etree._Element | None:
    # Feeds and sitemaps have no use for a DTD; dropping it means declared entities (billion
    # laughs, external files or URLs) are never even defined, so the rest of the document still
    # parses instead of stopping at libxml2's amplification limit.
    head = body[:4096]
    if b"<!DOCTYPE" in head or b"<!doctype" in head:
        stripped = _DOCTYPE.sub(b"", body, count=1)
        if stripped != body:
            logger.warning("feed or sitemap declares a DTD%s; parsed without it",
                           " with entities" if b"<!ENTITY" in body[:len(body) - len(stripped) + 4096] else "")
            body = stripped
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=True, remove_comments=True, remove_pis=True, load_dtd=False)
    try:
        return etree.parse(BytesIO(body), parser).getroot()
    except (etree.XMLSyntaxError, ValueError):
        return None


def _child_text(elem, *names: str) -> str | None:
    for child in elem.iter():
        if _local(child.tag) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def feed_entries(body: bytes) -> list[FeedEntry]:
    """Entries of an RSS 0.9x/1.0/2.0 or Atom feed, in document order."""
    root = _parse(body)
    if root is None:
        return []
    entries = []
    for elem in root.iter():
        kind = _local(elem.tag)
        if kind not in ("item", "entry"):
            continue
        url = None
        for child in elem:
            name = _local(child.tag)
            if name == "link":
                href = child.get("href")
                if href and child.get("rel", "alternate") == "alternate":
                    url = href.strip()
                elif child.text and child.text.strip():
                    url = child.text.strip()
                if url:
                    break
        if not url:
            guid = _child_text(elem, "guid")
            url = guid if guid and guid.startswith("http") else None
        if url:
            entries.append(FeedEntry(url, _child_text(elem, "pubdate", "published", "updated", "date"),
                                     _child_text(elem, "title")))
    return entries


def sitemap_entries(body: bytes) -> tuple[str, list[FeedEntry]]:
    """("urlset" | "sitemapindex" | "", entries); news sitemaps give publication dates and titles."""
    root = _parse(body)
    if root is None:
        return "", []
    kind = _local(root.tag)
    entries = []
    for elem in root:
        if _local(elem.tag) not in ("url", "sitemap"):
            continue
        loc = next((c.text.strip() for c in elem if _local(c.tag) == "loc" and c.text), None)
        if loc:
            entries.append(FeedEntry(loc, _child_text(elem, "publication_date", "lastmod"),
                                     _child_text(elem, "title")))
    return kind, entries
