"""The dedup decision for one article: new, unchanged, update, or duplicate of an earlier one."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..urls import canonical_url, preferred_url
from .signature import Signer
from .store import Record, StateStore, Write

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
    # What `DedupIndex.undo` puts back: the record this decision replaced (an update), None when
    # it created one (new, duplicate). Not set for unchanged, which records nothing.
    prior: Record | None = field(default=None, compare=False, repr=False)
    # The store's commit count when the decision was made: durable once a later commit succeeded.
    generation: int = field(default=0, compare=False, repr=False)

    @property
    def recorded(self) -> bool:
        """Whether this decision wrote a record (that `undo` would take back)."""
        return self.kind != UNCHANGED


class _Batch:
    """What a batch of decisions knows: the store's answers read at its start, overlaid with the
    batch's own writes, so each decision sees every earlier one as if they had been stored."""

    def __init__(self, urls: dict[str, Record], hashes: dict[str, Record], band_keys: np.ndarray):
        self.urls, self.hashes = urls, hashes      # URL key / content hash -> record
        self.records: dict[str, Record] = {}       # key -> latest record written by this batch
        self.shared = _earlier_rows_sharing_a_band(band_keys)
        self.indexed: dict[int, str] = {}          # row -> key of the article it indexed by its band keys
        self.writes: list[Write] = []
        self.touched: list[Record] = []

    def latest(self, record: Record | None) -> Record | None:
        return record if record is None else self.records.get(record.key, record)

    def by_urls(self, url_keys: list[str]) -> Record | None:
        return next((self.latest(self.urls[url_key]) for url_key in url_keys if url_key in self.urls), None)

    def near(self, row: int) -> list[Record]:
        """This batch's articles indexed by earlier rows that share a band key with this row."""
        return [self.records[self.indexed[earlier]] for earlier in self.shared.get(row, ())
                if earlier in self.indexed]

    def write(self, row: int, record: Record, url_keys: list[str], band_keys=(), claims_hash: bool = False) -> None:
        self.writes.append(Write(record, url_keys, band_keys, claims_hash))
        self.records[record.key] = record
        self.urls.update(dict.fromkeys(url_keys, record))
        if claims_hash:
            self.hashes[record.content_hash] = record
        if len(band_keys):
            self.indexed[row] = record.key


def _earlier_rows_sharing_a_band(band_keys: np.ndarray) -> dict[int, list[int]]:
    """For each row of an (n, bands) array, the earlier rows with an equal key in some band: one
    sort of the whole batch (rows sharing a band are rare: near copies inside one batch)."""
    if len(band_keys) < 2:
        return {}
    flat = band_keys.ravel()
    order = np.argsort(flat, kind="stable")
    equal = flat[order[1:]] == flat[order[:-1]]
    shared: dict[int, set[int]] = {}
    if equal.any():
        starts = np.flatnonzero(np.concatenate([[True], ~equal]))
        ends = np.append(starts[1:], len(flat))
        for start, end in zip(starts.tolist(), ends.tolist()):
            if end - start > 1:
                rows = sorted(set((order[start:end] // band_keys.shape[1]).tolist()))
                for position, row in enumerate(rows[1:], start=1):
                    shared.setdefault(row, set()).update(rows[:position])
    return {row: sorted(earlier) for row, earlier in shared.items()}


class DedupIndex:
    """Checks articles against the store and records them, a batch per store transaction."""

    def __init__(self, store: StateStore, signer: Signer, clock=time.time):
        self.store, self.signer, self.clock = store, signer, clock
        store.use_signer(signer)

    @staticmethod
    def url_keys(facts: ArticleFacts) -> list[str]:
        """The URL keys an article is recorded under; the last is its record's key."""
        return list(dict.fromkeys([canonical_url(facts.url), preferred_url(facts.url, facts.canonical_url)]))

    def check(self, facts: ArticleFacts) -> Decision:
        return self.check_many([facts])[0]

    def check_many(self, batch: Sequence[ArticleFacts]) -> list[Decision]:
        """The decisions for a batch of articles, the same as checking them one after another in
        this order, in one store transaction: signatures and band keys for the whole batch in a
        few array operations, the store read once for all URLs, hashes and near candidates and
        written once at the end."""
        if not batch:
            return []
        url_keys = [self.url_keys(facts) for facts in batch]
        signatures = self.signer.sign_many([facts.body for facts in batch])
        band_keys = self.signer.band_key_matrix(signatures)
        now = self.clock()
        generation = self.store.commits   # before: a commit inside this transaction counts as later
        with self.store.transaction(decisions=len(batch)):
            state = _Batch(self.store.find_by_url_keys(itertools.chain.from_iterable(url_keys)),
                           self.store.find_by_hashes(facts.content_hash for facts in batch), band_keys)
            # Near candidates only for articles neither their URL nor their text already places.
            unplaced = [i for i, facts in enumerate(batch)
                        if state.by_urls(url_keys[i]) is None and facts.content_hash not in state.hashes]
            candidates = dict(zip(unplaced, self.store.near_candidates_rows(band_keys[unplaced]) if unplaced else ()))
            decisions = [self._decide(state, i, facts, url_keys[i], signatures[i], band_keys[i], candidates.get(i),
                                      now) for i, facts in enumerate(batch)]
            self.store.save_many(state.writes)
            self.store.touch_many(state.touched, now)
        for decision in decisions:
            decision.generation = generation
        return decisions

    def _decide(self, state: _Batch, row: int, facts: ArticleFacts, url_keys: list[str], signature, band_keys,
                stored_candidates: list[Record] | None, now: float) -> Decision:
        key = url_keys[-1]
        previous = state.by_urls(url_keys)
        if previous is not None:
            return self._revisit(state, row, previous, facts, signature, band_keys, url_keys, now)
        first = state.latest(state.hashes.get(facts.content_hash))
        if first is not None and first.key != key:
            return self._duplicate(state, row, first, 1.0, facts, key, signature, url_keys, now)
        if stored_candidates is None:   # its text is owned by its own key, yet no URL leads there
            stored_candidates = self.store.near_candidates(band_keys)
        candidates = {record.key: record for record in map(state.latest, stored_candidates)}
        candidates.update((record.key, record) for record in state.near(row))
        best, best_similarity = None, 0.0
        for candidate_key in sorted(candidates):
            candidate = candidates[candidate_key]
            if candidate_key == key or candidate.duplicate_of is not None:
                continue
            similarity = self.signer.similarity(signature, self.signer.from_bytes(candidate.signature))
            if similarity > best_similarity:
                best, best_similarity = candidate, similarity
        if best is not None and best_similarity >= self.signer.threshold:
            return self._duplicate(state, row, best, best_similarity, facts, key, signature, url_keys, now)
        state.write(row, Record(key, facts.url, facts.outlet, facts.content_hash, self.signer.to_bytes(signature), 1,
                                facts.updated_at, None, now, now),
                    url_keys, band_keys, claims_hash=first is None)
        return Decision(NEW, key)

    def _duplicate(self, state: _Batch, row: int, first: Record, similarity: float, facts: ArticleFacts, key: str,
                   signature, url_keys: list[str], now: float) -> Decision:
        # The copy's URL is remembered too, so the next run does not download it again.
        state.write(row, Record(key, facts.url, facts.outlet, facts.content_hash, self.signer.to_bytes(signature),
                                1, facts.updated_at, first.key, now, now), url_keys)
        return Decision(DUPLICATE, key, 1, first.key, similarity)

    def _revisit(self, state: _Batch, row: int, previous: Record, facts: ArticleFacts, signature, band_keys,
                 url_keys: list[str], now: float) -> Decision:
        if previous.content_hash == facts.content_hash:
            state.touched.append(previous)
            return Decision(UNCHANGED, previous.key, previous.version, previous.duplicate_of)
        similarity = self.signer.similarity(signature, self.signer.from_bytes(previous.signature))
        newer = bool(facts.updated_at and (not previous.updated_at or facts.updated_at > previous.updated_at))
        if not newer and similarity >= self.signer.threshold:
            # Small edits without a newer updated_at (a fixed typo, a rotated related-links box).
            state.touched.append(previous)
            return Decision(UNCHANGED, previous.key, previous.version, previous.duplicate_of, similarity)
        version = previous.version + 1
        indexed = previous.duplicate_of is None
        state.write(row, Record(previous.key, facts.url, facts.outlet, facts.content_hash,
                                self.signer.to_bytes(signature), version, facts.updated_at or previous.updated_at,
                                previous.duplicate_of, previous.first_seen, now, id=previous.id),
                    url_keys, band_keys if indexed else (),
                    claims_hash=indexed and facts.content_hash not in state.hashes)
        return Decision(UPDATE, previous.key, version, None, similarity, prior=previous)

    def undo(self, decisions: Sequence[Decision]) -> None:
        """Take back what these decisions recorded, latest first, in one store transaction: a new
        article or duplicate is forgotten, an update gets its previous record back. For items whose
        spool batch could not be written (newsbot.dedup.pending): the next run sees them as
        before this run and crawls them again."""
        decisions = [decision for decision in decisions if decision.recorded]
        if not decisions:
            return
        with self.store.transaction(decisions=len(decisions)):
            for decision in reversed(decisions):
                prior = decision.prior
                self.store.forget(decision.key)
                if prior is not None:
                    indexed = prior.duplicate_of is None
                    band_keys = self.signer.band_keys(self.signer.from_bytes(prior.signature)) \
                        if indexed and prior.signature else ()
                    url_keys = list(dict.fromkeys([canonical_url(prior.url), prior.key]))
                    self.store.save_many([Write(prior, url_keys, band_keys, claims_hash=indexed)])
