"""Which body is the article's: every path that can give one is a candidate, and the page decides.

A page offers several bodies: the outlet's selectors, JSON-LD `articleBody`, embedded page state
(Next.js, Arc), the generic extractor. Taking the first that
yields anything gave one-sentence bodies whenever a path still matched something small (a
description, a video's caption, a summary paragraph left in an old template). Here a candidate
is judged by what the page shows:

- size against the other candidates: a candidate several times smaller than another never wins
  (unless the page is paywalled, or a video page with no text of its own, where the short text
  is all it has to give);
- coverage of the page's readable paragraph text (the `<p>` text outside navigation and page
  furniture, measured on the same parse): a candidate that misses a large share of it, which
  another covers, is a truncated prefix or a summary;
- repetition and link density: text said twice over, or mostly link labels, is not prose.

Among the candidates that pass, the outlet's order of preference holds (selectors first), so a
working outlet parser keeps its clean, structured output. The generic extractor, the one
expensive path, runs only when the cheap paths look thin against the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .text import word_count, word_tokens

# A candidate with less than 1/SEVERAL_TIMES of the largest one's words loses to it.
SEVERAL_TIMES = 2.0
# The outlet's own paths covering less than this share of the page's paragraph words are thin:
# the generic extractor is asked too.
THIN_COVERAGE = 0.5
# A candidate covering this much more of the page's paragraph text than the pick, with at least
# PREFIX_GROWTH times its words, shows the pick to be a truncated prefix or a summary.
COVERAGE_MARGIN = 0.2
PREFIX_GROWTH = 1.25
# Below this many paragraph words the page says too little to judge coverage by.
MIN_PAGE_WORDS = 80
# Fewer words than this from the cheap paths is a summary or a caption as often as a brief: the
# generic extractor is asked too (and only wins if it finds several times more).
SHORT_WORDS = 150
# The pick already covering this share of the page's paragraph text is not a truncated prefix.
WHOLE_COVERAGE = 0.7
# Shares above which a candidate is not prose: words in repeated paragraphs, words in links.
MAX_REPEATED_SHARE = 0.5
MAX_LINK_SHARE = 0.5

def word_bag(paragraphs: list[str]) -> Counter:
    return Counter(word_tokens("\n".join(paragraphs)))


@dataclass
class BodyCandidate:
    source: str                      # selectors | structured | embedded | generic
    paragraphs: list[str]
    link_share: float = 0.0          # share of its words inside links (selector candidates)
    coverage: float | None = field(default=None, init=False)   # of the page's text, once measured
    words: int = field(init=False)
    _tokens: list[bytes] = field(init=False, repr=False)
    _bag: Counter | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._tokens = word_tokens("\n".join(self.paragraphs))
        self.words = len(self._tokens)

    @property
    def bag(self) -> Counter:
        if self._bag is None:
            self._bag = Counter(self._tokens)
        return self._bag

    def repeated_share(self) -> float:
        """Share of the words in paragraphs that repeat an earlier one (a template said twice)."""
        seen: set[str] = set()
        repeated = 0
        for paragraph in self.paragraphs:
            key = paragraph.casefold()
            if key in seen and len(key) > 20:
                repeated += len(word_tokens(paragraph))
            seen.add(key)
        return repeated / self.words if self.words else 0.0

    def is_prose(self) -> bool:
        return bool(self.words) and self.link_share <= MAX_LINK_SHARE and \
            self.repeated_share() <= MAX_REPEATED_SHARE


@dataclass
class PageEvidence:
    """What the page itself shows, to judge candidates by."""

    paragraphs: list[str]            # the page's readable paragraphs
    paywalled: bool = False
    video: bool = False              # a video page: its text is the video's description
    _paragraph_words: int | None = field(default=None, init=False, repr=False)
    _paragraph_bag: Counter | None = field(default=None, init=False, repr=False)

    def short_is_whole(self, words: int) -> bool:
        """Whether a text of `words` words is all the page has: a paywalled page, or a video page
        with no more text of its own. (A live page's structured data often lists only its
        entries' headlines: its text is judged as any other's.)"""
        return self.paywalled or (self.video and self.paragraph_words < SEVERAL_TIMES * words)

    @property
    def paragraph_words(self) -> int:
        if self._paragraph_words is None:
            self._paragraph_words = sum(word_count(p) for p in self.paragraphs)
        return self._paragraph_words

    @property
    def paragraph_bag(self) -> Counter:
        if self._paragraph_bag is None:
            self._paragraph_bag = word_bag(self.paragraphs)
        return self._paragraph_bag

    def coverage(self, candidate: BodyCandidate) -> float:
        """Share of the page's paragraph words the candidate holds."""
        total = self.paragraph_words
        if not total:
            return 0.0
        if candidate.coverage is None:
            candidate.coverage = sum((candidate.bag & self.paragraph_bag).values()) / total
        return candidate.coverage

    def judges_coverage(self) -> bool:
        return self.paragraph_words >= MIN_PAGE_WORDS


def looks_thin(candidates: list[BodyCandidate], evidence: PageEvidence) -> bool:
    """Whether the cheap paths leave the page's text unexplained, so the generic extractor must be
    asked: nothing usable, fewer than SHORT_WORDS words, or less than THIN_COVERAGE of the page's
    paragraph words. A paywalled or video page shows what it shows: its outlet paths are kept."""
    usable = [c for c in candidates if c.is_prose()]
    if not usable:
        return True
    largest = max(c.words for c in usable)
    if evidence.short_is_whole(largest):
        return False
    if largest < SHORT_WORDS:
        return True
    if not evidence.judges_coverage() or largest >= evidence.paragraph_words:
        # As many words as all the page's paragraphs: the page has nothing more to offer (and
        # the common case, a working outlet parser, costs no word bags).
        return False
    return max(evidence.coverage(c) for c in usable) < THIN_COVERAGE


@dataclass
class BodyChoice:
    chosen: BodyCandidate | None
    preferred: BodyCandidate | None   # what the order of preference alone would have taken
    reason: str                        # why the chosen one won ("preferred", "larger", "covers_more", ...)
    video_page: bool = False


def choose_body(candidates: list[BodyCandidate], evidence: PageEvidence) -> BodyChoice:
    """The candidate that is the article's body (candidates in the outlet's order of preference)."""
    nonempty = [c for c in candidates if c.words]
    preferred = nonempty[0] if nonempty else None
    pool = [c for c in nonempty if c.is_prose()] or nonempty
    if not pool:
        return BodyChoice(None, None, "none")
    outlet_paths = [c for c in pool if c.source != "generic"]
    if outlet_paths and evidence.short_is_whole(max(c.words for c in outlet_paths)):
        # The short text of a paywalled or video page is what the outlet shows; the generic
        # extractor's longer one would be the page's furniture.
        pool = outlet_paths
    largest = max(c.words for c in pool)
    pick = next(c for c in pool if c.words * SEVERAL_TIMES >= largest)
    reason = "preferred" if pick is preferred else "larger"
    if evidence.judges_coverage() and len(pool) > 1:
        picked_coverage = evidence.coverage(pick)
        wider = max(pool, key=evidence.coverage)
        if wider is not pick and picked_coverage < WHOLE_COVERAGE and \
                evidence.coverage(wider) >= picked_coverage + COVERAGE_MARGIN and \
                wider.words >= PREFIX_GROWTH * pick.words:
            pick, reason = wider, "covers_more"
    return BodyChoice(pick, preferred, reason, evidence.video)
