"""One article from one page: structured data first, then the outlet's selectors, then trafilatura.

`OutletProfile` is everything site-specific an outlet declares about its article pages;
`parse_article` applies it to a response and says which path produced the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import TextResponse

from ..items import ArticleItem
from .dates import iso_utc
from .generic import generic_fields
from .paywall import page_says_paywalled, text_says_paywalled
from .structured import json_ld_fields, meta_fields
from .text import clean_authors, clean_line, join_paragraphs, normalize_language, paragraphs_of

# Fields read from structured data / selectors, in item order.
METADATA_FIELDS = ("title", "standfirst", "authors", "published_at", "updated_at", "section", "tags",
                   "image_url", "language", "canonical_url")
# Text nodes that are never reader-visible content.
_VISIBLE_TEXT = ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"


@dataclass(frozen=True)
class OutletProfile:
    """What an outlet declares about its article pages (all selectors are CSS)."""

    outlet: str
    language: str = "en"
    timezone: str = "UTC"
    section: str | None = None
    # field -> CSS selector, used when structured data lacks the field ("body" selects paragraphs).
    selectors: dict[str, str] = field(default_factory=dict)
    # field -> CSS selector that wins over structured data (for outlets whose metadata is wrong).
    overrides: dict[str, str] = field(default_factory=dict)
    # Elements removed from the body container before its paragraphs are read.
    body_exclude: tuple[str, ...] = ()
    # Any match means the page shows a paywall / truncation marker.
    paywall_markers: tuple[str, ...] = ()


@dataclass
class ParseResult:
    item: ArticleItem | None
    body_source: str | None  # "selectors" | "structured" | "generic" | None
    error: str | None = None


def _element_text(sel: Selector) -> str:
    return clean_line(" ".join(sel.xpath(_VISIBLE_TEXT).getall()))


def _select(response: TextResponse, css: str, name: str) -> Any:
    if name == "body":
        return [t for t in (_element_text(el) for el in response.css(css)) if t]
    nodes = response.css(css)
    values = [clean_line(v if isinstance(v, str) else "") for v in nodes.getall()] if "::" in css else \
        [_element_text(n) for n in nodes]
    values = [v for v in values if v]
    if name in ("authors", "tags"):
        return values
    return values[0] if values else None


def _absolute(response: TextResponse, url: Any) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return None
    absolute = response.urljoin(url.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def parse_article(response: TextResponse, profile: OutletProfile) -> ParseResult:
    """Build the item for `response`; `item` is None (with `error`) when there is no article."""
    if not isinstance(response, TextResponse) or not response.text.strip():
        return ParseResult(None, None, "empty or non-text response")
    structured = meta_fields(response.selector)
    # JSON-LD wins over meta tags, field by field.
    structured.update(json_ld_fields(response.selector))
    link_canonical = response.xpath('//link[@rel="canonical"]/@href').get()
    if link_canonical:
        structured["canonical_url"] = link_canonical

    values: dict[str, Any] = {}
    for name in METADATA_FIELDS:
        if name in profile.overrides:
            values[name] = _select(response, profile.overrides[name], name)
        if not values.get(name) and structured.get(name):
            values[name] = structured[name]
        if not values.get(name) and name in profile.selectors:
            values[name] = _select(response, profile.selectors[name], name)

    paywalled = page_says_paywalled(response.selector, structured, profile.paywall_markers, profile.language)

    # Body: the outlet's container, then JSON-LD articleBody, then the generic extractor.
    paragraphs: list[str] = []
    body_source = None
    body_css = profile.overrides.get("body") or profile.selectors.get("body")
    if body_css:
        for css in profile.body_exclude:
            response.css(css).drop()  # body is read last: nothing else needs these nodes
        paragraphs = _select(response, body_css, "body")
        body_source = "selectors" if paragraphs else None
    if not paragraphs and structured.get("body"):
        paragraphs = paragraphs_of(structured["body"])
        body_source = "structured" if paragraphs else None
    generic: dict[str, Any] = {}
    if not paragraphs or not values.get("title"):
        generic = generic_fields(response.text, response.url)
        if not paragraphs and generic.get("body_paragraphs"):
            paragraphs = generic["body_paragraphs"]
            body_source = "generic"
        for name in METADATA_FIELDS:
            if not values.get(name) and generic.get(name):
                values[name] = generic[name]

    title = clean_line(values.get("title"))
    body = join_paragraphs(paragraphs)
    if not title or not body:
        return ParseResult(None, body_source, "no title" if not title else "no body")

    item = ArticleItem(
        url=response.url,
        canonical_url=_absolute(response, values.get("canonical_url")),
        outlet=profile.outlet,
        section=clean_line(values.get("section")) or profile.section,
        title=title,
        standfirst=clean_line(values.get("standfirst")) or None,
        authors=clean_authors(values.get("authors") or []),
        published_at=iso_utc(values.get("published_at"), profile.timezone),
        updated_at=iso_utc(values.get("updated_at"), profile.timezone),
        language=normalize_language(values.get("language")) or profile.language,
        body=body,
        tags=list(dict.fromkeys(clean_line(t) for t in values.get("tags") or [] if clean_line(t))),
        image_url=_absolute(response, values.get("image_url")),
        paywalled=paywalled or text_says_paywalled(paragraphs, profile.language),
    )
    return ParseResult(item, body_source)
