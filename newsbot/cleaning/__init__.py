"""Template-junk removal on paragraphs, driven by rule packs kept as data (newsbot/cleaning/rules/)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]


@lru_cache(maxsize=None)
def load_rule_pack(name: str) -> tuple[Rule, ...]:
    """Rules of newsbot/cleaning/rules/<name>.json: {"version": N, "rules": [{"name", "pattern"}]}.

    A paragraph is junk when a rule's pattern matches the whole paragraph (re.fullmatch).
    """
    path = resources.files("newsbot.cleaning").joinpath("rules", f"{name}.json")
    if not path.is_file():
        return ()
    data = json.loads(path.read_text("utf-8"))
    return tuple(Rule(r["name"], re.compile(r["pattern"], re.IGNORECASE | re.DOTALL)) for r in data["rules"])


class TextCleaner:
    def __init__(self, rules: tuple[Rule, ...]):
        self.rules = rules

    @classmethod
    def for_outlet(cls, outlet: str | None, language: str | None) -> TextCleaner:
        packs = ["common", (language or "en").split("-")[0]]
        if outlet:
            packs.append(f"outlet_{outlet}")
        return cls(tuple(rule for pack in packs for rule in load_rule_pack(pack)))

    def clean(self, paragraphs: list[str]) -> tuple[list[str], Counter[str]]:
        """The paragraphs that are article text, and how many each rule removed."""
        kept: list[str] = []
        removed: Counter[str] = Counter()
        for paragraph in paragraphs:
            rule = next((r for r in self.rules if r.pattern.fullmatch(paragraph)), None)
            if rule is None:
                kept.append(paragraph)
            else:
                removed[rule.name] += 1
        return kept, removed
