"""SQLite state store (the default): one file, WAL journal, one write transaction per decision."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import Iterator

from .store import Record, StateStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY, url TEXT NOT NULL, outlet TEXT NOT NULL, content_hash TEXT NOT NULL,
    signature BLOB NOT NULL, version INTEGER NOT NULL, updated_at TEXT, duplicate_of TEXT,
    first_seen REAL NOT NULL, last_seen REAL NOT NULL);
CREATE INDEX IF NOT EXISTS articles_outlet ON articles(outlet);
CREATE INDEX IF NOT EXISTS articles_last_seen ON articles(last_seen);
CREATE TABLE IF NOT EXISTS urls (url_key TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS urls_key ON urls(key);
CREATE TABLE IF NOT EXISTS hashes (content_hash TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hashes_key ON hashes(key);
CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (band, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bands_key ON bands(key);
"""
_COLUMNS = "key, url, outlet, content_hash, signature, version, updated_at, duplicate_of, first_seen, last_seen"


class SQLiteStore(StateStore):
    def __init__(self, url: str, commit_every: int = 1, commit_seconds: float | None = None):
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url[len("sqlite://"):]
        # commit_every > 1 groups up to that many decisions per transaction, for at most
        # commit_seconds: a commit writes every dirty page to the WAL (about 1 ms), grouping makes
        # that cost vanish per article. A killed process loses at most the open group's decisions
        # (those articles are new again on the next run), never half of one; crawls flush before
        # each feed batch is committed (newsbot.signals.batch_committing).
        self.commit_every, self._pending = max(1, commit_every), 0
        self.commit_seconds = commit_seconds
        self._opened_at = 0.0
        self._closed = False
        if not path:
            raise ValueError("NEWSBOT_STATE sqlite:/// needs a file path")
        self.path = Path(path)  # sqlite:///relative/file, sqlite:////absolute/file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.location = f"sqlite:///{self.path}"
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a decision's reads and
        # writes happen under one write lock and a killed process leaves no half record.
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=60000")
        # Band lookups and inserts land on random pages: keep the hot part of the index in memory.
        self.db.execute("PRAGMA cache_size=-32768")
        with self.transaction():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
        self.flush()  # the schema is committed at once, whatever the grouping

    @contextlib.contextmanager
    def _decision(self) -> Iterator[None]:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self._opened_at = time.monotonic()
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            self._pending = 0
            raise
        self._pending += 1
        if self._pending >= self.commit_every or (
                self.commit_seconds is not None and time.monotonic() - self._opened_at >= self.commit_seconds):
            self.flush()

    def flush(self) -> None:
        if self._closed:
            return  # a late batch_committing after the crawl closed the store: already flushed
        if self.db.in_transaction:
            self.db.execute("COMMIT")
        self._pending = 0

    def article_for_url(self, url_key: str) -> str | None:
        row = self.db.execute("SELECT key FROM urls WHERE url_key = ?", (url_key,)).fetchone()
        return row[0] if row else None

    def get(self, key: str) -> Record | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM articles WHERE key = ?", (key,)).fetchone()
        return Record(*row) if row else None

    def article_for_hash(self, content_hash: str) -> str | None:
        row = self.db.execute("SELECT key FROM hashes WHERE content_hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def claim_hash(self, content_hash: str, key: str) -> str:
        self.db.execute("INSERT OR IGNORE INTO hashes VALUES (?, ?)", (content_hash, key))
        return self.article_for_hash(content_hash) or key

    def band_candidates(self, band_keys: list[int]) -> set[str]:
        marks = ",".join("?" * len(band_keys))
        return {row[0] for row in self.db.execute(f"SELECT key FROM bands WHERE band IN ({marks})", band_keys)}

    def save(self, record: Record, url_keys: list[str], band_keys: list[int]) -> None:
        with self.transaction():
            self.db.execute(f"INSERT OR REPLACE INTO articles ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (record.key, record.url, record.outlet, record.content_hash, record.signature,
                             record.version, record.updated_at, record.duplicate_of, record.first_seen,
                             record.last_seen))
            self.db.executemany("INSERT OR REPLACE INTO urls VALUES (?, ?)", [(u, record.key) for u in url_keys])
            self.db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", [(b, record.key) for b in band_keys])

    def touch(self, key: str, when: float) -> None:
        self.db.execute("UPDATE articles SET last_seen = ? WHERE key = ?", (when, key))

    def forget(self, key: str) -> bool:
        with self.transaction():
            gone = self.db.execute("DELETE FROM articles WHERE key = ?", (key,)).rowcount
            for table in ("urls", "hashes", "bands"):
                self.db.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
        return bool(gone)

    def keys_for_outlet(self, outlet: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT key FROM articles WHERE outlet = ?", (outlet,))]

    def keys_seen_before(self, when: float) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT key FROM articles WHERE last_seen < ?", (when,))]

    def stats(self) -> dict:
        per_outlet = dict(self.db.execute("SELECT outlet, COUNT(*) FROM articles GROUP BY outlet ORDER BY outlet"))
        duplicates = self.db.execute("SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0]
        size = sum(os.path.getsize(p) for p in (self.path, Path(f"{self.path}-wal")) if os.path.exists(p))
        return {"backend": "sqlite", "location": self.location, "articles": sum(per_outlet.values()),
                "duplicates": duplicates, "urls": self.db.execute("SELECT COUNT(*) FROM urls").fetchone()[0],
                "per_outlet": per_outlet, "size_bytes": size}

    def close(self) -> None:
        if not self._closed:
            self.flush()
            self.db.close()
            self._closed = True
