"""Deduplication across runs and outlets: a state store (SQLite or Redis), MinHash signatures,
and the index that decides whether an article is new, unchanged, updated or a duplicate."""

from .index import Decision, DedupIndex, ArticleFacts
from .store import Record, StateStore, open_store, state_url

__all__ = ["ArticleFacts", "Decision", "DedupIndex", "Record", "StateStore", "open_store", "state_url"]
