"""Rule-pack matches of an article's paragraphs, found by the extraction worker for CleanBodyPipeline.

Finding which pack rule, if any, matches each paragraph is about half of CleanBodyPipeline's
cost, and it depends only on the paragraph and the outlet's packs. An extraction worker
(newsbot.middlewares.extraction) holds the article already: it also finds the matches of the body
as NormalizePipeline will leave it, and the crawl process keeps them beside the item until
CleanBodyPipeline takes them. They are used only for exactly that body, outlet and language, with
the same packs (a spider that changed the body, or a body whose entities NormalizePipeline decoded,
is matched again in the pipeline); everything else the cleaning decides (repeats, lists, labels,
bylines) is still decided there.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from ..parsing.text import normalize_body, paragraphs_of
from . import Rule, TextCleaner


@dataclass(frozen=True)
class RuleMatches:
    outlet: str
    language: str
    body: str                   # the body the matches are of, as NormalizePipeline leaves it
    rule_count: int             # how many rules the finder's cleaner had (the same packs, or unused)
    indexes: tuple[int, ...]    # per paragraph of `body`, the index of its rule, or -1

    @classmethod
    def find(cls, item: Any) -> RuleMatches | None:
        body = normalize_body(getattr(item, "body", None))
        if not body:
            return None
        cleaner = TextCleaner.for_outlet(item.outlet, item.language)
        return cls(item.outlet or "", item.language or "", body, len(cleaner.rules),
                   tuple(cleaner.rule_indexes(paragraphs_of(body))))

    def rules_for(self, cleaner: TextCleaner, outlet: str | None, language: str | None,
                  body: str | None) -> list[Rule | None] | None:
        """The matches, if they are of this body, outlet and language and of these packs; else None."""
        if (body != self.body or (outlet or "") != self.outlet or (language or "") != self.language
                or len(cleaner.rules) != self.rule_count):
            return None
        rules = cleaner.rules
        return [None if index < 0 else rules[index] for index in self.indexes]


# id(item) -> its matches, until CleanBodyPipeline takes them or the item is gone (items, as
# dataclasses, are not hashable: they cannot be keys of a WeakKeyDictionary).
_kept: dict[int, RuleMatches] = {}


def keep(item: Any, matches: RuleMatches | None) -> None:
    if matches is None:
        return
    try:
        weakref.finalize(item, _kept.pop, id(item), None).atexit = False
    except TypeError:   # an item that cannot be weakly referenced: matched in the pipeline
        return
    _kept[id(item)] = matches


def take(item: Any) -> RuleMatches | None:
    return _kept.pop(id(item), None)
