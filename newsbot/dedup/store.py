"""The state store interface and how NEWSBOT_STATE picks a backend."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from scrapy.settings import BaseSettings

from ..paths import newsbot_home, setting_or_env


@dataclass
class Record:
    """What newsbot remembers about one article URL (or one duplicate it dropped or linked)."""

    key: str                 # canonical URL of the article
    url: str                 # URL as fetched
    outlet: str
    content_hash: str
    signature: bytes = b""
    version: int = 1
    updated_at: str | None = None
    duplicate_of: str | None = None
    first_seen: float = 0.0
    last_seen: float = 0.0


class StateStore:
    """Backends keep records, URL aliases, content hashes and LSH bands; the same methods on each.

    `transaction()` wraps one decision: on SQLite it is a savepoint inside a write transaction
    (BEGIN IMMEDIATE, grouped: see SQLiteStore), so concurrent runs serialise and a failed decision
    is undone alone; on Redis every write is a MULTI/EXEC and content hashes are claimed with
    SET NX, so two runs never both keep the same story.
    """

    location: str
    _depth = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One decision; a transaction opened inside another joins it."""
        if self._depth:
            yield
            return
        self._depth = 1
        try:
            with self._decision():
                yield
        finally:
            self._depth = 0

    @contextlib.contextmanager
    def _decision(self) -> Iterator[None]:
        """The backend's own unit of work around one (outermost) decision."""
        yield

    def article_for_url(self, url_key: str) -> str | None: raise NotImplementedError
    def get(self, key: str) -> Record | None: raise NotImplementedError
    def article_for_hash(self, content_hash: str) -> str | None: raise NotImplementedError
    def claim_hash(self, content_hash: str, key: str) -> str: raise NotImplementedError
    def near_candidates(self, band_keys: np.ndarray) -> list[Record]: raise NotImplementedError
    def save(self, record: Record, url_keys: list[str], band_keys: np.ndarray) -> None: raise NotImplementedError
    def touch(self, key: str, when: float) -> None: raise NotImplementedError
    def forget(self, key: str) -> bool: raise NotImplementedError
    def keys_for_outlet(self, outlet: str) -> list[str]: raise NotImplementedError
    def keys_seen_before(self, when: float) -> list[str]: raise NotImplementedError
    def stats(self) -> dict: raise NotImplementedError
    def flush(self) -> None: pass
    def close(self) -> None: pass

    def use_signer(self, signer) -> None:
        """The signer whose band layout near_candidates() receives (a store may index bands itself)."""

    def find_by_urls(self, url_keys: list[str]) -> Record | None:
        """The article any of these URL keys leads to, first key first."""
        key = next((k for k in map(self.article_for_url, url_keys) if k), None)
        return self.get(key) if key else None

    def find_by_hash(self, content_hash: str) -> Record | None:
        key = self.article_for_hash(content_hash)
        return self.get(key) if key else None

    def last_seen_for_url(self, url_key: str) -> float | None:
        record = self.find_by_urls([url_key])
        return record.last_seen if record else None

    def reset_outlet(self, outlet: str) -> int:
        return sum(self.forget(key) for key in self.keys_for_outlet(outlet))

    def prune(self, before: float) -> int:
        return sum(self.forget(key) for key in self.keys_seen_before(before))


def state_url(settings: BaseSettings | None = None) -> str:
    """NEWSBOT_STATE (setting, then environment), else SQLite under NEWSBOT_HOME."""
    default = f"sqlite:///{(newsbot_home(settings) / 'state.sqlite').resolve()}"
    return setting_or_env(settings, "NEWSBOT_STATE", default) or default


def open_store(url: str, commit_every: int = 1, commit_seconds: float | None = None) -> StateStore:
    if url.startswith("sqlite://"):
        from .sqlite import SQLiteStore
        return SQLiteStore(url, commit_every=commit_every, commit_seconds=commit_seconds)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisStore
        return RedisStore(url)
    raise ValueError(f"NEWSBOT_STATE must be sqlite:///path or redis://host:port/db, got {url.split('://')[0]}://...")
