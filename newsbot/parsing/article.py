"""One article from one page: its fields from the outlet's declarations and the page's structured
data, its body chosen among every path that gives one (`newsbot.parsing.body_choice`).

`OutletProfile` is everything site-specific an outlet declares about its article pages;
`parse_article` applies it to a response and says which path produced the body.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from parsel.csstranslator import GenericTranslator, HTMLTranslator
from scrapy.http import TextResponse

from ..cleaning import is_prose
from ..items import ArticleItem
from .dates import iso_utc
from .body_choice import BodyCandidate, BodyChoice, PageEvidence, choose_body, looks_thin
from .generic import generic_fields, page_paragraphs
from .limits import ExtractLimits, OverLimit, bound_page
from .metadata import fallback_metadata
from .paywall import page_says_paywalled, text_says_paywalled
from .structured import data_scripts, embedded_fields, json_ld_fields, link_canonical, meta_fields
from .text import (clean_authors, clean_line, element_text, guess_language, join_cleaned_paragraphs, join_paragraphs,
                   normalize_language, paragraphs_of, plain_text)

logger = logging.getLogger(__name__)

# Fields read from structured data / selectors, in item order.
METADATA_FIELDS = ("title", "standfirst", "authors", "published_at", "updated_at", "section", "tags",
                   "image_url", "language", "canonical_url")
# Fewer words than this from the generic extractor (and no selector or structured body) is a page
# that is not an article.
MIN_GENERIC_WORDS = 25


@dataclass(frozen=True)
class OutletProfile:
    """What an outlet declares about its article pages (all selectors are CSS)."""

    outlet: str
    language: str | None = "en"  # None: the page's own, else a guess from the text
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
    # Dotted path to the article object in a Next.js __NEXT_DATA__ payload (Arc ANS is found without).
    next_data_article: str | None = None


@dataclass
class ParseResult:
    item: ArticleItem | None
    body_source: str | None  # "selectors" | "structured" | "embedded" | "generic" | None
    error: str | None = None
    # The section the page itself names (item.section falls back to the outlet's default).
    page_section: str | None = None
    # Bad input met on the way, even when an item came out (json_ld/invalid, date_rejected, ...);
    # the spider counts each as newsbot/fault/<name>.
    faults: list[str] = field(default_factory=list)
    # The outlet's body selector when another path's body won over it (the page's markup drifted
    # from what the outlet declares), else None; the spider counts it (newsbot/selectors/...).
    body_drift: str | None = None
    # The path the order of preference alone would have taken, when the page chose another.
    preferred_source: str | None = None
    # The page was over the extraction limits and was read cut to them (newsbot.parsing.limits);
    # the spider counts it (newsbot/extract/over_limit).
    over_limit: OverLimit | None = None


def _node_text(node: Any) -> str:
    """The reader-visible text of an element: inline markup joined as written, blocks spaced."""
    if isinstance(node, str):
        return clean_line(node)
    return clean_line(element_text(node))


_CSS_TRANSLATORS = {"html": HTMLTranslator(), "xml": GenericTranslator()}


@lru_cache(maxsize=1024)
def _css_xpath(css: str, kind: str) -> etree.XPath:
    return etree.XPath(_CSS_TRANSLATORS[kind].css_to_xpath(css), smart_strings=False)


def _css_nodes(response: TextResponse, css: str) -> list[Any]:
    """What response.css(css) selects, as lxml nodes (or strings), without wrapping each in a
    Selector: the outlet selectors run on every article, the body's on a dozen paragraphs."""
    sel = response.selector
    if isinstance(sel.root, etree._Element) and sel.type in _CSS_TRANSLATORS:
        return _css_xpath(css, sel.type)(sel.root)
    return [node.root for node in response.css(css)]


def _select(response: TextResponse, css: str, name: str) -> Any:
    if name == "body":
        return [t for t in (_node_text(node) for node in _css_nodes(response, css)) if t]
    if "::" in css:
        values = [clean_line(v if isinstance(v, str) else "") for v in response.css(css).getall()]
    else:
        values = [_node_text(node) for node in _css_nodes(response, css)]
    values = [v for v in values if v]
    if name in ("authors", "tags"):
        return values
    return values[0] if values else None


_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")


def _absolute(response: TextResponse, url: Any) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return None
    # Browsers drop tabs and newlines inside a URL; any other space or control character left
    # means the markup is broken, and a broken URL is worse than none.
    try:
        absolute = response.urljoin(url.strip().replace("\t", "").replace("\n", "").replace("\r", ""))
        parts = urlsplit(absolute)
        host = parts.hostname or ""
    except ValueError:  # e.g. "https://<![CDATA[www...": a bracket in the host is "Invalid IPv6 URL"
        return None
    if _SPACE_OR_CONTROL.search(absolute):
        return None
    # "https://.www.example/..." or "https://a..b/": no such host (an empty DNS label).
    if not host or host.startswith(".") or ".." in host:
        return None
    return absolute if parts.scheme in ("http", "https") else None


# How far into a generically extracted text the page head (kicker, headline, standfirst) can reach.
HEAD_LINES = 3

# Lazy-loading scripts keep the real image address in one of these until the image scrolls in.
_IMAGE_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "src")


def _lazy_image(response: TextResponse) -> str | None:
    """The first real (not placeholder) image of the article element, lazy-loaded or not."""
    for img in response.css("article img, main img")[:20]:
        # lxml's attribute map, not parsel's .attrib: that one raises on broken attribute names.
        attributes = img.root.attrib if hasattr(img.root, "attrib") else {}
        for attribute in _IMAGE_ATTRIBUTES:
            value = (attributes.get(attribute) or "").strip()
            if value and not value.startswith("data:"):
                return _absolute(response, value)
        srcset = (attributes.get("data-srcset") or attributes.get("srcset") or "").strip()
        if srcset:
            return _absolute(response, srcset.split(",")[0].split()[0])
    return None


def _after_headline(paragraphs: list[str], values: dict[str, Any], generic: dict[str, Any],
                    page_paragraphs: list[str]) -> list[str]:
    """Extractors often start the text with the page head: a kicker, the headline, the standfirst.
    When the headline or standfirst is among the first lines, the body starts after the last one.
    A standfirst that is a sentence of prose the page prints as one of its own first paragraphs (a
    <p> of the article, not a dek in its header) is the lede the page's description was copied
    from: the body keeps it."""
    title, standfirst = (clean_line(values.get(n) or generic.get(n)).casefold() for n in ("title", "standfirst"))
    lede = standfirst and is_prose(standfirst) and \
        standfirst in {clean_line(p).casefold() for p in page_paragraphs[:HEAD_LINES]}
    head = [clean_line(p).casefold() for p in paragraphs[:HEAD_LINES]]
    last = max((i for i, line in enumerate(head) if line and (line == title or (line == standfirst and not lede))),
               default=-1)
    return paragraphs[last + 1:] if last + 1 < len(paragraphs) else paragraphs


def _resolve_fields(response: TextResponse, profile: OutletProfile, faults: list[str]) -> tuple[dict, dict, list[str]]:
    """(values, structured, embedded body): each metadata field from the outlet's overrides, the
    page's structured data (embedded state < meta < JSON-LD) and the outlet's selectors, in that
    order; `structured` keeps what structured data said (its `body` too)."""
    sel = response.selector
    canonical = link_canonical(sel)
    structured = meta_fields(sel, canonical)
    # One scan of the page for both readers (nothing changes the tree yet).
    scripts = data_scripts(sel, fusion="Fusion.globalContent" in response.text)
    embedded = embedded_fields(sel, profile.next_data_article, scripts)
    embedded_body = embedded.pop("body_paragraphs", [])
    structured.update(embedded)
    # An article page that embeds a video carries the video's VideoObject: its description is
    # the video's, not the article's (og:type says which kind of page this is).
    structured.update(json_ld_fields(sel, faults, scripts, article_page=structured.get("page_type") == "article"))
    if canonical:
        structured["canonical_url"] = canonical
    values: dict[str, Any] = {}
    for name in METADATA_FIELDS:
        if name in profile.overrides:
            values[name] = _select(response, profile.overrides[name], name)
        if not values.get(name) and structured.get(name):
            values[name] = structured[name]
        if not values.get(name) and name in profile.selectors:
            values[name] = _select(response, profile.selectors[name], name)
    return values, structured, embedded_body


def _selector_candidate(response: TextResponse, css: str, texts: dict) -> BodyCandidate:
    """The outlet selectors' body; `texts` gets each selected element's text (the page's
    paragraph evidence reads the same elements: each is read once)."""
    nodes = [node for node in _css_nodes(response, css) if not isinstance(node, str)]
    paragraphs, link_words = [], 0
    for node in nodes:
        text = texts[node] = _node_text(node)
        if text:
            paragraphs.append(text)
            # Links by walking the element (one XPath call per paragraph cost more than its text).
            link_words += sum(len(link.text_content().split()) for link in node.iter("a"))
    candidate = BodyCandidate("selectors", paragraphs)
    candidate.link_share = link_words / candidate.words if candidate.words else 0.0
    return candidate


def _body_candidates(response: TextResponse, profile: OutletProfile, structured: dict,
                     embedded_body: list[str], texts: dict) -> list[BodyCandidate]:
    """The cheap body paths, in the outlet's order of preference."""
    candidates = []
    body_css = profile.overrides.get("body") or profile.selectors.get("body")
    if body_css:
        candidates.append(_selector_candidate(response, body_css, texts))
    if structured.get("body"):
        candidates.append(BodyCandidate("structured", paragraphs_of(structured["body"])))
    if embedded_body:
        candidates.append(BodyCandidate("embedded", embedded_body))
    return candidates


def _evidence(response: TextResponse, structured: dict, paywalled: bool, texts: dict) -> PageEvidence:
    root = response.selector.root
    paragraphs = page_paragraphs(root, texts) if isinstance(root, etree._Element) else []
    return PageEvidence(paragraphs, paywalled=paywalled, video=structured.get("page_kind") == "video")


def parse_article(response: TextResponse, profile: OutletProfile,
                  limits: ExtractLimits | None = None) -> ParseResult:
    """Build the item for `response`; `item` is None (with `error`) when there is no article.
    `limits`: how much of the page is read (NEWSBOT_EXTRACT_MAX_*; None: the defaults)."""
    if not isinstance(response, TextResponse) or not response.text.strip():
        return ParseResult(None, None, "empty or non-text response")
    # A page over the limits is cut to them before any reader runs: every path below, the costly
    # generic extractor and metadata readers among them, sees only its first elements.
    over_limit = bound_page(response.selector.root, limits or ExtractLimits(), len(response.body))
    if over_limit is not None:
        logger.warning("page %s is over the extraction limits: %s", response.url, over_limit.describe())
    result = _parse_article(response, profile, cut=over_limit is not None)
    result.over_limit = over_limit
    return result


def _parse_article(response: TextResponse, profile: OutletProfile, cut: bool) -> ParseResult:
    faults: list[str] = []
    values, structured, embedded_body = _resolve_fields(response, profile, faults)
    paywalled = page_says_paywalled(response.selector, structured, profile.paywall_markers, profile.language)

    # Body is read last: nothing else needs these nodes, and every body path below sees them gone.
    dropped = cut    # the page's text is no longer what its tree holds
    for css in profile.body_exclude:
        nodes = response.css(css)
        if nodes:
            nodes.drop()
            dropped = True
    texts: dict = {}   # element -> its text, read once for the selectors and the evidence
    candidates = _body_candidates(response, profile, structured, embedded_body, texts)
    evidence = _evidence(response, structured, paywalled, texts)
    # The costly path, the generic extractor, only when the cheap ones look thin.
    generic: dict[str, Any] = {}
    if looks_thin(candidates, evidence) or not values.get("title"):
        generic = generic_fields(response.selector.get() if dropped else response.text, response.url)
        if generic.get("body_paragraphs"):
            candidates.append(BodyCandidate("generic", _after_headline(generic["body_paragraphs"], values, generic,
                                                                       evidence.paragraphs)))
    choice = choose_body(candidates, evidence)
    for name in METADATA_FIELDS:
        if not values.get(name) and generic.get(name):
            values[name] = generic[name]
    # The byline as the metadata extractors read it, for what the page's own data leaves out (an
    # organisation named as author is an answer: wire copy has no person to name).
    wanted = [name for name in ("published_at", "authors") if not values.get(name)]
    if structured.get("author_declared") and "authors" in wanted:
        wanted.remove("authors")
    if wanted and choice.chosen is not None:
        values.update(fallback_metadata(response, wanted))
    return _build_result(response, profile, values, choice, paywalled, faults)


def _build_result(response: TextResponse, profile: OutletProfile, values: dict[str, Any], choice: BodyChoice,
                  paywalled: bool, faults: list[str]) -> ParseResult:
    chosen = choice.chosen
    body_source = chosen.source if chosen else None
    paragraphs = chosen.paragraphs if chosen else []
    body_css = profile.overrides.get("body") or profile.selectors.get("body")
    # The outlet's body selector lost: to a larger or wider path, or it matched nothing. (A video
    # page has no article text for it to find.)
    drift = body_css if body_css and chosen is not None and body_source != "selectors" and \
        not choice.video_page else None
    faults = list(dict.fromkeys(faults))
    # One-line fields as plain text whatever path gave them (a page that escaped its headline
    # twice shows "&amp;"; a broken one puts markup in it): empty afterwards is no title.
    title = plain_text(values.get("title"))
    # Selector and structured paragraphs come out of clean_line already (embedded and generic
    # ones may not): no second cleaning for those.
    body = join_cleaned_paragraphs(paragraphs) if body_source in ("selectors", "structured") else \
        join_paragraphs(paragraphs)
    result = partial(ParseResult, body_source=body_source, faults=faults, body_drift=drift,
                     preferred_source=choice.preferred.source if choice.preferred else None)
    if body and body_source == "generic" and len(body.split()) < MIN_GENERIC_WORDS and \
            not any(ord(c) > 0x2E7F for c in body[:200]):
        # A sign-in form, an error page or a bare link list: the generic extractor returns its
        # few words, but it is not an article. (CJK text has no spaces to count words by.)
        return result(None, error="not an article")
    if not title or not body:
        return result(None, error="no title" if not title else "no body")
    dates = {name: iso_utc(values.get(name), profile.timezone) for name in ("published_at", "updated_at")}
    if any(values.get(name) and dates[name] is None for name in dates):
        faults.append("date_rejected")

    item = ArticleItem(
        url=response.url,
        canonical_url=_absolute(response, values.get("canonical_url")),
        outlet=profile.outlet,
        section=clean_line(values.get("section")) or profile.section,
        title=title,
        standfirst=plain_text(values.get("standfirst")) or None,
        authors=clean_authors(values.get("authors") or []),
        published_at=dates["published_at"],
        updated_at=dates["updated_at"],
        language=normalize_language(values.get("language")) or profile.language or guess_language(body),
        body=body,
        tags=list(dict.fromkeys(clean_line(t) for t in values.get("tags") or [] if clean_line(t))),
        image_url=_absolute(response, values.get("image_url")) or _lazy_image(response),
        paywalled=paywalled or text_says_paywalled(paragraphs, profile.language),
    )
    return result(item, page_section=clean_line(values.get("section")) or None)
