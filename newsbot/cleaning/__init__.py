"""Template-junk removal on paragraphs, driven by rule packs kept as data.

Rule packs are JSON files (format below), loaded in this order for an item:
  1. newsbot/cleaning/rules/common.json      (every language)
  2. newsbot/cleaning/rules/<language>.json  (primary subtag: en, ja, ...)
  3. newsbot/spiders/<outlet>.rules.json     (the outlet's own banners, beside its spider)

Pack format (version 2):
    {"version": 2, "rules": [
       {"name": "share",              # stat newsbot/junk/<name>; several rules may share a name
        "max_chars": 80,              # only paragraphs up to this length (default 200)
        "opens_list": false,          # true: a heading after which headline-like lines are junk
        "patterns": ["share( this)?"],# each must match the WHOLE paragraph (re.fullmatch, ignore case)
        "needs": ["share"],           # optional prefilter: skip unless one substring occurs (speed)
        "examples": ["Share this"],   # paragraphs the rule removes (checked by the tests)
        "keep": ["We share this."]}   # paragraphs it must not remove (checked by the tests)
    ]}

Why whole-paragraph matches with a length cap: a template line is short and says nothing but the
prompt; an article sentence that mentions "subscribe" or "advertisement" has more words around it,
so it never matches. All rules of a length bucket are compiled into one alternation, so a paragraph
costs one regex call per bucket, not one per rule.

Besides the packs, `TextCleaner` applies a few structural rules that need context rather than words:
`repeated` (a sentence-length paragraph seen earlier in the body, e.g. a pull quote), `title_repeat` (the item's title/standfirst
repeated into the body), `byline` (a short line naming the item's authors), `label` (one-to-three
word section/location labels before the first sentence of the body, or equal to the item's section
or tags), and `list_block` (headline-like lines after a "Related"/"Most read"/paywall heading).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

PACK_VERSION = 2
DEFAULT_MAX_CHARS = 200
_RULE_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")
_FLAGS = re.IGNORECASE | re.DOTALL

# Sentence-ending punctuation (prose ends with it; headlines, labels and links usually do not).
_SENTENCE_END_CHARS = frozenset(".!?。！？…\"'”’»)）」』")


def _ends_sentence(text: str) -> bool:
    """Whether the last character before trailing whitespace ends a sentence. (What the regex
    `[.!?…]\\s*$` says, without re's search trying every punctuation mark of a paragraph: it ran
    for every paragraph and cost more than the rest of is_prose.)"""
    stripped = text.rstrip()
    return bool(stripped) and stripped[-1] in _SENTENCE_END_CHARS


# Prose starts the article: a sentence of at least this many words (or CJK characters).
_PROSE_WORDS = 12
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LIST_LINE_MAX = 160
_MAX_LIST_HEADINGS = 3


class RulePackError(ValueError):
    """A rule pack file is malformed (bad JSON, unknown version, bad name or pattern)."""


@dataclass(frozen=True)
class Rule:
    name: str
    patterns: tuple[str, ...]
    max_chars: int = DEFAULT_MAX_CHARS
    opens_list: bool = False
    examples: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # lower-case substrings one of which the paragraph must contain
    pack: str = ""


def _parse_pack(text: str, origin: str) -> tuple[Rule, ...]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RulePackError(f"{origin}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("version") != PACK_VERSION or not isinstance(data.get("rules"), list):
        raise RulePackError(f"{origin}: expected {{\"version\": {PACK_VERSION}, \"rules\": [...]}}")
    rules = []
    for index, raw in enumerate(data["rules"]):
        name = raw.get("name") if isinstance(raw, dict) else None
        patterns = raw.get("patterns") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not _RULE_NAME.fullmatch(name):
            raise RulePackError(f"{origin}: rule #{index} needs a lower_snake_case name")
        if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
            raise RulePackError(f"{origin}: rule {name!r} needs a non-empty list of patterns")
        for pattern in patterns:
            try:
                re.compile(pattern, _FLAGS)
            except re.error as exc:
                raise RulePackError(f"{origin}: rule {name!r} pattern {pattern!r}: {exc}") from None
        rules.append(Rule(
            name=name, patterns=tuple(patterns), max_chars=int(raw.get("max_chars", DEFAULT_MAX_CHARS)),
            opens_list=bool(raw.get("opens_list", False)), examples=tuple(raw.get("examples", ())),
            keep=tuple(raw.get("keep", ())), needs=tuple(n.lower() for n in raw.get("needs", ())), pack=origin,
        ))
    return tuple(rules)


@lru_cache(maxsize=None)
def load_rule_pack(name: str) -> tuple[Rule, ...]:
    """Rules of newsbot/cleaning/rules/<name>.json; () when there is no such pack."""
    path = resources.files("newsbot.cleaning").joinpath("rules", f"{name}.json")
    if not re.fullmatch(r"[a-z0-9_]+", name) or not path.is_file():
        return ()
    return _parse_pack(path.read_text("utf-8"), f"rules/{name}.json")


@lru_cache(maxsize=None)
def load_outlet_pack(outlet: str) -> tuple[Rule, ...]:
    """The outlet's additions, newsbot/spiders/<outlet>.rules.json beside its spider; () if none."""
    if not re.fullmatch(r"[a-z0-9_]+", outlet or ""):
        return ()
    path = resources.files("newsbot.spiders").joinpath(f"{outlet}.rules.json")
    if not path.is_file():
        return ()
    return _parse_pack(path.read_text("utf-8"), f"spiders/{outlet}.rules.json")


def available_packs() -> dict[str, tuple[Rule, ...]]:
    """Every shipped pack by file name (language packs and outlet packs), for tests and docs."""
    packs: dict[str, tuple[Rule, ...]] = {}
    for entry in resources.files("newsbot.cleaning").joinpath("rules").iterdir():
        if entry.name.endswith(".json"):
            packs[f"rules/{entry.name}"] = load_rule_pack(entry.name[:-5])
    for entry in resources.files("newsbot.spiders").iterdir():
        if entry.name.endswith(".rules.json"):
            packs[f"spiders/{entry.name}"] = load_outlet_pack(entry.name[: -len(".rules.json")])
    return packs


@dataclass(frozen=True)
class _Bucket:
    max_chars: int
    # Looked for in the lower-cased paragraph before the rules run; () when the rules need nothing.
    # Plain substrings tested with `in`: re's search for an alternation of literals tries every
    # alternative at every position, and on the long paragraphs these caps admit it cost more than
    # all the rules it spared (about 0.7 ms of the 1 ms cleaning took per benchmark article).
    needs: tuple[str, ...]
    regex: re.Pattern[str]
    rules: tuple[Rule, ...]  # group "r<i>" of `regex` is rules[i]


def _buckets(rules: Sequence[Rule]) -> tuple[_Bucket, ...]:
    """Rules grouped by (length cap, keyword prefilter), each group compiled into one alternation."""
    groups: dict[tuple[int, tuple[str, ...]], list[Rule]] = {}
    for rule in rules:
        groups.setdefault((rule.max_chars, rule.needs), []).append(rule)
    buckets = []
    for (cap, needs) in sorted(groups):
        members = tuple(groups[(cap, needs)])
        alternation = "|".join(f"(?P<r{i}>(?:{'|'.join(r.patterns)}))" for i, r in enumerate(members))
        buckets.append(_Bucket(cap, needs, re.compile(alternation, _FLAGS), members))
    return tuple(buckets)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _word_count(text: str) -> int:
    cjk = len(_CJK.findall(text))
    return cjk + len(_WORD.findall(_CJK.sub(" ", text))) if cjk else len(_WORD.findall(text))


def is_prose(paragraph: str) -> bool:
    """A real sentence: enough words and sentence punctuation (not a label, heading or link)."""
    if not _ends_sentence(paragraph):
        return False
    if paragraph.count(" ") >= 2 * _PROSE_WORDS:  # plainly long enough: skip counting
        return True
    return _word_count(paragraph) >= _PROSE_WORDS


_BYLINE = re.compile(
    r"(?:(?:by|written by|posted by|words by|story by|reporting by|text by|von|par|por)\s*:?\s+)?"
    r"(?P<rest>.+)", re.IGNORECASE | re.DOTALL)
_BYLINE_MAX_WORDS = 14


class TextCleaner:
    """Removes template paragraphs; `clean` says how many paragraphs each rule removed."""

    def __init__(self, rules: Sequence[Rule]):
        self.rules = tuple(rules)
        self._buckets = _buckets(self.rules)
        # Buckets are sorted by their length cap: a paragraph is tried only from the first bucket
        # whose cap it fits (most article paragraphs are longer than most caps).
        self._caps = [bucket.max_chars for bucket in self._buckets]
        self._by_name: dict[str, tuple[_Bucket, ...]] = {}
        self._index = {id(rule): index for index, rule in enumerate(self.rules)}

    @classmethod
    def for_outlet(cls, outlet: str | None, language: str | None) -> TextCleaner:
        return _cleaner_for(outlet or "", (language or "en").split("-")[0].lower())

    def match(self, paragraph: str) -> Rule | None:
        """The pack rule that says `paragraph` is template, or None."""
        length = len(paragraph)
        lowered = None
        buckets = self._buckets
        for index in range(bisect_left(self._caps, length), len(buckets)):
            bucket = buckets[index]
            if bucket.needs:
                lowered = paragraph.lower() if lowered is None else lowered
                for needle in bucket.needs:
                    if needle in lowered:
                        break
                else:
                    continue
            found = bucket.regex.fullmatch(paragraph)
            if found:
                return bucket.rules[int(found.lastgroup[1:])]
        return None

    def rule_indexes(self, paragraphs: Iterable[str]) -> list[int]:
        """For each paragraph, the index in `rules` of the rule `match` finds, or -1: what another
        process (an extraction worker, newsbot.cleaning.precomputed) sends for `clean(matches=...)`."""
        index = self._index
        return [-1 if rule is None else index[id(rule)] for rule in map(self.match, paragraphs)]

    def matches_rule(self, paragraph: str, name: str) -> bool:
        """True when a rule called `name` matches `paragraph` (even if another rule matches first)."""
        regex = self._by_name.get(name)
        if regex is None:
            members = [r for r in self.rules if r.name == name]
            regex = self._by_name[name] = _buckets(members)
        lowered = paragraph.lower()
        return any(len(paragraph) <= b.max_chars and (not b.needs or any(n in lowered for n in b.needs))
                   and b.regex.fullmatch(paragraph) for b in regex)

    def clean(self, paragraphs: Sequence[str], *, title: str | None = None, standfirst: str | None = None,
              authors: Iterable[str] = (), section: str | None = None, tags: Iterable[str] = (),
              matches: Sequence[Rule | None] | None = None) -> tuple[list[str], Counter[str]]:
        """The paragraphs that are article text, and how many each rule removed. `matches`, when
        given, is `match` of each paragraph, found before (newsbot.cleaning.precomputed)."""
        labels = {_fold(x) for x in (section, *tags) if x}
        repeats = {_fold(x) for x in (title, _SITE_SUFFIX.sub("", title or "")) if x}
        # The standfirst repeated as a paragraph: a dek printed above the text is removed, but a
        # sentence of prose is the article's lede (pages often copy their first paragraph into
        # the description), and the body keeps it.
        standfirst_folded = _fold(standfirst) if standfirst else None
        title_words = set(_WORD.findall(_SITE_SUFFIX.sub("", title or "").casefold()))
        author_names = [_fold(a) for a in authors if a and len(a) > 2]
        kept: list[str] = []
        removed: Counter[str] = Counter()
        seen: set[str] = set()
        # Paragraphs removed as repeating the title or standfirst: prose, or the standfirst itself.
        restated: list[str] = []
        in_list = False       # inside a list opened by a "Related"/paywall heading
        prose_started = False
        if matches is None:
            matches = [self.match(p) for p in paragraphs]
        # A "Read more" after every item of a list is a link label, not a heading that opens a list.
        headings = Counter(_fold(p) for p, m in zip(paragraphs, matches) if m is not None and m.opens_list)
        item_labels = {text for text, count in headings.items() if count >= _MAX_LIST_HEADINGS}
        for paragraph, rule in zip(paragraphs, matches):
            folded = _fold(paragraph)
            reason = None
            if rule is not None:
                reason = rule.name
                in_list = (rule.opens_list and folded not in item_labels) or (in_list and not is_prose(paragraph))
            elif folded in seen:
                reason = "repeated"
            elif folded in repeats or (folded == standfirst_folded and not is_prose(paragraph)) or \
                    (not prose_started and _restates(folded, title_words)):
                reason = "title_repeat"
            elif in_list and len(paragraph) <= _LIST_LINE_MAX and not is_prose(paragraph):
                reason = "list_block"
            elif folded in labels or (not prose_started and _is_label(paragraph)):
                reason = "label"
            elif not prose_started and len(paragraph) <= 100 and _DATE.search(paragraph) and not is_prose(paragraph):
                reason = "dateline"
            elif author_names and _is_byline(folded, author_names):
                reason = "byline"
            if reason is None:
                in_list = False
                prose = is_prose(paragraph)
                prose_started = prose_started or prose
                kept.append(paragraph)
                if prose:  # short lines (table cells, recipe steps) legitimately repeat
                    seen.add(folded)
            else:
                removed[reason] += 1
                if reason == "title_repeat" and (is_prose(paragraph) or folded == standfirst_folded):
                    restated.append(paragraph)
        if not kept and restated:
            # A video or gallery page whose only text is its description (the standfirst, or a
            # sentence restating it): that text is its body.
            kept.append(restated[0])
            removed["title_repeat"] -= 1
        # After the last sentence of the article: short labels are the page's footer, not the article.
        while len(kept) > 1 and _is_label(kept[-1]) and not _ends_sentence(kept[-1]) and prose_started:
            kept.pop()
            removed["label"] += 1
        return kept, removed


# A section / location label before the article starts: one to three words, no punctuation of a
# sentence ("Politics", "| Japan", "World news").
_LABEL = re.compile(r"[|/>»•·]?\s*[\w&'’-]+(?:\s+[\w&'’-]+){0,2}", re.UNICODE)


# " | Site name" / " - Site name" after a headline in <title> and og:title.
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{1,60}$")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A calendar date somewhere in a line (for meta lines before the article: "| Topic | May 2, 2024 |").
_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})\b|\d{4}年\d{1,2}月\d{1,2}日", re.IGNORECASE)


def _restates(folded: str, title_words: set[str]) -> bool:
    """A headline before the article that restates the title in other words ("Top Ten X 2026" /
    "The Ten Best X to Attend in 2026"): most title words, little else, no sentence."""
    if len(title_words) < 3 or _ends_sentence(folded):
        return False
    words = set(_WORD.findall(folded))
    return len(words) <= 2 * len(title_words) and len(words & title_words) >= 0.75 * len(title_words)


_CJK_LABEL_MAX = 8  # CJK text has no spaces to count words by: a label is a few characters


def _is_label(paragraph: str) -> bool:
    if _CJK.search(paragraph):
        return len(paragraph) <= _CJK_LABEL_MAX and not _ends_sentence(paragraph)
    return len(paragraph) <= 40 and bool(_LABEL.fullmatch(paragraph)) and not paragraph[-1:].isdigit()


def _is_byline(folded: str, author_names: list[str]) -> bool:
    """"By Jane Doe", "Written by Jane Doe | May 2", "Jane Doe, staff writer" -- not "Jane Doe said so." """
    if len(folded) > 160 or len(folded.split()) > _BYLINE_MAX_WORDS:
        return False
    rest = _BYLINE.fullmatch(folded).group("rest")
    if rest == folded and _ends_sentence(folded):
        return False  # no "By" and a full stop: a sentence about the author, not a byline
    return any(rest.startswith(name) for name in author_names)


@lru_cache(maxsize=256)
def _cleaner_for(outlet: str, language: str) -> TextCleaner:
    rules = load_rule_pack("common") + load_rule_pack(language) + (load_outlet_pack(outlet) if outlet else ())
    return TextCleaner(rules)
