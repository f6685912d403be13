"""Article fields from the page's structured data: JSON-LD, OpenGraph / article:* meta, link tags.

Every reader here returns a dict of item fields it could find (missing keys mean "not found") and
never raises on malformed input: broken JSON-LD is skipped and the next source takes over.
"""

from __future__ import annotations

import json
import re
import logging
from collections.abc import Iterator
from typing import Any

from lxml import etree
from parsel import Selector

from .text import clean_line, plain_text

logger = logging.getLogger(__name__)

# The readers' fixed queries, compiled once and run on the lxml tree: parsel would wrap every
# result in a Selector only for us to take its string back.
_JSON_LD_TEXT = '//script[@type="application/ld+json"]/text()'
_NEXT_DATA_TEXT = '//script[@id="__NEXT_DATA__"]/text()'
_FUSION_TEXT = '//script[contains(., "Fusion.globalContent")]/text()'
_CANONICAL = etree.XPath('//link[@rel="canonical"]/@href', smart_strings=False)
_LANG = etree.XPath("/html/@lang", smart_strings=False)
# Every script the queries above can select, in one scan of the page: each `//script[...]` is a
# walk of the whole tree (40-100 µs on a 100 KB page), and parse_article asks all three.
_DATA_SCRIPTS = etree.XPath(
    '//script[@type="application/ld+json" or @id="__NEXT_DATA__" or contains(., "Fusion.globalContent")]')
# The same without reading every script's text: pages carry 100 KB of scripts, and testing each for
# Fusion.globalContent cost more than the rest of the scan; one find in the page's text says
# whether any can hold it.
_DATA_SCRIPTS_NO_FUSION = etree.XPath('//script[@type="application/ld+json" or @id="__NEXT_DATA__"]')
_TEXT_NODES = etree.XPath("text()", smart_strings=False)
_HAS_FUSION = etree.XPath('contains(., "Fusion.globalContent")')


def _lxml_root(sel: Selector) -> Any:
    root = sel.root
    return root if isinstance(root, etree._Element) else None


def _strings(sel: Selector, query: etree.XPath) -> list[str]:
    """The string results of a compiled query, as sel.xpath(query.path).getall() gives them."""
    root = _lxml_root(sel)
    return query(root) if root is not None else sel.xpath(query.path).getall()


def data_scripts(sel: Selector, fusion: bool = True) -> list | None:
    """The page's JSON-LD, __NEXT_DATA__ and Fusion.globalContent scripts (lxml elements, in
    document order), for json_ld_objects and embedded_json to share one scan; None when `sel` has
    no lxml tree. `fusion=False`: the page's text has no "Fusion.globalContent" (no script to test
    for it). Only valid until the tree changes."""
    root = _lxml_root(sel)
    if root is None:
        return None
    return _DATA_SCRIPTS(root) if fusion else _DATA_SCRIPTS_NO_FUSION(root)


def _script_texts(sel: Selector, scripts: list | None, expression: str, wanted) -> list[str]:
    """Text nodes of the scripts `expression` selects: from the shared scan when given (`wanted`
    says which of its scripts the expression selects), else by running the expression."""
    if scripts is None:
        return sel.xpath(expression).getall()
    return [text for script in scripts if wanted(script) for text in _TEXT_NODES(script)]


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


def json_ld_objects(sel: Selector, problems: list[str] | None = None, scripts: list | None = None) -> list[dict]:
    """All top-level JSON-LD objects of the page (flattening lists and @graph).

    Blocks that are skipped are named in `problems` (when given): json_ld/oversized,
    json_ld/invalid, json_ld/too_deep. `scripts`: the page's `data_scripts`, when already found.
    """
    objects: list[dict] = []
    problems = problems if problems is not None else []
    for raw in _script_texts(sel, scripts, _JSON_LD_TEXT, lambda s: s.get("type") == "application/ld+json"):
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


def find_article_object(objects: list[dict], article_page: bool = False) -> dict | None:
    """The page's article object. On a page that says it is an article (og:type), a VideoObject
    is a video embedded in it, never the article."""
    candidates = [o for o in objects if _types(o) & ARTICLE_TYPES]
    if article_page:
        candidates = [o for o in candidates if _types(o) & ARTICLE_TYPES != {"VideoObject"}]
    if not candidates:
        return None
    return min(candidates, key=lambda o: min(_TYPE_RANK.get(t, 9) for t in _types(o) & ARTICLE_TYPES))


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return plain_text(value) or None
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
    return [n for n in (plain_text(n) for n in names) if n]


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
        return [k for k in (plain_text(k) for k in value.split(",")) if k]
    if isinstance(value, list):
        return [k for k in (_text(v) for v in value[:100]) if k]
    return []


def _free(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


def _live_blog_body(updates: Any) -> str | None:
    """A live blog's updates, oldest first, each as its headline then its text."""
    if isinstance(updates, dict):
        updates = [updates]
    if not isinstance(updates, list):
        return None
    entries = [u for u in updates[:500] if isinstance(u, dict)]
    entries.sort(key=lambda u: str(u.get("datePublished") or ""))
    paragraphs: list[str] = []
    for update in entries:
        headline = _text(update.get("headline"))
        text = update.get("articleBody")
        if headline:
            paragraphs.append(headline)
        if isinstance(text, str) and text.strip():
            paragraphs.append(plain_text(text, paragraphs=True))
    return "\n".join(paragraphs) or None


def json_ld_fields(sel: Selector, problems: list[str] | None = None, scripts: list | None = None,
                   article_page: bool = False) -> dict[str, Any]:
    obj = find_article_object(json_ld_objects(sel, problems, scripts), article_page)
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
    fields["author_declared"] = bool(obj.get("author") or obj.get("creator"))
    if "VideoObject" in _types(obj):
        fields["page_kind"] = "video"   # the article object is a video: a video page
    body = obj.get("articleBody")
    if isinstance(body, str) and body.strip():
        fields["body"] = plain_text(body, paragraphs=True)
    elif "LiveBlogPosting" in _types(obj):
        fields["body"] = _live_blog_body(obj.get("liveBlogUpdate"))
    elif "VideoObject" in _types(obj):
        # A video page's text is its transcript when published, else its description.
        transcript = obj.get("transcript")
        fields["body"] = plain_text(transcript, paragraphs=True) if isinstance(transcript, str) else \
            _text(obj.get("description"))
    free = _free(obj.get("isAccessibleForFree"))
    if free is None and isinstance(obj.get("hasPart"), (dict, list)):
        parts = obj["hasPart"] if isinstance(obj["hasPart"], list) else [obj["hasPart"]]
        free = next((f for f in (_free(p.get("isAccessibleForFree")) for p in parts if isinstance(p, dict)) if f is not None), None)
    if free is not None:
        fields["paywalled"] = not free
    return {k: v for k, v in fields.items() if v not in (None, "", [])}


def _meta_tags(sel: Selector) -> dict[str, list[str]]:
    """All <meta> contents by property/name/itemprop, read in one pass over the document."""
    tags: dict[str, list[str]] = {}
    root = sel.root
    if isinstance(root, str):
        return tags
    for element in root.iter("meta"):
        content = element.get("content")
        if not content:
            continue
        for key in {element.get("property"), element.get("name"), element.get("itemprop")}:
            if key:
                tags.setdefault(key.strip(), []).append(content)
    return tags


def link_canonical(sel: Selector) -> str | None:
    """The page's first <link rel="canonical"> href."""
    return next(iter(_strings(sel, _CANONICAL)), None)


_NOT_GIVEN: Any = object()


def meta_fields(sel: Selector, canonical: str | None = _NOT_GIVEN) -> dict[str, Any]:
    """`canonical`: the page's link_canonical, when the caller has looked it up already."""
    tags = _meta_tags(sel)

    def _meta(*names: str) -> list[str]:
        return [v for name in names for v in (plain_text(x) for x in tags.get(name, ())) if v]

    first = lambda *names: next(iter(_meta(*names)), None)  # noqa: E731
    authors = [a for a in _meta("article:author", "og:article:author", "author", "byl", "parsely-author")
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
        # article:tag is one tag per element on most sites, a comma-joined list on some (Guardian).
        "tags": list(dict.fromkeys(t for v in _meta("article:tag") for t in _keywords(v))) or
                [k for k in (plain_text(k) for k in (first("news_keywords", "keywords") or "").split(",")) if k],
        "image_url": first("og:image", "og:image:url", "twitter:image"),
        "canonical_url": (link_canonical(sel) if canonical is _NOT_GIVEN else canonical) or first("og:url"),
        "language": clean_line(next(iter(_strings(sel, _LANG)), None)) or (locale.replace("_", "-") if locale else None),
        "site_name": first("og:site_name"),
        "page_type": (first("og:type") or "").lower() or None,
    }
    return {k: v for k, v in fields.items() if v not in (None, "", [])}


def breadcrumbs(sel: Selector) -> list[str]:
    """Names in the page's JSON-LD BreadcrumbList, in order (used to keep to the politics section)."""
    names: list[str] = []
    for obj in json_ld_objects(sel):
        if "BreadcrumbList" not in _types(obj):
            continue
        elements = obj.get("itemListElement")
        for element in elements if isinstance(elements, list) else []:
            if isinstance(element, dict):
                name = _text(element.get("name")) or _text(element.get("item"))
                if name:
                    names.append(name)
    return names


# --- embedded JSON state: Next.js __NEXT_DATA__ and Arc XP Fusion.globalContent -----------------

MAX_EMBEDDED_BYTES = 5_000_000
_FUSION_ASSIGNMENT = re.compile(r"Fusion\.globalContent\s*=\s*")
# Block types whose text is article prose, across Arc ANS and common Next.js block models.
_TEXT_BLOCK_TYPES = frozenset({"text", "paragraph", "header", "heading", "subheadline", "subhead",
                               "quote", "blockquote", "list_item"})


# Blocks that hold page furniture, not article prose (their nested text blocks are skipped too).
_SKIPPED_BLOCK_TYPES = frozenset({"headline", "byline", "image", "media", "video", "links", "relatedcontent",
                                  "advertisement", "ad", "promo", "timestamp", "caption", "interstitial_link"})


def _load_fusion(script: str) -> Any:
    """The object literal assigned to Fusion.globalContent (one of several assignments in a script)."""
    match = _FUSION_ASSIGNMENT.search(script)
    if not match:
        return None
    try:
        obj, _ = json.JSONDecoder(strict=False).raw_decode(script, match.end())
    except (ValueError, RecursionError):
        return None
    return obj


def embedded_json(sel: Selector, scripts: list | None = None) -> list[tuple[str, Any]]:
    """("next_data" | "fusion", data) for each embedded page-state payload found in the page.
    `scripts`: the page's `data_scripts`, when already found."""
    found: list[tuple[str, Any]] = []
    raw = next(iter(_script_texts(sel, scripts, _NEXT_DATA_TEXT, lambda s: s.get("id") == "__NEXT_DATA__")), None)
    if raw and len(raw) <= MAX_EMBEDDED_BYTES:
        try:
            found.append(("next_data", json.loads(raw, strict=False)))
        except (ValueError, RecursionError):
            logger.debug("skipping invalid __NEXT_DATA__")
    for script in _script_texts(sel, scripts, _FUSION_TEXT, _HAS_FUSION):
        if len(script) <= MAX_EMBEDDED_BYTES:
            data = _load_fusion(script)
            if isinstance(data, dict):
                found.append(("fusion", data))
    return found


def _dig(node: Any, path: str) -> Any:
    for key in path.split("."):
        if key == "*":
            # Pages keyed by route or id ("@\"news\",\"articles\",\"c4g0...\"") : the first object.
            values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
            node = next((v for v in values if isinstance(v, dict)), None)
        elif isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _block_text(block: dict) -> str | None:
    for key in ("content", "text", "html"):
        value = block.get(key)
        if isinstance(value, str):
            # Arc and many CMSes keep inline markup (<a>, <i>) and entities in text blocks.
            return plain_text(value) or None
    model = block.get("model")
    if isinstance(model, dict):
        return _block_text(model)
    return None


def _body_blocks(node: Any, depth: int = 0) -> list[str]:
    """Paragraph texts of a block tree (Arc content_elements, Next.js blocks), in order."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(node, list):
        return [p for child in node for p in _body_blocks(child, depth + 1)]
    if not isinstance(node, dict):
        return []
    kind = node.get("type")
    if isinstance(kind, str) and kind.lower() in _SKIPPED_BLOCK_TYPES:
        return []
    if isinstance(kind, str) and kind.lower() in _TEXT_BLOCK_TYPES:
        text = _block_text(node)
        if text:
            return [text]
    paragraphs: list[str] = []
    for key in ("content_elements", "blocks", "model", "items", "children"):
        if key in node:
            paragraphs += _body_blocks(node[key], depth + 1)
    return paragraphs


def _is_ans_story(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("headlines"), dict) and "content_elements" in obj


def _find(node: Any, predicate, depth: int = 0) -> dict | None:
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, dict):
        if predicate(node):
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find(child, predicate, depth + 1)
        if found is not None:
            return found
    return None


def ans_fields(story: dict) -> dict[str, Any]:
    """Item fields of an Arc XP ANS story (the shape of Fusion.globalContent)."""
    credits = story.get("credits") if isinstance(story.get("credits"), dict) else {}
    taxonomy = story.get("taxonomy") if isinstance(story.get("taxonomy"), dict) else {}
    section = _text(_dig(taxonomy, "primary_section.name")) or _text(taxonomy.get("sections"))
    promo = _dig(story, "promo_items.basic.url")
    fields: dict[str, Any] = {
        "title": _text(_dig(story, "headlines.basic")),
        "standfirst": _text(_dig(story, "description.basic")) or _text(_dig(story, "subheadlines.basic")),
        "authors": _names(credits.get("by")),
        "published_at": story.get("first_publish_date") or story.get("display_date"),
        "updated_at": story.get("last_updated_date"),
        "section": section,
        "tags": [t for t in (_text(x.get("text")) for x in taxonomy.get("tags") or [] if isinstance(x, dict)) if t],
        "image_url": promo if isinstance(promo, str) else None,
        "language": _text(story.get("language")),
        "canonical_url": story.get("canonical_url") if isinstance(story.get("canonical_url"), str) else None,
        "body_paragraphs": _body_blocks(story.get("content_elements")),
    }
    return {k: v for k, v in fields.items() if v not in (None, "", [])}


def embedded_fields(sel: Selector, next_data_article: str | None = None, scripts: list | None = None) -> dict[str, Any]:
    """Item fields from embedded page state.

    Arc ANS stories are recognised wherever they sit (Fusion.globalContent, or inside
    __NEXT_DATA__ on Arc sites rendered by Next.js). Other Next.js sites name the article object
    with `next_data_article` (a dotted path below the payload, e.g. "props.pageProps.article"),
    whose schema.org-like keys (headline, byline/authors, datePublished, blocks/body) are read.
    """
    for kind, data in embedded_json(sel, scripts):
        story = data if _is_ans_story(data) else _find(data, _is_ans_story)
        if story is not None:
            return ans_fields(story)
        if kind == "next_data" and next_data_article:
            article = _dig(data, next_data_article)
            if isinstance(article, dict):
                return _next_article_fields(article)
    return {}


def _next_article_fields(article: dict) -> dict[str, Any]:
    metadata = article.get("metadata")
    if isinstance(metadata, dict):
        article = {**metadata, **article}
    body = article.get("body") if isinstance(article.get("body"), str) else None
    authors = article.get("authors") or article.get("byline") or article.get("contributors")
    fields: dict[str, Any] = {
        "title": _text(article.get("headline")) or _text(article.get("title")),
        "standfirst": _text(article.get("summary")) or _text(article.get("description")),
        "authors": [authors] if isinstance(authors, str) else _names(authors),
        "published_at": article.get("datePublished") or article.get("firstPublished") or article.get("publishedAt"),
        "updated_at": article.get("dateModified") or article.get("lastPublished") or article.get("updatedAt"),
        "section": _text(article.get("section")),
        "language": _text(article.get("language")),
        "body_paragraphs": _body_blocks(article.get("blocks") or article.get("content") or article.get("contents")) or
                           plain_text(body, paragraphs=True).splitlines(),
    }
    return {k: v for k, v in fields.items() if v not in (None, "", [])}
