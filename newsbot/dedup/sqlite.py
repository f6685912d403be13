"""SQLite state store (the default): one file, WAL journal, decisions in grouped write transactions."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from .bands import BandIndex
from .signature import DTYPE, Signer
from .store import Record, StateStore, Write

logger = logging.getLogger(__name__)

# Version 2: articles get an integer id that the URL, hash and band-log rows point to (a TEXT
# URL per row and a reverse index each was twice the pages), and LSH bands are no longer stored:
# 32 random B-tree inserts per article was the cost of a decision (see bands.py). band_log lists
# which articles got a new signature, in order: how a process's in-memory band index catches up
# with what other processes wrote (AUTOINCREMENT: a number is never used twice).
# Version 3: no unique index on articles.key. An article's key is always one of its URL keys, so
# the urls table finds it; the index was one more random B-tree write per article.
SCHEMA_VERSION = 3
_ARTICLES = """
CREATE TABLE IF NOT EXISTS {name} (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, url TEXT NOT NULL, outlet TEXT NOT NULL,
    content_hash TEXT NOT NULL, signature BLOB NOT NULL, version INTEGER NOT NULL, updated_at TEXT,
    duplicate_of TEXT, first_seen REAL NOT NULL, last_seen REAL NOT NULL)"""
SCHEMA = _ARTICLES.format(name="articles") + """;
CREATE INDEX IF NOT EXISTS articles_outlet ON articles(outlet);
CREATE INDEX IF NOT EXISTS articles_last_seen ON articles(last_seen);
CREATE TABLE IF NOT EXISTS urls (url_key TEXT PRIMARY KEY, article INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS urls_article ON urls(article);
CREATE TABLE IF NOT EXISTS hashes (content_hash TEXT PRIMARY KEY, article INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hashes_article ON hashes(article);
CREATE TABLE IF NOT EXISTS band_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, article INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS band_log_article ON band_log(article);
"""
# Version 1 (no user_version): articles keyed by URL text; urls, hashes and bands rows by URL text.
MIGRATE_FROM_1 = """
DROP INDEX IF EXISTS articles_outlet; DROP INDEX IF EXISTS articles_last_seen; DROP INDEX IF EXISTS urls_key;
DROP INDEX IF EXISTS hashes_key; DROP TABLE IF EXISTS bands;
ALTER TABLE articles RENAME TO articles_v1; ALTER TABLE urls RENAME TO urls_v1; ALTER TABLE hashes RENAME TO hashes_v1;
{schema};
INSERT INTO articles (key, url, outlet, content_hash, signature, version, updated_at, duplicate_of, first_seen,
                      last_seen)
    SELECT key, url, outlet, content_hash, signature, version, updated_at, duplicate_of, first_seen, last_seen
    FROM articles_v1 ORDER BY first_seen;
INSERT INTO urls SELECT u.url_key, a.id FROM urls_v1 u JOIN articles a ON a.key = u.key;
INSERT INTO hashes SELECT h.content_hash, a.id FROM hashes_v1 h JOIN articles a ON a.key = h.key;
DROP TABLE articles_v1; DROP TABLE urls_v1; DROP TABLE hashes_v1
"""
# Version 2: the same tables, with a unique index on articles.key (the table is rebuilt without it,
# ids kept).
MIGRATE_FROM_2 = _ARTICLES.format(name="articles_v3") + """;
INSERT INTO articles_v3 SELECT * FROM articles ORDER BY id;
DROP TABLE articles;
ALTER TABLE articles_v3 RENAME TO articles;
CREATE INDEX articles_outlet ON articles(outlet);
CREATE INDEX articles_last_seen ON articles(last_seen)
"""
_COLUMNS = "key, url, outlet, content_hash, signature, version, updated_at, duplicate_of, first_seen, last_seen"
_ARTICLE_COLUMNS = ", ".join(f"a.{c}" for c in _COLUMNS.split(", "))
# Ids are given, not generated: a batch's rows go in by executemany, and its URL, hash and band
# rows need the ids first (allocated under the write lock, see _allocate_id).
_UPSERT = (f"INSERT INTO articles (id, {_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")))
_LOAD_CHUNK = 50_000
QUICK_CHECK_MAX_BYTES = 1024 * 1024 * 1024
_IN_CHUNK = 500   # values per `IN (...)` (SQLite allows 32,766 parameters; smaller keeps plans cheap)


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
        self._next_id: int | None = None        # the next article id, once read under this write lock
        self._signer: Signer | None = None
        self._bands: BandIndex | None = None   # built on the first near-duplicate lookup
        self._band_seq = 0                      # last band_log entry the in-memory index has
        self._bands_current = False             # caught up since this transaction began
        self._unlogged: list[int] = []          # articles with new band keys, logged at commit
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
        # URL and hash lookups land on random pages: keep the hot part of those indexes in memory.
        self.db.execute("PRAGMA cache_size=-32768")
        # Each group dirties a few random index pages per article; checkpointing the WAL into the
        # file every 32,000 pages (128 MB) instead of 1,000 copies a page hit by many groups once
        # and syncs the file 32 times less often (SQL cost per article -25% at 400k articles).
        self.db.execute("PRAGMA wal_autocheckpoint=32000")
        with self.transaction():
            self._create_or_migrate()
        self.flush()  # the schema is committed at once, whatever the grouping

    def _create_or_migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{self.location} was written by a newer newsbot (state schema {version}); "
                               f"this one reads schema {SCHEMA_VERSION}")
        old = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles'").fetchone()
        if not old:
            script = SCHEMA
        elif version == 2:
            script = MIGRATE_FROM_2
        else:
            script = MIGRATE_FROM_1.format(schema=SCHEMA.strip().rstrip(";"))
        if old:
            logger.warning("state %s: migrating from schema %d to %d (articles, URLs and hashes kept)",
                           self.location, version or 1, SCHEMA_VERSION)
        # Ids must never come back, even those of forgotten articles: AUTOINCREMENT's counter
        # goes with a dropped table, so it is carried over.
        sequence = self._sequence() if version == 2 else 0
        for statement in script.split(";"):
            if statement.strip():
                self.db.execute(statement)
        if sequence:
            self.db.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'articles', 0 WHERE NOT EXISTS "
                            "(SELECT 1 FROM sqlite_sequence WHERE name = 'articles')")
            self.db.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'articles'", (sequence,))
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _sequence(self) -> int:
        """The highest article id ever given (AUTOINCREMENT's counter, or the largest id there is)."""
        return self.db.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'articles'), 0), "
            "COALESCE((SELECT MAX(id) FROM articles), 0))").fetchone()[0]

    @contextlib.contextmanager
    def _decision(self, decisions: int) -> Iterator[None]:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self._opened_at = time.monotonic()
            self._bands_current = False   # another process may have written since we last held the lock
            self._next_id = None
        # A savepoint per batch of decisions: a batch that fails is undone alone, not with the
        # group's earlier batches (whose items may already be on their way to the feed).
        self.db.execute("SAVEPOINT decision")
        unlogged = len(self._unlogged)
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO decision")
            self.db.execute("RELEASE decision")
            self._next_id = None
            del self._unlogged[unlogged:]
            # Band entries it added stay in memory: an id that no longer exists (or is reused)
            # is only ever a candidate, confirmed or dismissed by its stored signature.
            raise
        self.db.execute("RELEASE decision")
        self._pending += decisions
        if self._pending >= self.commit_every or (
                self.commit_seconds is not None and time.monotonic() - self._opened_at >= self.commit_seconds):
            self.flush()

    def flush(self) -> None:
        if self._closed:
            return  # a late batch_committing after the crawl closed the store: already flushed
        if self.db.in_transaction:
            if self._unlogged:
                # Only other processes read the band log, and only once this commits: one
                # statement per group, not one per article.
                self.db.executemany("INSERT INTO band_log (article) VALUES (?)", [(a,) for a in self._unlogged])
                self._unlogged.clear()
                if self._bands is not None:
                    self._band_seq = self.db.execute("SELECT MAX(seq) FROM band_log").fetchone()[0]
            self.db.execute("COMMIT")
            self.commits += 1
        self._pending = 0

    def durable(self, decision) -> bool:
        return self.commits > decision.generation

    def use_signer(self, signer: Signer) -> None:
        if self._signer is None or (self._signer.bands, self._signer.rows, self._signer.num_perm) != (
                signer.bands, signer.rows, signer.num_perm):
            self._bands = None
        self._signer = signer

    def article_for_url(self, url_key: str) -> str | None:
        row = self.db.execute("SELECT a.key FROM urls u JOIN articles a ON a.id = u.article WHERE u.url_key = ?",
                              (url_key,)).fetchone()
        return row[0] if row else None

    def find_by_url_keys(self, url_keys) -> dict[str, Record]:
        return self._records_by("SELECT u.url_key, {} FROM urls u JOIN articles a ON a.id = u.article "
                                "WHERE u.url_key IN ({})", list(dict.fromkeys(url_keys)))

    def get(self, key: str) -> Record | None:
        # An article's key is one of its URL keys (there is no index on articles.key).
        row = self.db.execute(f"SELECT {_ARTICLE_COLUMNS}, a.id FROM urls u JOIN articles a ON a.id = u.article "
                              "WHERE u.url_key = ? AND a.key = ?", (key, key)).fetchone()
        return Record(*row) if row else None

    def article_for_hash(self, content_hash: str) -> str | None:
        row = self.db.execute("SELECT a.key FROM hashes h JOIN articles a ON a.id = h.article "
                              "WHERE h.content_hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def find_by_hashes(self, content_hashes) -> dict[str, Record]:
        return self._records_by("SELECT h.content_hash, {} FROM hashes h JOIN articles a ON a.id = h.article "
                                "WHERE h.content_hash IN ({})", list(dict.fromkeys(content_hashes)))

    def _records_by(self, query: str, values: list) -> dict:
        """{value: record} for a query selecting (value, article columns) `IN` the values, chunked."""
        found = {}
        for start in range(0, len(values), _IN_CHUNK):
            chunk = values[start:start + _IN_CHUNK]
            for value, *row in self.db.execute(query.format(_ARTICLE_COLUMNS + ", a.id", ",".join("?" * len(chunk))),
                                               chunk):
                found[value] = Record(*row)
        return found

    def near_candidates_rows(self, band_keys: np.ndarray) -> list[list[Record]]:
        rows = self._band_index().lookup_rows(band_keys)
        by_id = {record.id: record for record in self._records_by(
            "SELECT a.id, {} FROM articles a WHERE a.id IN ({}) AND a.duplicate_of IS NULL",
            sorted(set().union(*rows))).values()}
        return [[by_id[article] for article in sorted(ids) if article in by_id] for ids in rows]

    def save_many(self, writes: list[Write]) -> None:
        """A batch's records in a few executemany statements; new articles get ids from _allocate_id."""
        if not writes:
            return
        with self.transaction(decisions=len(writes)):
            if self._bands is not None and any(len(write.band_keys) for write in writes):
                self._band_index()   # catch up with other processes first: the log is read in order
            ids: dict[str, int] = {}
            articles, urls, hashes, banded, bands = [], [], [], [], []
            for write in writes:
                record = write.record
                article = ids[record.key] = record.id or ids.get(record.key) or self._allocate_id()
                articles.append((article, record.key, record.url, record.outlet, record.content_hash,
                                 record.signature, record.version, record.updated_at, record.duplicate_of,
                                 record.first_seen, record.last_seen))
                urls.extend((url_key, article) for url_key in write.url_keys)
                if write.claims_hash:
                    hashes.append((record.content_hash, article))
                if len(write.band_keys):
                    banded.append(article)
                    bands.append(write.band_keys)
            self.db.executemany(_UPSERT, articles)
            self.db.executemany("INSERT OR REPLACE INTO urls VALUES (?, ?)", urls)
            if hashes:
                self.db.executemany("INSERT OR IGNORE INTO hashes VALUES (?, ?)", hashes)
            self._unlogged.extend(banded)
            if banded and self._bands is not None:
                self._bands.add_rows(np.stack(bands), banded)

    def _allocate_id(self) -> int:
        """The next article id. Under the write lock nobody else inserts, so ids are counted here
        from what the table has (AUTOINCREMENT's counter: an id is never used twice)."""
        if self._next_id is None:
            self._next_id = 1 + self._sequence()
        self._next_id += 1
        return self._next_id - 1

    def touch_many(self, records: list[Record], when: float) -> None:
        # A record without an id was written by this batch, last_seen included.
        if rows := [(when, record.id) for record in records if record.id is not None]:
            self.db.executemany("UPDATE articles SET last_seen = ? WHERE id = ?", rows)

    def forget(self, key: str) -> bool:
        with self.transaction():
            record = self.get(key)
            row = (record.id,) if record else None
            if row:   # its ids stay in in-memory band indexes: a lookup of a missing id finds nothing
                self.db.execute("DELETE FROM articles WHERE id = ?", row)
                for table in ("urls", "hashes", "band_log"):
                    self.db.execute(f"DELETE FROM {table} WHERE article = ?", row)
        return bool(row)

    def _band_index(self) -> BandIndex:
        """The in-memory band index, built from the stored signatures or caught up with the band log."""
        if self._signer is None:
            raise RuntimeError("near-duplicate lookups need use_signer() first")
        if self._bands is None:
            started = time.monotonic()
            self._bands, self._bands_current = BandIndex(), True
            self._band_seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM band_log").fetchone()[0]
            rows = self.db.execute("SELECT id, signature FROM articles WHERE duplicate_of IS NULL")
            while chunk := rows.fetchmany(_LOAD_CHUNK):
                self._add_signatures(chunk)
            # About 10 s per million stored articles: say why the run's first article took long.
            logger.info("state %s: near-duplicate index built from %d stored article(s) in %.1f s",
                        self.location, len(self._bands) // max(1, self._signer.bands), time.monotonic() - started)
        elif not self._bands_current:
            self._bands_current = True
            rows = self.db.execute("SELECT l.seq, a.id, a.signature FROM band_log l JOIN articles a ON a.id = l.article "
                                   "WHERE l.seq > ? AND a.duplicate_of IS NULL ORDER BY l.seq", (self._band_seq,))
            if chunk := rows.fetchall():
                self._band_seq = chunk[-1][0]
                self._add_signatures([row[1:] for row in chunk])
        return self._bands

    def _add_signatures(self, rows: list[tuple[int, bytes]]) -> None:
        size = self._signer.num_perm * np.dtype(DTYPE).itemsize
        rows = [(article, signature) for article, signature in rows if len(signature) == size]
        if rows:
            signatures = np.frombuffer(b"".join(signature for _, signature in rows), dtype=DTYPE)
            self._bands.add_many(self._signer.band_key_matrix(signatures.reshape(len(rows), -1)),
                                 np.array([article for article, _ in rows]))

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

    def verify(self, full: bool = False) -> None:
        # A damaged file otherwise fails on the first lookup that lands on a bad page, once per
        # request; quick_check reads every page (0.13 s for 120 MB in the page cache, a disk's
        # read speed cold), so states over 1 GiB get the header, schema and both ends of the
        # article table only (`scrapy dedup check` reads all of it).
        if full or self.path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
            result = self.db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if result != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed ({result.splitlines()[0]})")
        else:
            self.db.execute("SELECT min(id), max(id) FROM articles").fetchone()
        for folder_or_file in (self.path.parent, self.path):
            if not os.access(folder_or_file, os.W_OK):
                raise PermissionError(errno.EACCES, "not writable", str(folder_or_file))

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if not self._closed:
            self.flush()
            self.db.close()
            self._closed = True
