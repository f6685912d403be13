"""The SQLite store's in-memory LSH band index: lookups, merges, rebuilds, other processes' writes,
and state files written before it (schema 1)."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from newsbot.dedup import DedupIndex, open_store
from newsbot.dedup.bands import BandIndex, _bucket_starts
from newsbot.dedup.signature import Signer
from tests.support.dedup_stories import OTHER, WIRE, facts

EDITED = ("Lawmakers gave final approval to the national budget on Friday morning. " + WIRE.replace("several", "a few")
          + " Distributed by Continental Press; additional reporting by staff.")


@pytest.mark.parametrize("largest_run", [1 << 24, 5000])   # one merged run, or several capped ones
def test_band_index_finds_every_article_sharing_a_key_across_buffer_runs_and_merges(largest_run):
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 2**63, size=(3000, 8), dtype=np.uint64)
    keys[2000, :3] = keys[10, :3]             # shares three bands with article 11
    keys[2500] = keys[10]                     # shares all of them
    index = BandIndex(buffer_entries=200, largest_run=largest_run)     # many runs, many merges
    expected: dict[int, set[int]] = {}
    for article, row in enumerate(keys, start=1):
        index.add(row, article)
        for key in (row & np.uint64(0xFFFFFFFF)).tolist():
            expected.setdefault(key, set()).add(article)
    assert len(index) == keys.size and len(index._runs) > 1
    assert max(map(len, index._runs)) <= largest_run
    for article in (1, 11, 500, 2001, 2501, 3000):   # in runs and in the unsorted buffer
        row = keys[article - 1]
        assert index.lookup(row) == set().union(*(expected[k] for k in (row & np.uint64(0xFFFFFFFF)).tolist()))
    assert index.lookup(keys[10]) == {11, 2001, 2501}
    assert index.lookup(rng.integers(0, 2**63, size=8, dtype=np.uint64)) == set()
    # A batch's rows at once: each row's own articles, none of its neighbours'.
    rows = [0, 10, 499, 2000, 2500, 2999]
    assert index.lookup_rows(keys[rows]) == [
        set().union(*(expected[k] for k in (keys[r] & np.uint64(0xFFFFFFFF)).tolist())) for r in rows]
    rebuilt = BandIndex()
    rebuilt.add_many(keys, np.arange(1, 3001))
    assert rebuilt.lookup(keys[10]) == {11, 2001, 2501}


def test_band_keys_one_at_a_time_equal_the_bulk_keys_of_a_rebuild():
    signer = Signer(threshold=0.4)
    signatures = np.stack([signer.sign(WIRE), signer.sign(OTHER), signer.sign(EDITED)])
    bulk = signer.band_key_matrix(signatures)
    assert bulk.shape == (3, signer.bands)
    assert all((signer.band_keys(s) == row).all() for s, row in zip(signatures, bulk))
    assert len(set(bulk[0].tolist())) == signer.bands          # the band index is part of each key
    assert (bulk[0] == bulk[2]).any() and not (bulk[0] == bulk[1]).any()   # near copies share a band


def test_a_new_run_rebuilds_the_index_from_stored_signatures(tmp_path):
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    first = open_store(url)
    DedupIndex(first, Signer(threshold=0.5)).check(facts("https://a.example/p/budget", WIRE))
    first.close()
    second = open_store(url)
    try:
        near = DedupIndex(second, Signer(threshold=0.5)).check(facts("https://c.example/budget-vote", EDITED))
        assert (near.kind, near.duplicate_of) == ("duplicate", "https://a.example/p/budget")
    finally:
        second.close()


def test_another_process_writes_are_seen_through_the_band_log(tmp_path):
    # Two runs on one state file: each has its own in-memory index, built before the other wrote.
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    ours, theirs = open_store(url, commit_every=1), open_store(url, commit_every=1)
    try:
        our_index, their_index = DedupIndex(ours, Signer(threshold=0.5)), DedupIndex(theirs, Signer(threshold=0.5))
        assert our_index.check(facts("https://a.example/p/port", OTHER)).kind == "new"      # index built
        assert their_index.check(facts("https://b.example/p/port", OTHER + " Share.")).kind == "duplicate"
        assert their_index.check(facts("https://b.example/n/budget", WIRE)).kind == "new"
        near = our_index.check(facts("https://c.example/budget-vote", EDITED))
        assert (near.kind, near.duplicate_of) == ("duplicate", "https://b.example/n/budget")
        # A forgotten article stays in the other's memory but is no candidate any more.
        assert theirs.forget("https://b.example/n/budget")
        assert our_index.check(facts("https://d.example/budget", EDITED + " More.")).kind == "new"
    finally:
        ours.close()
        theirs.close()


def test_a_failed_decision_is_undone_alone_not_with_its_group(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}", commit_every=10)
    index = DedupIndex(store, Signer(threshold=0.5))
    try:
        index.check(facts("https://a.example/p/port", OTHER))
        with pytest.raises(RuntimeError), store.transaction():
            index.check(facts("https://a.example/p/budget", WIRE))
            raise RuntimeError("the crawl stopped mid-decision")
        # Rolled back, so the article is unknown: its text is new, not a duplicate of itself.
        assert index.check(facts("https://b.example/n/budget", WIRE)).kind == "new"
        assert index.check(facts("https://a.example/p/port", OTHER)).kind == "unchanged"
    finally:
        store.close()


V1_SCHEMA = """
CREATE TABLE articles (key TEXT PRIMARY KEY, url TEXT NOT NULL, outlet TEXT NOT NULL, content_hash TEXT NOT NULL,
    signature BLOB NOT NULL, version INTEGER NOT NULL, updated_at TEXT, duplicate_of TEXT,
    first_seen REAL NOT NULL, last_seen REAL NOT NULL);
CREATE INDEX articles_outlet ON articles(outlet);
CREATE INDEX articles_last_seen ON articles(last_seen);
CREATE TABLE urls (url_key TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX urls_key ON urls(key);
CREATE TABLE hashes (content_hash TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX hashes_key ON hashes(key);
CREATE TABLE bands (band INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (band, key)) WITHOUT ROWID;
CREATE INDEX bands_key ON bands(key);
"""


def test_a_state_file_of_schema_1_is_migrated_and_keeps_its_articles(tmp_path, caplog):
    path = tmp_path / "state.sqlite"
    signer = Signer(threshold=0.5)
    key, body = "https://a.example/p/budget", WIRE
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    db.execute("INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
               (key, key + "?utm_source=x", "a", facts(key, body).content_hash, signer.to_bytes(signer.sign(body)), 2,
                None, None, 100.0, 200.0))
    db.execute("INSERT INTO urls VALUES (?, ?)", ("https://a.example/p/budget", key))
    db.execute("INSERT INTO urls VALUES (?, ?)", ("https://a.example/s/1", key))
    db.execute("INSERT INTO hashes VALUES (?, ?)", (facts(key, body).content_hash, key))
    db.execute("INSERT INTO bands VALUES (?, ?)", (12345, key))
    db.commit()
    db.close()
    store = open_store(f"sqlite:///{path}")
    try:
        assert "migrating from schema 1 to 3" in caplog.text
        assert store.article_for_url("https://a.example/s/1") == key
        assert store.get(key).version == 2 and store.get(key).last_seen == 200.0
        index = DedupIndex(store, signer)
        assert index.check(facts("https://b.example/n/budget", WIRE.upper())).duplicate_of == key      # hash
        assert index.check(facts("https://c.example/budget-vote", EDITED)).duplicate_of == key         # bands
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert not store.db.execute("SELECT 1 FROM sqlite_master WHERE name LIKE '%_v1' OR name = 'bands'").fetchall()
    finally:
        store.close()


V2_ARTICLES = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, url TEXT NOT NULL, outlet TEXT NOT NULL,
    content_hash TEXT NOT NULL, signature BLOB NOT NULL, version INTEGER NOT NULL, updated_at TEXT,
    duplicate_of TEXT, first_seen REAL NOT NULL, last_seen REAL NOT NULL);
CREATE INDEX articles_outlet ON articles(outlet);
CREATE INDEX articles_last_seen ON articles(last_seen);
"""


def test_a_state_file_of_schema_2_loses_the_key_index_and_keeps_ids_and_their_counter(tmp_path, caplog):
    path = tmp_path / "state.sqlite"
    url = f"sqlite:///{path}"
    store = open_store(url)
    index = DedupIndex(store, Signer(threshold=0.5))
    for n, body in enumerate([WIRE, OTHER, "A third story about the port strike and its end. " * 5]):
        index.check(facts(f"https://a.example/p/{n}", body))
    assert store.forget("https://a.example/p/2")
    store.close()
    # Rebuild it as schema 2 wrote it: the same rows, articles.key UNIQUE, user_version 2.
    db = sqlite3.connect(path)
    rows = db.execute("SELECT * FROM articles ORDER BY id").fetchall()
    db.executescript("DROP TABLE articles;" + V2_ARTICLES)
    db.executemany(f"INSERT INTO articles VALUES ({','.join('?' * 11)})", rows)
    db.execute("UPDATE sqlite_sequence SET seq = 3 WHERE name = 'articles'")
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()

    store = open_store(url)
    try:
        assert "migrating from schema 2 to 3" in caplog.text
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert "UNIQUE" not in store.db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles'").fetchone()[0]
        assert [r[0] for r in store.db.execute("SELECT id FROM articles ORDER BY id")] == [1, 2]
        assert store.get("https://a.example/p/1").content_hash == facts("x", OTHER).content_hash
        index = DedupIndex(store, Signer(threshold=0.5))
        assert index.check(facts("https://a.example/p/0?utm_source=x", WIRE)).kind == "unchanged"
        assert index.check(facts("https://b.example/budget-vote", EDITED)).duplicate_of == "https://a.example/p/0"
        fresh = facts("https://a.example/p/new", "Fresh story on the rail strike ballot. " * 6)
        assert index.check(fresh).kind == "new"
        # The forgotten article's id 3 is not given again (4 went to the near copy's record).
        assert [r[0] for r in store.db.execute("SELECT id FROM articles ORDER BY id")] == [1, 2, 4, 5]
    finally:
        store.close()


def test_a_state_file_from_a_newer_newsbot_is_refused(tmp_path):
    path = tmp_path / "state.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(RuntimeError, match="newer newsbot"):
        open_store(f"sqlite:///{path}")


def test_a_crowded_band_key_is_searched_not_windowed():
    # 200 articles with the same first band (short, common bodies): a bucket wider than a lookup
    # window, so the run falls back to binary search and must still find all of them.
    rng = np.random.default_rng(9)
    keys = rng.integers(0, 2**63, size=(400, 4), dtype=np.uint64)
    keys[:200, 0] = keys[0, 0]
    index = BandIndex()
    index.add_many(keys, np.arange(1, 401))
    assert index._runs[0].window is None
    assert index.lookup(keys[0]) == set(range(1, 201))
    assert index.lookup(keys[300]) == {301}
    assert index.lookup_rows(keys[[300, 0, 301]]) == [{301}, set(range(1, 201)), {302}]


@pytest.mark.parametrize("size,bits", [(0, 0), (3, 0), (200, 5), (5000, 10)])
def test_bucket_starts_are_where_a_binary_search_puts_each_bucket(size, bits):
    rng = np.random.default_rng(size)
    keys = np.sort(rng.integers(0, 2**32, size, dtype=np.uint64)).astype(np.uint32)
    keys[size // 2:size // 2 + size // 10] = keys[size // 2] if size else 0   # a crowded bucket, empty ones
    keys.sort()
    bounds = np.arange((1 << bits) + 1, dtype=np.uint64) << np.uint64(32 - bits)
    assert np.array_equal(_bucket_starts(keys, bits), np.searchsorted(keys.astype(np.uint64), bounds))
