"""Article fields from the page's structured data: JSON-LD, OpenGraph / article:* meta, link tags.

Every reader here returns a dict of item fields it could find (missing keys mean "not found") and
never raises on malformed input: broken JSON-LD is skipped and the next source takes over.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from .text import clean_line

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "SatiricalArticle",
    "LiveBlogPosting", "BlogPosting", "Report", "ScholarlyArticle", "TechArticle", "VideoObject",
    "WebPage",
})
# Preference when a page carries several objects (e.g. a WebPage wrapping a NewsArticle).
_TYPE_RANK = {t: 0 for t in ARTICLE_TYPES} | {"Article": 1, "BlogPosting": 1, "VideoObject": 2, "WebPage": 3}
# Hostile pages: bound what we are willing to parse and walk.
MAX_JSON_LD_BYTES = 2_000_000
MAX_DEPTH = 20


def _types(obj: dict) -> set[str]:
    value = obj.get("@type")
    if isinstance(value, str):
        return {value.rsplit("/", 1)[-1]}
    if isinstance(value, list):
        return {v.rsplit("/", 1)[-1] for v in value if isinstance(v, str)}
    return set()


def _walk(node: Any, depth: int = 0, problems: list[str] | None = None) -> Iterator[dict]:
    if depth > MAX_DEPTH:
        if problems is not None:
            problems.append("json_ld/too_deep")
        return
    if isinstance(node, list):
        for child in node:
            yield from _walk(child, depth + 1, problems)
    elif isinstance(node, dict):
        yield node
        graph = node.get("@graph")
        if graph is not None:
            yield from _walk(graph, depth + 1, problems)


def json_ld_objects(sel: Selector, problems: list[str] | None = None) -> list[dict]:
    """All top-level JSON-LD objects of the page (flattening lists and @graph).

    Blocks that are skipped are named in `problems` (when given): json_ld/oversized,
    json_ld/invalid, json_ld/too_deep.
    """
    objects: list[dict] = []
    problems = problems if problems is not None else []
    for raw in sel.xpath('//script[@type="application/ld+json"]/text()').getall():
        if len(raw) > MAX_JSON_LD_BYTES:
            logger.debug("skipping oversized JSON-LD block (%d bytes)", len(raw))
            problems.append("json_ld/oversized")
            continue
        raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            logger.debug("skipping invalid JSON-LD block")
            problems.append("json_ld/invalid")
            continue
        objects.extend(_walk(data, 0, problems))
    return objects


def find_article_object(objects: list[dict]) -> dict | None:
    candidates = [o for o in objects if _types(o) & ARTICLE_TYPES]
    if not candidates:
        return None
    return min(candidates, key=lambda o: min(_TYPE_RANK.get(t, 9) for t in _types(o) & ARTICLE_TYPES))


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return clean_line(value) or None
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("@value"))
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def _names(value: Any) -> list[str]:
    """Person names from author-like values: a string, a Person, or a list of either."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    names = []
    for entry in items[:50]:
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, dict) and "Organization" not in _types(entry):
            name = entry.get("name")
            if isinstance(name, str):
                names.append(name)
    return [n for n in (clean_line(n) for n in names) if n]


def _url(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _url(value.get("url") or value.get("contentUrl") or value.get("@id"))
    if isinstance(value, list) and value:
        return _url(value[0])
    return None


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k for k in (clean_line(k) for k in value.split(",")) if k]
    if isinstance(value, list):
        return [k for k in (_text(v) for v in value[:100]) if k]
    return []


def _free(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


def json_ld_fields(sel: Selector, problems: list[str] | None = None) -> dict[str, Any]:
    obj = find_article_object(json_ld_objects(sel, problems))
    if obj is None:
        return {}
    fields: dict[str, Any] = {
        "title": _text(obj.get("headline")) or _text(obj.get("name")),
        "standfirst": _text(obj.get("description")) or _text(obj.get("alternativeHeadline")),
        "authors": _names(obj.get("author") or obj.get("creator")),
        "published_at": obj.get("datePublished") or obj.get("uploadDate") or obj.get("dateCreated"),
        "updated_at": obj.get("dateModified"),
        "section": _text(obj.get("articleSection")),
        "tags": _keywords(obj.get("keywords")),
        "image_url": _url(obj.get("image") or obj.get("thumbnailUrl")),
        "language": _text(obj.get("inLanguage")),
        "canonical_url": _url(obj.get("mainEntityOfPage")) or _url(obj.get("url")),
    }
    body = obj.get("articleBody")
    if isinstance(body, str) and body.strip():
        fields["body"] = body
    free = _free(obj.get("isAccessibleForFree"))
    if free is None and isinstance(obj.get("hasPart"), (dict, list)):
        parts = obj["hasPart"] if isinstance(obj["hasPart"], list) else [obj["hasPart"]]
        free = next((f for f in (_free(p.get("isAccessibleForFree")) for p in parts if isinstance(p, dict)) if f is not None), None)
    if free is not None:
        fields["paywalled"] = not free
    return {k: v for k, v in fields.items() if v not in (None, "", [])}


def _meta(sel: Selector, *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        values += sel.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content').getall()
    return [v for v in (clean_line(v) for v in values) if v]


def meta_fields(sel: Selector) -> dict[str, Any]:
    first = lambda *names: next(iter(_meta(sel, *names)), None)  # noqa: E731
    authors = [a for a in _meta(sel, "article:author", "author", "byl", "parsely-author")
               if not a.startswith(("http://", "https://"))]
    locale = first("og:locale")
    fields: dict[str, Any] = {
        "title": first("og:title", "twitter:title"),
        "standfirst": first("og:description", "description", "twitter:description"),
        "authors": authors[:1] if len(set(authors)) == 1 else list(dict.fromkeys(authors)),
        "published_at": first("article:published_time", "datePublished", "pubdate", "publish-date",
                              "parsely-pub-date", "og:article:published_time"),
        "updated_at": first("article:modified_time", "og:updated_time", "dateModified"),
        "section": first("article:section", "parsely-section"),
        "tags": list(dict.fromkeys(_meta(sel, "article:tag"))) or
                [k for k in (clean_line(k) for k in (first("news_keywords", "keywords") or "").split(",")) if k],
        "image_url": first("og:image", "og:image:url", "twitter:image"),
        "canonical_url": sel.xpath('//link[@rel="canonical"]/@href').get() or first("og:url"),
        "language": clean_line(sel.xpath("/html/@lang").get()) or (locale.replace("_", "-") if locale else None),
        "site_name": first("og:site_name"),
    }
    return {k: v for k, v in fields.items() if v not in (None, "", [])}
