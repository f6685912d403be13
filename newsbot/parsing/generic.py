"""The extractor for pages no outlet selector understands: trafilatura for the body, newsbot's
structured-data readers (JSON-LD, OpenGraph, meta) for the metadata.

The page is parsed once: structured data is read from the tree first, then trafilatura gets the
same tree. trafilatura's own metadata extraction is not asked for: it costs as much again as the
body extraction and newsbot's structured readers already know the article's fields. The body it
returns still carries template junk; `newsbot.cleaning.TextCleaner` (the CleanBody pipeline)
removes that, as for every other body.
"""

from __future__ import annotations

import logging
from copy import deepcopy
from typing import Any

from lxml import etree, html as lxml_html
from parsel import Selector

from .body_choice import word_bag
from .structured import json_ld_fields, meta_fields
from .text import clean_line, paragraphs_of, word_tokens

logger = logging.getLogger(__name__)

# trafilatura options: tables hold article facts (results, figures); comments are not the article.
TRAFILATURA_OPTIONS = {"include_comments": False, "include_tables": True, "include_images": False,
                       "include_links": False, "with_metadata": False}


def _parse(html: str) -> Any:
    # trafilatura's loader: the same tree trafilatura would build (encoding, broken markup, limits).
    from trafilatura.utils import load_html

    return load_html(html)


def _metadata_selector(tree: Any) -> Selector:
    """A selector over the page's <head> and JSON-LD only: the structured readers run one XPath per
    field name, which on a whole page costs as much as extraction; on the head it is cheap."""
    from copy import deepcopy

    try:
        small = lxml_html.Element("html", dict(tree.attrib))
    except ValueError:  # hostile markup: an attribute name lxml's builder refuses
        small = lxml_html.Element("html")
    head = tree.find("head")
    if head is not None:
        small.append(deepcopy(head))
    body = tree.find("body")
    if body is not None:
        holder = lxml_html.Element("body")
        for script in body.iterfind('.//script[@type="application/ld+json"]'):
            holder.append(deepcopy(script))
        small.append(holder)
    return Selector(root=small, type="html")


# The page's paragraphs outside navigation and page furniture (between the paragraph and the
# article root: some sites wrap the whole article in a <header>, which must not exclude it).
_FURNITURE = frozenset({"nav", "footer", "header", "aside", "form", "li", "blockquote", "script", "style",
                        "noscript", "template"})
# trafilatura sometimes settles on one small block (a teaser box, a sidebar) of a page whose
# paragraphs are mostly elsewhere; with fewer words than this share of the page's paragraphs its
# result is not trusted and the page's paragraphs are the body (then cleaned like any other body).
MIN_SHARE_OF_PAGE_PARAGRAPHS = 0.5
# trafilatura's broader reading with this many times the precise one's words (and as much of the
# page's paragraph text) kept blocks of the article the precise one dropped: see holds_more.
BROADER_GROWTH = 1.1


_ARTICLE_ROOT = etree.XPath("(//article | //main | //body)")


def _article_root(tree: Any) -> Any:
    found: dict[str, Any] = {}
    for element in _ARTICLE_ROOT(tree):   # one scan; the first of each kind in document order
        found.setdefault(element.tag, element)
    return next((found[tag] for tag in ("article", "main", "body") if tag in found), tree)


# What the page shows as its text when trafilatura's reading is not trusted: paragraphs, the
# sub-headings between them and list items (a list of steps, a plant's care tips), each read once.
_TEXT_BLOCKS = ("p", "h2", "h3", "h4", "li")
_BLOCK_FURNITURE = (_FURNITURE - {"li"}) | set(_TEXT_BLOCKS)
# A list item mostly made of links is a menu or a list of other stories.
MAX_ITEM_LINK_SHARE = 0.5


def page_blocks(tree: Any) -> list[str]:
    """The text of the page's paragraphs, sub-headings and list items in document order, outside
    navigation and page furniture."""
    root = _article_root(tree)
    blocks = []
    for element in root.iter(*_TEXT_BLOCKS):
        ancestor = element.getparent()
        while ancestor is not None and ancestor is not root and ancestor.tag not in _BLOCK_FURNITURE:
            ancestor = ancestor.getparent()
        if ancestor is not root and ancestor is not None:
            continue
        text = clean_line(element.text_content())
        if not text:
            continue
        if element.tag == "li":
            linked = sum(len(link.text_content().split()) for link in element.iter("a"))
            if linked > MAX_ITEM_LINK_SHARE * len(text.split()):
                continue
        blocks.append(text)
    return blocks


def page_paragraphs(tree: Any, texts: dict | None = None) -> list[str]:
    """The text of the page's paragraphs (see _FURNITURE); `texts`: paragraphs' texts already
    read, by element."""
    root = _article_root(tree)
    paragraphs = []
    for p in root.iter("p"):
        ancestor = p.getparent()
        while ancestor is not None and ancestor is not root and ancestor.tag not in _FURNITURE:
            ancestor = ancestor.getparent()
        if ancestor is root or ancestor is None:
            text = texts[p] if texts and p in texts else clean_line(p.text_content())
            if text:
                paragraphs.append(text)
    return paragraphs


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def _undivided(paragraphs: list[str], on_page: list[str]) -> bool:
    """trafilatura's last resort is the page's whole text as one or two blocks: no paragraph
    structure, so nothing can be cleaned. The page's own paragraphs, when there are enough of them
    with at least half the words, are the better body."""
    words = _words(paragraphs)
    return (len(paragraphs) <= 2 and words > 300 and len(on_page) >= 5
            and _words(on_page) >= MIN_SHARE_OF_PAGE_PARAGRAPHS * words)


def _fallback_title(sel: Selector) -> str | None:
    for xpath in ("//h1", "//title"):
        text = clean_line(" ".join(sel.xpath(f"{xpath}[1]//text()").getall()))
        if text:
            return text
    return None


def _trafilatura_paragraphs(tree: Any, url: str | None, **options: Any) -> list[str]:
    import trafilatura  # imported lazily: it is heavy and most pages never need it

    try:
        doc = trafilatura.bare_extraction(tree, url=url, **TRAFILATURA_OPTIONS, **options)
    except Exception:  # trafilatura raises many kinds of errors on hostile markup
        logger.warning("generic extraction failed for %s", url, exc_info=True)
        return []
    if doc is None:
        return []
    text = doc.get("text") if isinstance(doc, dict) else getattr(doc, "text", None)
    return paragraphs_of(text)


def _paragraph_key(paragraph: str) -> bytes:
    return b" ".join(word_tokens(paragraph))


def within_span(precise: list[str], broad: list[str]) -> list[str]:
    """`broad`'s paragraphs from the first to the last of `precise`'s, when `broad` holds all of
    `precise` in the same order; else `precise`.

    trafilatura's precise reading of a page skips blocks in the middle of an article (the bullet
    list of a summary, a list of steps) that its broader reading keeps, along with the page's
    frame. What the broader reading adds between the first and the last paragraph of the precise
    one sits inside the article; what it adds before or after is the frame, and stays out."""
    position: dict[bytes, int] = {}
    for index, paragraph in enumerate(broad):
        position.setdefault(_paragraph_key(paragraph), index)
    found = [position.get(_paragraph_key(paragraph)) for paragraph in precise]
    if not found or None in found or found != sorted(found):
        return precise
    span = broad[found[0]:found[-1] + 1]
    return span if len(span) > len(precise) else precise


def announces_missing_block(paragraphs: list[str]) -> bool:
    """A paragraph ending in a colon with no list item after it: the text introduces a list or
    steps ("Here is what we know:") that the reading left out."""
    return any(paragraph.endswith(":") and not following.startswith("- ")
               for paragraph, following in zip(paragraphs, [*paragraphs[1:], ""]))


def holds_more(broad: list[str], precise: list[str], on_page: list[str]) -> bool:
    """Whether the broader reading is the fuller article: BROADER_GROWTH times the precise one's
    words or more, while holding at least as much of the page's readable paragraph text.

    trafilatura's precise reading drops whole blocks of some articles (bullet lists, tables, the
    sections under sub-headings, text in <div>s rather than <p>s), where its broader reading keeps
    them. A broader reading that is larger but covers less of the page's paragraphs has wandered
    off into a sidebar or a comment thread; one that covers as much and adds more kept blocks the
    precise one dropped (then cleaned like any body: frame lines it drags in go there)."""
    broad_words, precise_words = _words(broad), _words(precise)
    if not precise_words or broad_words < BROADER_GROWTH * precise_words:
        return False
    page = word_bag(on_page)
    return sum((word_bag(broad) & page).values()) >= sum((word_bag(precise) & page).values())


def generic_body(tree: Any, url: str | None = None, on_page: list[str] | None = None) -> list[str]:
    """The main-text paragraphs trafilatura finds in a parsed page (lxml tree); [] if none.

    Two readings: the precise one (trafilatura's default) and the broader one (favor_recall). When
    the precise reading announces a block it does not hold, the broader reading's paragraphs inside
    the precise reading's span (when the broader reading holds them all, in order); else, when the
    broader reading holds more of the article (`holds_more`; `on_page`: the page's readable
    paragraphs), the broader reading; else the precise one."""
    spare = deepcopy(tree)   # trafilatura prunes the tree it reads (a copy costs ~1 ms, a pass ~20)
    precise = _trafilatura_paragraphs(tree, url)
    if not precise:
        return precise
    broad = _trafilatura_paragraphs(spare, url, favor_recall=True)
    if len(precise) >= 2 and announces_missing_block(precise):
        spanned = within_span(precise, broad)
        if spanned is not precise:
            return spanned
    return broad if holds_more(broad, precise, on_page or []) else precise


def generic_fields(html: str, url: str | None = None) -> dict[str, Any]:
    """Body paragraphs and metadata of a page without an outlet parser; {} when nothing is found."""
    if not html or not html.strip():
        return {}
    try:
        tree = _parse(html)
    except (ValueError, TypeError, lxml_html.etree.ParserError) as exc:
        logger.warning("generic extraction could not parse %s: %s", url, exc)
        return {}
    if tree is None:
        logger.warning("generic extraction could not parse %s", url)
        return {}
    sel = _metadata_selector(tree)
    fields: dict[str, Any] = meta_fields(sel)
    fields.update(json_ld_fields(sel, article_page=fields.get("page_type") == "article"))
    fields.pop("body", None)  # articleBody is parse_article's own path; here the body is trafilatura's
    if not fields.get("title"):
        fields["title"] = _fallback_title(Selector(root=tree, type="html"))
    # Read before trafilatura, which prunes the tree it is given.
    on_page = page_paragraphs(tree)
    blocks = page_blocks(tree)
    paragraphs = generic_body(tree, url, on_page)
    if _words(paragraphs) < MIN_SHARE_OF_PAGE_PARAGRAPHS * _words(on_page) or _undivided(paragraphs, on_page):
        paragraphs = blocks
    if paragraphs:
        fields["body_paragraphs"] = paragraphs
    return {k: v for k, v in fields.items() if v not in (None, "", [])}
