"""Whitespace and paragraph helpers shared by every extraction path."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

# CJK scripts have no spaces between words: each ideograph/kana is a word. A word is one such
# character, or a run of other word characters.
_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_TOKEN = re.compile(f"[{_CJK_CHARS}]|[^\\W{_CJK_CHARS}]+")


def clean_line(text: str | None) -> str:
    """One line of text: NFC, collapsed spaces (any Unicode space), no newlines, stripped."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).replace("\u200b", "").replace("\ufeff", "")
    # str.split() with no argument splits on every Unicode whitespace run, in C.
    return " ".join(text.split())


def _clean_part(line: str) -> str:
    """clean_line of one line of str.splitlines. The pipelines split every body again, and its
    lines are mostly clean already: an ASCII line is returned by clean_line unchanged when it has
    no run of spaces, no space at either end and no tab or \\x1f (the only ASCII whitespace
    besides the space that splitlines leaves inside a line), which three substring tests tell
    for a third of the cost of splitting and joining it."""
    if line.isascii() and "  " not in line and "\t" not in line and "\x1f" not in line \
            and line[:1] != " " and line[-1:] != " ":
        return line
    return clean_line(line)


def paragraphs_of(text: str | None) -> list[str]:
    """Split a body on blank lines (or single newlines) into clean, non-empty paragraphs."""
    if not text:
        return []
    return [p for p in (_clean_part(part) for part in text.splitlines()) if p]


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """The body format of the item: paragraphs separated by exactly one blank line."""
    return "\n\n".join(p for p in (clean_line(x) for x in paragraphs) if p)


def join_cleaned_paragraphs(paragraphs: Iterable[str]) -> str:
    """`join_paragraphs` of paragraphs clean_line has made already (those of `paragraphs_of`), as
    the pipelines join them again after dropping some. clean_line returns an ASCII line it made
    unchanged, so only the others go through it again; on an article's long paragraphs the
    second split-and-join cost as much as the first."""
    return "\n\n".join(p for p in (x if x.isascii() else clean_line(x) for x in paragraphs) if p)


# ASCII text, word characters kept and every other byte made a space: `\w+` runs on ASCII text are
# exactly the runs of [A-Za-z0-9_], and bytes.translate + split find them about five times faster
# than re.findall (which builds a match for each of a body's ~1,000 words).
_ASCII_WORD_BYTES = bytes(c if chr(c).isalnum() or chr(c) == "_" else 0x20 for c in range(128)) + b" " * 128



def word_tokens(text: str) -> list[bytes]:
    """The words of `text`, lower-cased, as UTF-8 bytes (each CJK character one word): keys to
    compare texts by. ASCII text, most of it, takes the bytes.translate path."""
    if text.isascii():
        return text.lower().encode("ascii").translate(_ASCII_WORD_BYTES).split()
    return [token.encode() for token in _TOKEN.findall(text.lower())]


def word_count(text: str | None) -> int:
    if not text:
        return 0
    if text.isascii():
        return len(text.encode("ascii").translate(_ASCII_WORD_BYTES).split())
    return len(_TOKEN.findall(text))


def normalize_body(text: str | None) -> str:
    return join_cleaned_paragraphs(paragraphs_of(text))


_BYLINE_PREFIX = re.compile(r"^\s*(?:by|from|von|par|por|written by|reporting by)\s*[:\-]?\s+", re.I)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\||/|\band\b|\bund\b|\bet\b|\by\b|、|・)\s*", re.I)
_TRAILING_PLACE = re.compile(r"\s+in\s+[A-Z][\w.\- ]*$")
# Words that make a byline fragment a role or a place, not a name ("Nikkei staff writer", "in Tokyo").
_ROLE_WORDS = frozenset({
    "writer", "writers", "correspondent", "correspondents", "editor", "editors", "staff", "reporter",
    "reporters", "contributor", "columnist", "bureau", "chief", "analyst", "producer", "desk",
    "team", "agencies", "press", "photographer", "journaliste", "rédaction", "記者", "編集部",
})


def clean_authors(values) -> list[str]:
    """Byline strings to a list of person names: no "By", no roles, no "and", no duplicates."""
    if isinstance(values, str):
        values = [values]
    names: list[str] = []
    for value in values or []:
        line = _BYLINE_PREFIX.sub("", clean_line(value))
        for part in _AUTHOR_SPLIT.split(line):
            part = _TRAILING_PLACE.sub("", part).strip(" .:|-–—")
            words = part.lower().split()
            if not part or any(w in _ROLE_WORDS for w in words) or (words and words[0] in {"in", "for", "at", "with"}):
                continue
            if part.isupper() and len(part) > 3:
                part = part.title()
            names.append(part)
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.casefold(), name)
    return list(unique.values())


def normalize_language(value: str | None) -> str | None:
    """BCP 47 spelling of a language tag ("en_US" -> "en-US", "JA" -> "ja")."""
    if not value:
        return None
    parts = [p for p in re.split(r"[-_]", value.strip()) if p]
    if not parts or not re.fullmatch(r"[A-Za-z]{2,3}", parts[0]):
        return None
    out = [parts[0].lower()]
    for p in parts[1:]:
        if not re.fullmatch(r"[A-Za-z0-9]{2,8}", p):
            break
        out.append(p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p)
    return "-".join(out)


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def guess_language(text: str) -> str:
    """A script-based guess for pages that declare no language: ja/ko/zh, else "und" (undetermined)."""
    sample = text[:2000]
    if len(_KANA.findall(sample)) > 20:
        return "ja"
    if len(_HANGUL.findall(sample)) > 20:
        return "ko"
    if len(_HAN.findall(sample)) > 40:
        return "zh"
    return "und"


# --- text from structured data: entities decoded, markup removed ---------------------------------

# An HTML entity as markup writes it; `markup_left` flags one left in an item's text.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# A tag of an HTML element (or a comment): "<a href=...>", "</p>", "<br/>". Element names are
# HTML's own, so prose such as "a <b" or "<Trump>" is not taken for markup.
_HTML_ELEMENTS = ("a|abbr|article|aside|b|blockquote|br|caption|cite|code|div|em|figcaption|figure|font|"
                  "h[1-6]|hr|i|iframe|img|li|link|meta|ol|p|picture|pre|q|s|script|section|small|source|span|"
                  "strong|style|sub|sup|table|tbody|td|th|thead|tr|u|ul|video")
_TAG = re.compile(rf"<!--.*?-->|</?(?:{_HTML_ELEMENTS})(?:\s[^<>]*)?/?>", re.IGNORECASE | re.DOTALL)
# Elements whose text a reader never sees, and elements whose text starts on a new line (it must
# not run into the next word).
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "button"})
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "figcaption", "section", "article", "ul", "ol", "table", "pre"})


def _walk(element, parts: list[str], breaker: str) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _HIDDEN_TAGS:
        return
    if tag in _BLOCK_TAGS:
        parts.append(breaker)
    if element.text and tag:    # a comment's text is not the page's
        parts.append(element.text)
    for child in element:
        _walk(child, parts, breaker)
        if child.tail:
            parts.append(child.tail)
    if tag in _BLOCK_TAGS:
        parts.append(breaker)


def element_text(element, breaker: str = " ") -> str:
    """The reader-visible text of an lxml element: inline markup joined as written, blocks
    separated by `breaker`; scripts, styles and comments left out."""
    parts: list[str] = []
    _walk(element, parts, breaker)
    return "".join(parts)


def _markup_text(markup: str, paragraphs: bool) -> str:
    """The text a browser shows for a fragment of HTML: blocks become line breaks (`paragraphs`)
    or spaces."""
    from lxml import etree, html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return _TAG.sub(" ", markup)
    return element_text(root, "\n" if paragraphs else " ")


def plain_text(value: str | None, *, paragraphs: bool = False) -> str:
    """Text read from JSON-LD, embedded page state or meta tags, as a reader sees it: entities
    decoded (also double- and triple-encoded ones, `&amp;#39;`), HTML markup removed. With
    `paragraphs`, block elements become line breaks (for bodies); otherwise one clean line."""
    if not value:
        return ""
    value = decode_entities(value)
    if "<" in value and _TAG.search(value):
        value = _markup_text(value, paragraphs)
        if "&" in value:  # text inside the markup may itself be escaped once more
            value = html.unescape(value)
    if paragraphs:
        return "\n".join(line for line in (clean_line(part) for part in value.splitlines()) if line)
    return clean_line(value)


def markup_left(text: str | None, tags: bool = True) -> str | None:
    """The first HTML entity (or, with `tags`, tag) left in `text`; None when there is none."""
    if not text or ("&" not in text and "<" not in text):
        return None
    found = _ENTITY.search(text) or (_TAG.search(text) if tags else None)
    return found.group(0) if found else None


def decode_entities(text: str) -> str:
    """`text` with entities decoded, as often as they were encoded (three levels at most)."""
    for _ in range(3):
        if "&" not in text:
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text
