"""How much of one page the article extraction reads: a bound on its elements and its text.

The extraction's costly readers (trafilatura's body extraction, htmldate and trafilatura's
metadata readers, the page-paragraph evidence, the cleaner) grow faster than the page: a 7 MB
page of 100,000 `<p>`, under DOWNLOAD_MAXSIZE, held a crawl for 79 s and took the process to
584 MB; a 1.6 MB page of 400,000 `<br>`, or one `<p>` holding 100,000 `<span>`, as long. What
drives their cost is the number of elements (and text nodes) of the page, whatever their kind,
and the length of its text. A real article page is far smaller: over the 810 pages of the
extraction benchmarks (../shared/bench: real-pages-dev, aeb-dev, wcxb-dev-articles) the body has
at most 4,929 elements (99th percentile 3,198, median 728) and 196,097 characters of text (99th
percentile 103,236, median 18,058).

`bound_page` measures the page on the tree Scrapy already parsed (lxml scans, milliseconds)
before any of those readers runs. A page over NEWSBOT_EXTRACT_MAX_ELEMENTS or
NEWSBOT_EXTRACT_MAX_TEXT is cut, in place, after its first elements and characters (in document
order): every reader then sees that view, an article being at the top of its page. The page's
JSON-LD and embedded-state scripts are kept wherever they were, so its structured fields and
body still count. `parse_article` logs one WARNING line with the figures; the spider counts the
page as `newsbot/extract/over_limit`.

Not bounded: time itself. trafilatura cannot be interrupted in its thread; the limits bound the
input it gets. Its cost is worst for many text nodes inside one paragraph (10,000 `<span>` in one
`<p>`, at the element limit, take about 15 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..config import BY_NAME

# Declared in newsbot.config (twice and five times the largest benchmark page).
DEFAULT_MAX_ELEMENTS: int = BY_NAME["NEWSBOT_EXTRACT_MAX_ELEMENTS"].default
DEFAULT_MAX_TEXT: int = BY_NAME["NEWSBOT_EXTRACT_MAX_TEXT"].default

# Elements whose text is not the page's text (no text reader counts it).
_NOT_TEXT = frozenset({"script", "style", "noscript", "template"})
_TEXT = etree.XPath("string()", smart_strings=False)
_DESCENDANTS = etree.XPath("count(.//*)")
_HIDDEN_TEXT = etree.XPath(" | ".join(f".//{tag}//text()" for tag in sorted(_NOT_TEXT)), smart_strings=False)
# The structured-data scripts the field readers look for (newsbot.parsing.structured).
_DATA_SCRIPTS = etree.XPath('//body//script[@type="application/ld+json" or @id="__NEXT_DATA__" '
                            'or contains(text(), "Fusion.globalContent")]')


@dataclass(frozen=True)
class ExtractLimits:
    """The most elements and characters of text of a page the extraction reads (0: no limit)."""

    max_elements: int = DEFAULT_MAX_ELEMENTS
    max_text: int = DEFAULT_MAX_TEXT

    @classmethod
    def from_settings(cls, settings: Any) -> ExtractLimits:
        """NEWSBOT_EXTRACT_MAX_ELEMENTS / _TEXT of `settings` (the defaults when None)."""
        if settings is None:
            return cls()
        return cls(settings.getint("NEWSBOT_EXTRACT_MAX_ELEMENTS", DEFAULT_MAX_ELEMENTS),
                   settings.getint("NEWSBOT_EXTRACT_MAX_TEXT", DEFAULT_MAX_TEXT))

    def exceeded(self, elements: int, text: int) -> bool:
        return 0 < self.max_elements < elements or 0 < self.max_text < text


@dataclass(frozen=True)
class OverLimit:
    """A page cut to the limits: what it held, and what of it the extraction reads."""

    elements: int
    text: int
    kept_elements: int
    kept_text: int
    limits: ExtractLimits

    def describe(self) -> str:
        def limit(value: int) -> str:
            return f"{value:,}" if value else "none"
        return (f"{self.elements:,} elements (limit {limit(self.limits.max_elements)}), {self.text:,} "
                f"characters of text (limit {limit(self.limits.max_text)}); read up to element "
                f"{self.kept_elements:,} and character {self.kept_text:,}")


def _text_root(root: Any) -> Any:
    body = root.find("body") if root.tag == "html" else None
    return body if body is not None else root


def _elements(top: Any) -> int:
    return int(_DESCENDANTS(top)) + 1     # XPath's count: ~20x faster than iterating in Python


def _text_length(top: Any) -> int:
    return len(_TEXT(top)) - sum(len(text) for text in _HIDDEN_TEXT(top))


def measure(root: Any) -> tuple[int, int]:
    """(elements, characters of text) of the page's body, by two scans in lxml's C code."""
    top = _text_root(root)
    return _elements(top), _text_length(top)


def _drop_after(element: Any, top: Any) -> None:
    """Remove everything that follows `element` in document order, up to the end of `top`
    (`element`'s own tail stays: the caller decides about it)."""
    node = element
    while node is not top:
        parent = node.getparent()
        if parent is None:
            break
        del parent[parent.index(node) + 1:]     # the following siblings, with their tails
        if parent is not top:
            parent.tail = None
        node = parent


def _cut(top: Any, limits: ExtractLimits) -> tuple[int, int]:
    """Cut `top` after its first `max_elements` elements and `max_text` characters, in place;
    (elements, characters) kept."""
    max_elements = limits.max_elements or float("inf")
    max_text = limits.max_text or float("inf")
    elements = text = 0
    for event, element in etree.iterwalk(top, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if not isinstance(tag, str):        # a comment or processing instruction
                continue
            if elements >= max_elements:        # the first element over the limit goes, with all after it
                _drop_after(element, top)
                element.getparent().remove(element)
                return elements, text
            elements += 1
            if tag not in _NOT_TEXT and element.text:
                if text + len(element.text) > max_text:
                    element.text = element.text[:int(max_text - text)]
                    del element[:]
                    _drop_after(element, top)
                    element.tail = None
                    return elements, int(max_text)
                text += len(element.text)
        elif element is not top and element.tail:
            if text + len(element.tail) > max_text:
                element.tail = element.tail[:int(max_text - text)]
                _drop_after(element, top)
                return elements, int(max_text)
            text += len(element.tail)
    return elements, text


def _attached(element: Any, root: Any) -> bool:
    while element is not None:
        if element is root:
            return True
        element = element.getparent()
    return False


def bound_page(root: Any, limits: ExtractLimits, page_bytes: int | None = None) -> OverLimit | None:
    """Cut the parsed page `root` (lxml, in place) to `limits`; None when it is within them.
    `page_bytes`: the size of the page it was parsed from, when known: a page of no more bytes
    than the text limit cannot have more characters of text, and its text is not measured (that
    scan costs more than the element count, on every article)."""
    if not isinstance(root, etree._Element):
        return None
    top = _text_root(root)
    elements = _elements(top)
    if page_bytes is not None and not (0 < limits.max_text < page_bytes) and \
            not (0 < limits.max_elements < elements):
        return None
    text = _text_length(top)
    if not limits.exceeded(elements, text):
        return None
    scripts = _DATA_SCRIPTS(root)
    kept_elements, kept_text = _cut(top, limits)
    for script in scripts:          # structured data cut away with the rest: put back at the end
        if not _attached(script, root):
            script.tail = None
            top.append(script)
    return OverLimit(elements, text, kept_elements, kept_text, limits)
