"""The state store interface and how NEWSBOT_STATE picks a backend."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import numpy as np

from scrapy.settings import BaseSettings

from ..paths import newsbot_home, setting_or_env
from ..urls import masked_url


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
    id: int | None = field(default=None, compare=False)   # the backend's row id (SQLite), if stored


@dataclass
class Write:
    """One record a batch of decisions writes, with the URL keys that lead to it."""

    record: Record
    url_keys: list[str]
    band_keys: np.ndarray | tuple = ()   # LSH band keys, for articles near copies are looked up against
    claims_hash: bool = False            # its content hash had no owner: this article becomes it


class StateStore:
    """Backends keep records, URL aliases, content hashes and LSH bands; the same methods on each.

    `transaction()` wraps one batch of decisions: on SQLite it is a savepoint inside a write
    transaction (BEGIN IMMEDIATE, grouped: see SQLiteStore), so concurrent runs serialise and a
    failed batch is undone alone; on Redis it holds a lock shared by every machine, every write is
    one Lua script and content hashes are claimed with SET NX, so two runs never both keep the
    same story.

    A batch reads everything it needs first (`find_by_url_keys`, `find_by_hashes`,
    `near_candidates_rows`) and writes at its end (`save_many`, `touch_many`): backends answer
    each in a few statements for the whole batch.
    """

    location: str
    _depth = 0

    @contextlib.contextmanager
    def transaction(self, decisions: int = 1) -> Iterator[None]:
        """One batch of `decisions`; a transaction opened inside another joins it."""
        if self._depth:
            yield
            return
        self._depth = 1
        try:
            with self._decision(decisions):
                yield
        finally:
            self._depth = 0

    @contextlib.contextmanager
    def _decision(self, decisions: int) -> Iterator[None]:
        """The backend's own unit of work around one (outermost) batch of decisions."""
        yield

    def article_for_url(self, url_key: str) -> str | None: raise NotImplementedError
    def get(self, key: str) -> Record | None: raise NotImplementedError
    def article_for_hash(self, content_hash: str) -> str | None: raise NotImplementedError

    def find_by_url_keys(self, url_keys: Iterable[str]) -> dict[str, Record]:
        """The article each known URL key leads to (unknown keys are left out)."""
        raise NotImplementedError

    def find_by_hashes(self, content_hashes: Iterable[str]) -> dict[str, Record]:
        """The article owning each known content hash."""
        raise NotImplementedError

    def near_candidates_rows(self, band_keys: np.ndarray) -> list[list[Record]]:
        """near_candidates() of each row of an (n, bands) array of band keys."""
        raise NotImplementedError

    def save_many(self, writes: list[Write]) -> None: raise NotImplementedError
    def touch_many(self, records: list[Record], when: float) -> None: raise NotImplementedError
    def forget(self, key: str) -> bool: raise NotImplementedError
    def keys_for_outlet(self, outlet: str) -> list[str]: raise NotImplementedError
    def keys_seen_before(self, when: float) -> list[str]: raise NotImplementedError
    def stats(self) -> dict: raise NotImplementedError
    def flush(self) -> None: pass
    def close(self) -> None: pass

    # Commits that succeeded: a store whose writes are durable when made (Redis) never counts.
    commits = 0

    def durable(self, decision) -> bool:
        """Whether `decision`'s write survives this process (a commit succeeded after it)."""
        return True

    def verify(self, full: bool = False) -> None:
        """Raise when the store is damaged or cannot be written (checked once, when a crawl starts;
        `full`: however long it takes, for `scrapy dedup check`)."""

    def use_signer(self, signer) -> None:
        """The signer whose band layout near_candidates() receives (a store may index bands itself)."""

    def find_by_urls(self, url_keys: list[str]) -> Record | None:
        """The article any of these URL keys leads to, first key first."""
        found = self.find_by_url_keys(url_keys)
        return next((found[url_key] for url_key in url_keys if url_key in found), None)

    def near_candidates(self, band_keys: np.ndarray) -> list[Record]:
        """Articles (not themselves duplicates) sharing an LSH band with these band keys."""
        return self.near_candidates_rows(np.asarray(band_keys).reshape(1, -1))[0]

    def last_seen_for_url(self, url_key: str) -> float | None:
        record = self.find_by_urls([url_key])
        return record.last_seen if record else None

    def reset_outlet(self, outlet: str) -> int:
        return sum(self.forget(key) for key in self.keys_for_outlet(outlet))

    def prune(self, before: float) -> int:
        return sum(self.forget(key) for key in self.keys_seen_before(before))


def what_to_do(url: str, exc: BaseException) -> str:
    """One line: which store, what is wrong with it, what the operator does next."""
    where = masked_url(url)    # never a Redis password in a log line
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, (PermissionError, sqlite3.OperationalError)) and (
            isinstance(exc, PermissionError) or "readonly" in str(exc) or "unable to open" in str(exc)):
        return f"state {where} cannot be written ({detail}): make its folder and file writable, or set " \
               f"NEWSBOT_STATE to a writable place"
    if isinstance(exc, sqlite3.DatabaseError):
        return f"state {where} is damaged ({detail}): move it aside and run again to start a new state " \
               f"(every article is then new once), or restore a backup; `scrapy dedup check` " \
               f"checks a state file"
    if type(exc).__module__.startswith("redis"):
        return f"state {where} is unreachable ({detail}): start Redis or fix NEWSBOT_STATE"
    return f"state {where} cannot be opened ({detail})"


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
