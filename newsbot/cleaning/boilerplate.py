"""Site-learned boilerplate: a paragraph that recurs across many articles of one outlet is template.

Each article is counted once per paragraph fingerprint (case, spacing and digits folded, so
"3 free articles left" and "2 free articles left" are one line), and once per article key (its
canonical URL), so re-crawling the same article run after run never makes its own sentences look
like template. Counts persist in the NEWSBOT_STATE store:

- ``sqlite:///path`` (default ``sqlite:///<NEWSBOT_HOME>/state.sqlite``): tables
  ``boilerplate_paragraphs`` and ``boilerplate_articles`` (this module's own; other state in the same
  file is not touched).
- ``redis://...``: keys ``newsbot:boilerplate:<outlet>:paragraphs`` (hash fingerprint -> articles)
  and ``newsbot:boilerplate:<outlet>:articles`` (set of article keys).

Sightings older than the window (NEWSBOT_BOILERPLATE_WINDOW_DAYS) that never reached the threshold
are forgotten, so the store stays small over years of runs.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from ..dedup.store import state_url

if TYPE_CHECKING:
    from ..dedup.sqlite import SQLiteStore

# Longer paragraphs are not looked at: templates are lines and blurbs, not essays.
MAX_TEMPLATE_CHARS = 600
REDIS_PREFIX = "newsbot:boilerplate:"
_DIGITS = re.compile(r"\d+")


def fingerprint(paragraph: str) -> str:
    folded = unicodedata.normalize("NFKC", paragraph).casefold()
    # Most lines have no digit: in ASCII text (where \d is [0-9]) ten single-character
    # substring tests say so faster than re's scan for a run of digits.
    if not folded.isascii() or any(digit in folded for digit in "0123456789"):
        folded = _DIGITS.sub("0", folded)
    # " ".join(split()) is what re.sub(r"\s+", " ").strip() makes (both go by str.isspace), in C.
    folded = " ".join(folded.split())
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=12).hexdigest()


def article_key(url: str) -> str:
    return hashlib.blake2b(url.strip().encode("utf-8"), digest_size=12).hexdigest()


class BoilerplateStore(Protocol):
    def record(self, outlet: str, article: str, fingerprints: Sequence[str], now: float) -> dict[str, int] | None:
        """Count `article` once for each fingerprint; the new counts, or None if already counted."""

    def counts(self, outlet: str, fingerprints: Sequence[str]) -> dict[str, int]: ...

    def prune(self, before: float, below: int) -> None: ...

    def close(self) -> None: ...


class SQLiteBoilerplateStore:
    """Counts in the state file. Given a path it opens its own connection (one transaction per
    article); given the crawl's open SQLiteStore it shares that connection and its grouped
    transactions, so the two never wait on each other's write lock."""

    def __init__(self, path_or_state: str | Path | SQLiteStore, owned: bool = False):
        from ..dedup.sqlite import SQLiteStore
        self.owned = owned or not isinstance(path_or_state, SQLiteStore)
        self.state = (path_or_state if isinstance(path_or_state, SQLiteStore)
                      else SQLiteStore(f"sqlite:///{path_or_state}"))
        self.db = self.state.db
        with self.state.transaction():
            self.db.execute("""CREATE TABLE IF NOT EXISTS boilerplate_paragraphs (
                outlet TEXT NOT NULL, fingerprint TEXT NOT NULL, articles INTEGER NOT NULL,
                last_seen REAL NOT NULL, PRIMARY KEY (outlet, fingerprint))""")
            self.db.execute("""CREATE TABLE IF NOT EXISTS boilerplate_articles (
                outlet TEXT NOT NULL, article TEXT NOT NULL, seen REAL NOT NULL,
                PRIMARY KEY (outlet, article))""")
        self.state.flush()

    def counts(self, outlet: str, fingerprints: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        unique = list(dict.fromkeys(fingerprints))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            rows = self.db.execute(
                f"SELECT fingerprint, articles FROM boilerplate_paragraphs WHERE outlet = ? AND fingerprint IN "
                f"({','.join('?' * len(chunk))})", (outlet, *chunk))
            found.update(rows.fetchall())
        return found

    def record(self, outlet: str, article: str, fingerprints: Sequence[str], now: float) -> dict[str, int] | None:
        with self.state.transaction():  # the article and its paragraphs are counted together or not at all
            new = self.db.execute("INSERT OR IGNORE INTO boilerplate_articles VALUES (?, ?, ?)",
                                  (outlet, article, now)).rowcount
            if not new:
                return None
            self.db.executemany(
                "INSERT INTO boilerplate_paragraphs VALUES (?, ?, 1, ?) ON CONFLICT (outlet, fingerprint) "
                "DO UPDATE SET articles = articles + 1, last_seen = excluded.last_seen",
                [(outlet, fp, now) for fp in dict.fromkeys(fingerprints)])
        return self.counts(outlet, fingerprints)

    def prune(self, before: float, below: int) -> None:
        with self.state.transaction():
            self.db.execute("DELETE FROM boilerplate_paragraphs WHERE last_seen < ? AND articles < ?", (before, below))
            self.db.execute("DELETE FROM boilerplate_articles WHERE seen < ?", (before,))

    def close(self) -> None:
        if self.owned:
            self.state.close()
        else:
            try:
                self.state.flush()  # the crawl closes the shared store itself
            except sqlite3.Error:
                # A state that refuses commits: the crawl's own close of the shared store says so,
                # once (exit 4, newsbot.dedup.crawler); a second report here would be a traceback.
                pass


class RedisBoilerplateStore:
    def __init__(self, url: str, window_days: int = 30):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.ttl = max(1, window_days) * 86400

    def _keys(self, outlet: str) -> tuple[str, str]:
        return f"{REDIS_PREFIX}{outlet}:paragraphs", f"{REDIS_PREFIX}{outlet}:articles"

    def counts(self, outlet: str, fingerprints: Sequence[str]) -> dict[str, int]:
        unique = list(dict.fromkeys(fingerprints))
        if not unique:
            return {}
        values = self.redis.hmget(self._keys(outlet)[0], unique)
        return {fp: int(v) for fp, v in zip(unique, values) if v is not None}

    def record(self, outlet: str, article: str, fingerprints: Sequence[str], now: float) -> dict[str, int] | None:
        paragraphs_key, articles_key = self._keys(outlet)
        if not self.redis.sadd(articles_key, article):
            return None
        pipe = self.redis.pipeline(transaction=True)
        unique = list(dict.fromkeys(fingerprints))
        for fp in unique:
            pipe.hincrby(paragraphs_key, fp, 1)
        # Both keys live as long as the outlet keeps being crawled within the window.
        pipe.expire(articles_key, self.ttl)
        pipe.expire(paragraphs_key, self.ttl * 12)
        results = pipe.execute()
        return {fp: int(n) for fp, n in zip(unique, results)}

    def prune(self, before: float, below: int) -> None:
        """Redis forgets by key expiry (see record)."""

    def close(self) -> None:
        self.redis.close()


def open_boilerplate_store(settings=None, state: object | None = None) -> BoilerplateStore:
    """The store NEWSBOT_STATE names (sqlite:///path or redis://host:port/db); on SQLite it shares
    `state`, the crawl's open state store, when given one."""
    from ..dedup.sqlite import SQLiteStore
    if isinstance(state, SQLiteStore):
        return SQLiteBoilerplateStore(state)
    url = state_url(settings)
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        window = settings.getint("NEWSBOT_BOILERPLATE_WINDOW_DAYS", 30) if settings is not None else 30
        return RedisBoilerplateStore(url, window)
    if scheme == "sqlite":
        return SQLiteBoilerplateStore(SQLiteStore(url), owned=True)
    raise ValueError(f"NEWSBOT_STATE must be a sqlite:/// or redis:// URL, not {scheme or url!r}")


class BoilerplateLearner:
    """Decides, per article, which paragraphs the outlet's other articles have shown to be template."""

    def __init__(self, store: BoilerplateStore, min_articles: int = 4, window_days: int = 30):
        self.store = store
        self.min_articles = max(2, min_articles)
        self.window = max(1, window_days) * 86400
        self._pruned = False

    def observe(self, outlet: str, article: str, paragraphs: Sequence[str], now: float | None = None) -> set[int]:
        """Count this article's paragraphs and return the indexes of those that are template."""
        now = time.time() if now is None else now
        if not self._pruned:
            self.store.prune(now - self.window, self.min_articles)
            self._pruned = True
        candidates = {i: fingerprint(p) for i, p in enumerate(paragraphs) if len(p) <= MAX_TEMPLATE_CHARS}
        if not candidates:
            return set()
        counts = self.store.record(outlet, article_key(article) if article else "", list(candidates.values()), now) \
            if article else None
        if counts is None:  # an article already counted: only read what is known
            counts = self.store.counts(outlet, list(candidates.values()))
        return {i for i, fp in candidates.items() if counts.get(fp, 0) >= self.min_articles}

    def close(self) -> None:
        self.store.close()
