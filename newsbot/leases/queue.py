"""LeaseQueue: the fleet's shared Redis queue, where taking a request leases it instead of
removing it. Each change to a lease is one Lua script, so no worker ever sees half of one."""

from __future__ import annotations

import json
import uuid

from scrapy import Request
from scrapy_redis.queue import PriorityQueue

from .keys import BATCH_MARKER, BATCH_MARKER_SECONDS, LEASE, LEASE_SHA, UNDELIVERED, worker_id

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""
# Every script gets the same KEYS: queue, leases, leased, info, articles, undelivered, parked,
# workers (LeaseQueue.keys), plus a batch marker for _SETTLE.

# ARGV: lease id, seconds, worker.
_POP = _NOW + """
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
local data, score = popped[1], popped[2]
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], data)
redis.call('HSET', KEYS[4], ARGV[1], score .. ' ' .. ARGV[3])
local sha = redis.sha1hex(data)
local carried = redis.call('HGET', KEYS[6], sha)
if carried then
  redis.call('HDEL', KEYS[6], sha)
  redis.call('HSET', KEYS[5], ARGV[1], carried)
end
return {data, sha, carried or ''}
"""

# ARGV: seconds, worker, lease ids... Only leases that still exist are extended (XX); the
# worker's heartbeat time tells others it is alive.
_RENEW = _NOW + """
redis.call('HSET', KEYS[8], ARGV[2], now)
local renewed = 0
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ARGV[i])
    renewed = renewed + 1
  end
end
return renewed
"""

# ARGV: how many at most.
_REQUEUE = _NOW + """
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[3], id)
  local info = redis.call('HGET', KEYS[4], id) or ''
  local articles = redis.call('HGET', KEYS[5], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('HDEL', KEYS[7], id)
  if data then
    redis.call('ZADD', KEYS[1], string.match(info, '^(%S+)') or '0', data)
    if articles then
      local sha = redis.sha1hex(data)
      local merged = cjson.decode(articles)
      local before = redis.call('HGET', KEYS[6], sha)
      if before then
        for _, key in ipairs(cjson.decode(before)) do table.insert(merged, key) end
      end
      redis.call('HSET', KEYS[6], sha, cjson.encode(merged))
    end
  end
end
return #ids
"""

# ARGV: marker seconds, JSON {"ack": [[id, sha], ...], "articles": {id: [keys]}, "parked": [id]}.
_SETTLE = """
local p = cjson.decode(ARGV[2])
if KEYS[9] then redis.call('SET', KEYS[9], '1', 'EX', tonumber(ARGV[1])) end
local acked = 0
for _, pair in ipairs(p['ack']) do
  local id, sha = pair[1], pair[2]
  if redis.call('ZREM', KEYS[2], id) == 1 then
    acked = acked + 1
  elseif sha ~= '' then
    -- Requeued behind our back (we missed renewals): its copy in the queue need not re-deliver.
    redis.call('HDEL', KEYS[6], sha)
  end
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('HDEL', KEYS[7], id)
end
for id, keys in pairs(p['articles']) do
  if redis.call('ZSCORE', KEYS[2], id) then
    if #keys == 0 then redis.call('HDEL', KEYS[5], id)
    else redis.call('HSET', KEYS[5], id, cjson.encode(keys)) end
  end
end
for _, id in ipairs(p['parked']) do
  if redis.call('ZSCORE', KEYS[2], id) then redis.call('HSET', KEYS[7], id, '1') end
end
return acked
"""

# ARGV: worker, seconds. 1 when another worker may still put work in the queue: it holds a lease
# whose request is not finished, or it holds any lease and stopped beating (dead: the lease
# comes back to the queue when it expires). A live worker's finished ("parked") leases only wait
# for its batch, committed when it stops.
_BUSY = _NOW + """
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local owner = string.match(redis.call('HGET', KEYS[4], id) or '', '^%S+ (.+)$')
  if owner ~= ARGV[1] then
    if redis.call('HEXISTS', KEYS[7], id) == 0 then return 1 end
    local beat = redis.call('HGET', KEYS[8], owner or '')
    if not beat or now - tonumber(beat) > tonumber(ARGV[2]) then return 1 end
  end
end
return 0
"""



class LeaseQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop leases the request instead of removing it."""

    lease_seconds = 60.0
    worker = worker_id()

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.keys = [self.key, f"{self.key}:leases", f"{self.key}:leased", f"{self.key}:lease-info",
                     f"{self.key}:lease-articles", f"{self.key}:undelivered", f"{self.key}:lease-parked",
                     f"{self.key}:workers"]
        self._pop = server.register_script(_POP)
        self._renew = server.register_script(_RENEW)
        self._requeue = server.register_script(_REQUEUE)
        self._settle = server.register_script(_SETTLE)
        self._busy = server.register_script(_BUSY)

    def push(self, request: Request) -> None:
        # A retry or redirect copies its request's meta: the copy is new work, not the old lease.
        if LEASE in request.meta or LEASE_SHA in request.meta:
            meta = {k: v for k, v in request.meta.items() if k not in (LEASE, LEASE_SHA)}
            request = request.replace(meta=meta)
        super().push(request)

    def pop(self, timeout=0) -> Request | None:
        lease_id = uuid.uuid4().hex
        result = self._pop(keys=self.keys, args=[lease_id, self.lease_seconds, self.worker])
        if not result:
            return None
        data, sha, carried = result
        request = self._decode_request(data)
        request.meta[LEASE] = lease_id
        request.meta[LEASE_SHA] = sha.decode() if isinstance(sha, bytes) else sha
        if carried:
            keys = json.loads(carried)
            request.meta[UNDELIVERED] = sorted(set(request.meta.get(UNDELIVERED) or ()) | set(keys))
        return request

    def renew(self, lease_ids: list[str]) -> int:
        """Push the deadline of these leases (those still held) lease_seconds away; also this
        worker's heartbeat."""
        return int(self._renew(keys=self.keys, args=[self.lease_seconds, self.worker, *lease_ids]))

    def requeue_expired(self, limit: int = 1000) -> int:
        """Put every expired lease (its worker died or stalled) back into the queue."""
        return int(self._requeue(keys=self.keys, args=[limit]))

    def release(self, lease_ids: list[str]) -> int:
        """Give leases back now (a worker stopping with work unfinished)."""
        if lease_ids:
            self.server.zadd(self.keys[1], dict.fromkeys(lease_ids, 0), xx=True)
        return self.requeue_expired()

    def note_articles(self, lease_id: str, keys: list[str]) -> None:
        self.server.hset(self.keys[4], lease_id, json.dumps(sorted(keys)))

    def settle(self, ack: list[tuple[str, str]] = (), articles: dict[str, list[str]] | None = None,
               batch: str | None = None, parked: list[str] = ()) -> int:
        """Acknowledge leases ([(id, sha)]), update the undelivered keys of others, mark leases
        whose request is finished but whose items wait for a batch, and, for a spool batch about
        to be committed, mark the batch: all in one step."""
        keys = [*self.keys, BATCH_MARKER % batch] if batch else self.keys
        payload = json.dumps({"ack": [list(pair) for pair in ack], "articles": articles or {},
                              "parked": list(parked)}, separators=(",", ":"))
        # cjson reads an empty JSON object as an empty table; an empty array would do as well.
        return int(self._settle(keys=keys, args=[BATCH_MARKER_SECONDS, payload]))

    def others_busy(self) -> bool:
        """Whether another worker (alive or dead) may still put work in the queue."""
        return bool(self._busy(keys=self.keys, args=[self.worker, self.lease_seconds]))

    def outstanding(self) -> int:
        """Leases held in the whole fleet (this worker's included)."""
        return int(self.server.zcard(self.keys[1]))

    def stopping(self) -> None:
        self.server.hdel(self.keys[7], self.worker)

    def clear(self) -> None:
        self.server.delete(*self.keys)
