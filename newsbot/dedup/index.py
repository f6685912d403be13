"""The dedup decision for one article: new, unchanged, update, or duplicate of an earlier one."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..urls import canonical_url, preferred_url
from .signature import Signer
from .store import Record, StateStore

NEW, UNCHANGED, UPDATE, DUPLICATE = "new", "unchanged", "update", "duplicate"


@dataclass
class ArticleFacts:
    url: str
    outlet: str
    body: str
    content_hash: str
    canonical_url: str | None = None
    updated_at: str | None = None


@dataclass
class Decision:
    kind: str
    key: str
    version: int = 1
    duplicate_of: str | None = None   # URL of the first-seen copy
    similarity: float = 1.0


class DedupIndex:
    """Checks an article against the store and records it, in one store transaction."""

    def __init__(self, store: StateStore, signer: Signer, clock=time.time):
        self.store, self.signer, self.clock = store, signer, clock
        store.use_signer(signer)

    @staticmethod
    def url_keys(facts: ArticleFacts) -> list[str]:
        """The URL keys an article is recorded under; the last is its record's key."""
        return list(dict.fromkeys([canonical_url(facts.url), preferred_url(facts.url, facts.canonical_url)]))

    def check(self, facts: ArticleFacts) -> Decision:
        url_keys = self.url_keys(facts)
        key = url_keys[-1]
        signature = self.signer.sign(facts.body)
        now = self.clock()
        with self.store.transaction():
            previous = self.store.find_by_urls(url_keys)
            if previous is not None:
                return self._revisit(previous, facts, signature, url_keys, now)
            first = self.store.find_by_hash(facts.content_hash)
            if first is not None and first.key != key:
                return self._duplicate(first, 1.0, facts, key, signature, url_keys, now)
            band_keys = self.signer.band_keys(signature)
            best, best_similarity = None, 0.0
            for candidate in sorted(self.store.near_candidates(band_keys), key=lambda record: record.key):
                if candidate.key == key:
                    continue
                similarity = self.signer.similarity(signature, self.signer.from_bytes(candidate.signature))
                if similarity > best_similarity:
                    best, best_similarity = candidate, similarity
            if best is not None and best_similarity >= self.signer.threshold:
                return self._duplicate(best, best_similarity, facts, key, signature, url_keys, now)
            owner = self.store.claim_hash(facts.content_hash, key)
            if owner != key and (first := self.store.get(owner)) is not None:
                return self._duplicate(first, 1.0, facts, key, signature, url_keys, now)
            self.store.save(Record(key, facts.url, facts.outlet, facts.content_hash,
                                   self.signer.to_bytes(signature), 1, facts.updated_at, None, now, now),
                            url_keys, band_keys)
            return Decision(NEW, key)

    def _duplicate(self, first: Record, similarity: float, facts: ArticleFacts, key: str, signature,
                   url_keys: list[str], now: float) -> Decision:
        # The copy's URL is remembered too, so the next run does not download it again.
        self.store.save(Record(key, facts.url, facts.outlet, facts.content_hash, self.signer.to_bytes(signature),
                               1, facts.updated_at, first.key, now, now), url_keys, ())
        return Decision(DUPLICATE, key, 1, first.key, similarity)

    def _revisit(self, previous: Record, facts: ArticleFacts, signature, url_keys: list[str], now: float) -> Decision:
        if previous.content_hash == facts.content_hash:
            self.store.touch(previous.key, now)
            return Decision(UNCHANGED, previous.key, previous.version, previous.duplicate_of)
        similarity = self.signer.similarity(signature, self.signer.from_bytes(previous.signature))
        newer = bool(facts.updated_at and (not previous.updated_at or facts.updated_at > previous.updated_at))
        if not newer and similarity >= self.signer.threshold:
            # Small edits without a newer updated_at (a fixed typo, a rotated related-links box).
            self.store.touch(previous.key, now)
            return Decision(UNCHANGED, previous.key, previous.version, previous.duplicate_of, similarity)
        version = previous.version + 1
        band_keys = () if previous.duplicate_of else self.signer.band_keys(signature)
        if previous.duplicate_of is None:
            self.store.claim_hash(facts.content_hash, previous.key)
        self.store.save(Record(previous.key, facts.url, facts.outlet, facts.content_hash,
                               self.signer.to_bytes(signature), version, facts.updated_at or previous.updated_at,
                               previous.duplicate_of, previous.first_seen, now), url_keys, band_keys)
        return Decision(UPDATE, previous.key, version, None, similarity)
