"""An in-memory LSH band index: band key -> article ids, for the SQLite store.

Stored in SQLite, every article added one row per band (32) to a B-tree keyed by a random hash:
32 random pages dirtied per article, which is what capped the store at a few hundred articles a
second once the state outgrew the page cache. The band keys are a pure function of the stored
signatures, so they need not be stored at all: the index lives in memory, is rebuilt from the
signatures when first needed, and follows other processes' writes through the store's band log.

Layout (as a log-structured merge tree, in numpy): new entries go to a dict; every
`buffer_entries` they become a sorted run; runs of similar size are merged, so there are a few
runs at any time (runs stop growing at `largest_run`, so a merge never holds the whole index
twice), and a lookup reads one small bucket per run. An entry is about 9 bytes: the band key's
low 32 bits, a 32-bit article id, and its share of the run's bucket directory. A 32-bit key can
collide (about bands**2 * articles / 2**32 false candidates per lookup: 0.24 at a million
articles); candidates are always confirmed by their signature's similarity, so a collision costs
one read, never a wrong decision.
"""

from __future__ import annotations

import numpy as np

KEY = np.uint32
ID = np.uint32
_LOW_32 = np.uint64(0xFFFFFFFF)


def short_keys(band_keys: np.ndarray) -> np.ndarray:
    """The 32 bits of each band key the index keeps."""
    return (np.asarray(band_keys, dtype=np.uint64) & _LOW_32).astype(KEY)


class Run:
    """One sorted run, with a bucket directory: `starts[b]` is where keys whose top bits are b
    begin. A lookup reads the directory and then the few keys of one bucket (a couple of cache
    lines) instead of binary-searching hundreds of megabytes (a cache miss per step)."""

    __slots__ = ("keys", "ids", "size", "shift", "starts", "window")

    def __init__(self, keys: np.ndarray, ids: np.ndarray):
        """keys and ids end with _WIDEST_BUCKET padding entries (allocated by whoever built them:
        copying a run of hundreds of megabytes to pad it would double the peak memory)."""
        self.keys, self.ids = keys, ids
        self.size = len(keys) - _WIDEST_BUCKET
        bits = max(0, min(30, int(np.log2(max(self.size, 1) / 4))))   # about four keys per bucket
        self.shift = KEY(32 - bits) if bits else None
        self.starts = _bucket_starts(keys[:self.size], bits)
        widest = int(np.diff(self.starts).max()) if self.size else 0
        # Every query reads the same number of slots from its bucket's start, so a lookup is a
        # handful of whole-array operations. Slots past a bucket hold other buckets' keys (never
        # equal to the query) or the padding; a run with a crowded bucket (many articles sharing
        # a key) is searched instead.
        self.window = np.arange(widest) if widest <= _WIDEST_BUCKET else None

    def __len__(self) -> int:
        return self.size

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which query key, article id) for every stored entry equal to a query key."""
        if self.window is None:
            stored = self.keys[:self.size]
            low, high = np.searchsorted(stored, keys), np.searchsorted(stored, keys, side="right")
            lengths = high - low
            ends = np.cumsum(lengths)
            slots = np.arange(ends[-1] if len(ends) else 0) + np.repeat(low - (ends - lengths), lengths)
            return np.repeat(np.arange(len(keys)), lengths), self.ids[slots]
        first = self.starts[keys >> self.shift] if self.shift is not None else np.zeros(len(keys), dtype=np.int64)
        slots = first[:, None] + self.window
        queries, columns = np.nonzero(self.keys[slots] == keys[:, None])
        return queries, self.ids[slots[queries, columns]]


def _bucket_starts(keys: np.ndarray, bits: int) -> np.ndarray:
    """starts[b] = the index of the first sorted key whose top `bits` bits are >= b, for b up to
    2**bits: where the top bits change, then filled backwards for empty buckets. Sequential passes
    only (a binary search per bucket took ten times longer and copied the keys to 64 bits)."""
    starts = np.full((1 << bits) + 1, len(keys), dtype=np.int64)
    if len(keys):
        top = keys >> KEY(32 - bits) if bits else np.zeros(len(keys), dtype=KEY)
        firsts = np.flatnonzero(np.concatenate([[True], top[1:] != top[:-1]]))
        starts[top[firsts]] = firsts
    return np.minimum.accumulate(starts[::-1])[::-1]


_WIDEST_BUCKET = 64
_PADDING_KEY = KEY(0xFFFFFFFF)


class BandIndex:
    def __init__(self, buffer_entries: int = 1 << 18, merge_ratio: int = 4, largest_run: int = 1 << 24):
        # largest_run (16M entries, 128 MB) caps what one merge allocates: merging everything into
        # one run would briefly hold the whole index twice.
        self.buffer_entries, self.merge_ratio, self.largest_run = buffer_entries, merge_ratio, largest_run
        self._runs: list[Run] = []                        # largest first
        self._recent: dict[int, int] = {}                 # key -> first id, filled in C by dict.update
        self._recent_more: dict[int, list[int]] = {}      # key -> further ids (a shared band)
        self._recent_count = 0

    def __len__(self) -> int:
        return self._recent_count + sum(map(len, self._runs))

    def add(self, band_keys: np.ndarray, article: int) -> None:
        self.add_rows(np.asarray(band_keys).reshape(1, -1), [article])

    def add_rows(self, band_keys: np.ndarray, articles: list[int]) -> None:
        """Band keys of a few articles, an (n, bands) array, with their n ids (a batch of decisions)."""
        keys = short_keys(band_keys)
        flat = keys.ravel().tolist()
        if len(set(flat)) == len(flat) and self._recent.keys().isdisjoint(flat):
            # No key shared (the usual case): one dict.update in C for the whole batch.
            self._recent.update(zip(flat, np.repeat(np.asarray(articles, dtype=ID), keys.shape[1]).tolist()))
        else:
            for row, article in zip(keys.tolist(), articles):
                for key in row:
                    if self._recent.setdefault(key, article) != article:
                        self._recent_more.setdefault(key, []).append(article)
        self._recent_count += len(flat)
        if self._recent_count >= self.buffer_entries:
            self._freeze()

    def add_many(self, band_keys: np.ndarray, articles: np.ndarray) -> None:
        """Band keys of many articles, an (n, bands) array, with their n ids (a rebuild)."""
        if not len(articles):
            return
        self._push_run(*_sorted(short_keys(band_keys).ravel(), np.repeat(np.asarray(articles, dtype=ID),
                                                                          band_keys.shape[1])))

    def lookup(self, band_keys: np.ndarray) -> set[int]:
        """Ids of every article sharing at least one band key (and a few 32-bit collisions)."""
        return self.lookup_rows(np.asarray(band_keys).reshape(1, -1))[0]

    def lookup_rows(self, band_keys: np.ndarray) -> list[set[int]]:
        """For each row of an (n, bands) array of band keys, the ids of the articles sharing a key
        with it: one pass over each run for the whole batch."""
        bands = band_keys.shape[1]
        keys = short_keys(band_keys).ravel()
        found: list[set[int]] = [set() for _ in range(len(band_keys))]
        if hits := self._recent.keys() & keys.tolist():
            for position in np.flatnonzero(np.isin(keys, np.fromiter(hits, dtype=KEY, count=len(hits)))).tolist():
                key = int(keys[position])
                found[position // bands].add(self._recent[key])
                found[position // bands].update(self._recent_more.get(key, ()))
        for run in self._runs:
            queries, ids = run.lookup(keys)
            for row, article in zip((queries // bands).tolist(), ids.tolist()):
                found[row].add(article)
        for articles in found:
            articles.discard(0)   # padding
        return found

    def _freeze(self) -> None:
        if not self._recent_count:
            return
        keys = np.fromiter(self._recent.keys(), dtype=KEY, count=len(self._recent))
        ids = np.fromiter(self._recent.values(), dtype=ID, count=len(self._recent))
        if self._recent_more:
            more = [(key, article) for key, articles in self._recent_more.items() for article in articles]
            keys = np.concatenate([keys, np.array([key for key, _ in more], dtype=KEY)])
            ids = np.concatenate([ids, np.array([article for _, article in more], dtype=ID)])
        self._recent.clear()
        self._recent_more.clear()
        self._recent_count = 0
        self._push_run(*_sorted(keys, ids))

    def _push_run(self, keys: np.ndarray, ids: np.ndarray) -> None:
        # Merge while the newest run is not much smaller than the one before it: run sizes grow
        # geometrically, so there are O(log n) runs and each entry is merged O(log n) times.
        while (self._runs and len(self._runs[-1]) <= self.merge_ratio * (len(keys) - _WIDEST_BUCKET)
               and len(self._runs[-1]) + len(keys) <= self.largest_run):
            older = self._runs.pop()
            keys, ids = _merge(older.keys[:older.size], older.ids[:older.size],
                               keys[:-_WIDEST_BUCKET], ids[:-_WIDEST_BUCKET])
        self._runs.append(Run(keys, ids))


def _padded(size: int) -> tuple[np.ndarray, np.ndarray]:
    keys, ids = np.empty(size + _WIDEST_BUCKET, dtype=KEY), np.empty(size + _WIDEST_BUCKET, dtype=ID)
    keys[size:], ids[size:] = _PADDING_KEY, 0   # id 0 is no article
    return keys, ids


def _sorted(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entries sorted by key (then id), padded: one in-place sort of key<<32|id, faster than an
    argsort and two gathers."""
    packed = keys.astype(np.uint64) << np.uint64(32)
    packed |= ids
    packed.sort()
    sorted_keys, sorted_ids = _padded(len(packed))
    sorted_ids[:len(packed)] = packed & _LOW_32
    sorted_keys[:len(packed)] = packed >> np.uint64(32)
    return sorted_keys, sorted_ids


def _merge(a_keys: np.ndarray, a_ids: np.ndarray, b_keys: np.ndarray, b_ids: np.ndarray):
    """Two sorted runs as one (padded), without sorting again: b's entries go after a's equal keys."""
    total = len(a_keys) + len(b_keys)
    slots = np.searchsorted(a_keys, b_keys, side="right") + np.arange(len(b_keys))
    from_a = np.ones(total, dtype=bool)
    from_a[slots] = False
    keys, ids = _padded(total)
    keys[slots], ids[slots] = b_keys, b_ids
    keys[:total][from_a], ids[:total][from_a] = a_keys, a_ids
    return keys, ids
