"""Redis state store, for several machines sharing one state (redis-py).

Layout under the prefix `newsbot:dedup:` — a:<key> hash per article, u:<url> -> key,
h:<content hash> -> key, b:<band> set of keys, o:<outlet> set of keys, seen zset key -> last_seen.
Every write of a record is one Lua script (atomic, as MULTI/EXEC), so a killed process leaves no half record.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from typing import Iterator

import redis as redis_py

from ..urls import masked_url
from .store import Record, StateStore, Write

PREFIX = "newsbot:dedup:"
_FIELDS = ("url", "outlet", "content_hash", "signature", "version", "updated_at", "duplicate_of",
           "first_seen", "last_seen")


# KEYS[1]: the article's hash. ARGV: prefix, key, outlet, last_seen, n, n field/value parts,
# m, m URL keys, then band keys.
_SAVE = """
local prefix, key, outlet, last_seen = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local n = tonumber(ARGV[5])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 6, 5 + n))
local m = tonumber(ARGV[6 + n])
for i = 7 + n, 6 + n + m do redis.call('SET', prefix .. 'u:' .. ARGV[i], key) end
for i = 7 + n + m, #ARGV do redis.call('SADD', prefix .. 'b:' .. ARGV[i], key) end
redis.call('SADD', prefix .. 'o:' .. outlet, key)
redis.call('ZADD', prefix .. 'seen:', last_seen, key)
return 1
"""


def _record(key: str, raw: dict) -> Record:
    v = {k.decode(): val for k, val in raw.items()}
    text = lambda name: v[name].decode() if v.get(name) else None  # noqa: E731
    return Record(key=key, url=text("url") or "", outlet=text("outlet") or "",
                  content_hash=text("content_hash") or "", signature=v.get("signature", b""),
                  version=int(v.get("version", 1)), updated_at=text("updated_at"),
                  duplicate_of=text("duplicate_of"), first_seen=float(v.get("first_seen", 0)),
                  last_seen=float(v.get("last_seen", 0)))


class RedisStore(StateStore):
    def __init__(self, url: str):
        self.location = masked_url(url)
        self.r = redis_py.Redis.from_url(url, socket_timeout=30, health_check_interval=30)
        self.r.ping()
        self._save_script = self.r.register_script(_SAVE)

    @contextlib.contextmanager
    def _decision(self, decisions: int) -> Iterator[None]:
        # One batch at a time across every machine sharing the state, as SQLite's write lock
        # does for one file. The lock expires by itself if its holder is killed (a batch takes a
        # few milliseconds per decision: 50 ms each is ample).
        lock = self.r.lock(f"{PREFIX}lock", timeout=5 + 0.05 * decisions, blocking_timeout=120)
        if not lock.acquire():
            raise TimeoutError("could not take the dedup state lock within 120 s")
        try:
            yield
        finally:
            with contextlib.suppress(redis_py.exceptions.LockError):
                lock.release()

    def _k(self, kind: str, name: object) -> str:
        return f"{PREFIX}{kind}:{name}"

    def article_for_url(self, url_key: str) -> str | None:
        value = self.r.get(self._k("u", url_key))
        return value.decode() if value else None

    def get(self, key: str) -> Record | None:
        return self._records([key]).get(key)

    def _records(self, keys) -> dict[str, Record]:
        """The records of these article keys that exist, in one round trip."""
        keys = list(dict.fromkeys(keys))
        pipe = self.r.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(self._k("a", key))
        return {key: _record(key, raw) for key, raw in zip(keys, pipe.execute() if keys else ()) if raw}

    def _found_by(self, kind: str, names) -> dict[str, Record]:
        """{name: record} for URL keys (kind u) or content hashes (h) that lead to an article:
        one MGET, then one pipeline for the records."""
        names = list(dict.fromkeys(names))
        keys = {name: value.decode() for name, value in
                zip(names, self.r.mget([self._k(kind, name) for name in names]) if names else ()) if value}
        records = self._records(keys.values())
        return {name: records[key] for name, key in keys.items() if key in records}

    def find_by_url_keys(self, url_keys) -> dict[str, Record]:
        return self._found_by("u", url_keys)

    def find_by_hashes(self, content_hashes) -> dict[str, Record]:
        return self._found_by("h", content_hashes)

    def article_for_hash(self, content_hash: str) -> str | None:
        value = self.r.get(self._k("h", content_hash))
        return value.decode() if value else None

    def near_candidates_rows(self, band_keys) -> list[list[Record]]:
        pipe = self.r.pipeline(transaction=False)
        for row in band_keys.tolist():
            pipe.sunion([self._k("b", b) for b in row])
        rows = [sorted(k.decode() for k in found) for found in (pipe.execute() if len(band_keys) else ())]
        records = self._records(itertools.chain.from_iterable(rows))
        return [[records[key] for key in keys if key in records] for keys in rows]

    def save_many(self, writes: list[Write]) -> None:
        """Each record by one atomic script; a batch's scripts (and its hash claims) in one pipeline,
        after one round trip for the URL/band references the records already hold."""
        if not writes:
            return
        article_keys = list(dict.fromkeys(write.record.key for write in writes))
        pipe = self.r.pipeline(transaction=False)
        for key in article_keys:
            pipe.hget(self._k("a", key), "refs")
        refs = {key: json.loads(old) if old else {"urls": [], "bands": []}
                for key, old in zip(article_keys, pipe.execute())}
        pipe = self.r.pipeline(transaction=False)
        for write in writes:
            record = write.record
            if write.claims_hash:
                # SET NX: should the lock ever have expired under a slow batch, of two runs racing
                # on the same text still exactly one owns it.
                pipe.set(self._k("h", record.content_hash), record.key, nx=True)
            self._save(pipe, record, write.url_keys, write.band_keys, refs[record.key])
        pipe.execute()

    def _save(self, pipe, record: Record, url_keys: list[str], band_keys, refs: dict) -> None:
        band_keys = [int(b) for b in band_keys]
        refs["urls"] = sorted(set(refs["urls"]) | set(url_keys))
        refs["bands"] = sorted(set(refs["bands"]) | set(band_keys))
        if record.duplicate_of is None:
            refs["hashes"] = sorted(set(refs.get("hashes", [])) | {record.content_hash})
        mapping = {name: getattr(record, name) for name in _FIELDS}
        mapping = {k: ("" if v is None else v) for k, v in mapping.items()}
        mapping["refs"] = json.dumps(refs)
        fields = [part for pair in mapping.items() for part in pair]
        # One atomic script instead of a MULTI/EXEC of ~40 commands (32 of them band SADDs):
        # redis-py's packing and parsing per command was most of a decision's cost.
        self._save_script(keys=[self._k("a", record.key)],
                          args=[PREFIX, record.key, record.outlet, record.last_seen, len(fields), *fields,
                                len(url_keys), *url_keys, *band_keys], client=pipe)

    def touch_many(self, records: list[Record], when: float) -> None:
        pipe = self.r.pipeline(transaction=True)
        for key in {record.key for record in records}:
            pipe.hset(self._k("a", key), "last_seen", when)
            pipe.zadd(self._k("seen", ""), {key: when})
        pipe.execute()

    def forget(self, key: str) -> bool:
        raw = self.r.hmget(self._k("a", key), ["refs", "outlet", "content_hash"])
        if raw[0] is None and raw[1] is None:
            return False
        refs = json.loads(raw[0]) if raw[0] else {"urls": [], "bands": []}
        pipe = self.r.pipeline(transaction=True)
        pipe.delete(self._k("a", key))
        for url_key in refs["urls"]:
            pipe.delete(self._k("u", url_key))
        for band in refs["bands"]:
            pipe.srem(self._k("b", band), key)
        if raw[1]:
            pipe.srem(self._k("o", raw[1].decode()), key)
        pipe.zrem(self._k("seen", ""), key)
        pipe.execute()
        # Content hashes this article owns (any version) point nowhere once it is gone.
        for content_hash in refs.get("hashes", []):
            if self.r.get(self._k("h", content_hash)) == key.encode():
                self.r.delete(self._k("h", content_hash))
        return True

    def keys_for_outlet(self, outlet: str) -> list[str]:
        return sorted(k.decode() for k in self.r.smembers(self._k("o", outlet)))

    def keys_seen_before(self, when: float) -> list[str]:
        return [k.decode() for k in self.r.zrangebyscore(self._k("seen", ""), "-inf", f"({when}")]

    def stats(self) -> dict:
        per_outlet = {}
        for outlet_key in self.r.scan_iter(self._k("o", "*"), count=1000):
            outlet = outlet_key.decode()[len(self._k("o", "")):]
            per_outlet[outlet] = self.r.scard(outlet_key)
        urls = sum(1 for _ in self.r.scan_iter(self._k("u", "*"), count=1000))
        duplicates = 0
        for key in self.r.zrange(self._k("seen", ""), 0, -1):
            if self.r.hget(self._k("a", key.decode()), "duplicate_of"):
                duplicates += 1
        memory = self.r.info("memory").get("used_memory", 0)
        return {"backend": "redis", "location": self.location, "articles": sum(per_outlet.values()),
                "duplicates": duplicates, "urls": urls, "per_outlet": dict(sorted(per_outlet.items())),
                "size_bytes": memory}

    def close(self) -> None:
        self.r.close()
