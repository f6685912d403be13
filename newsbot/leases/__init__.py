"""Leases on the fleet's shared queue: a request a worker takes is not gone from Redis until its
work is safe, so a worker killed with SIGKILL (OOM, a lost machine) loses nothing.

Redis, per spider (next to scrapy-redis's queue `newsbot:<spider>:requests`):

    <queue>:leases          zset   lease id -> deadline (Redis server time, seconds)
    <queue>:leased          hash   lease id -> the request as it was in the queue
    <queue>:lease-info      hash   lease id -> "<queue score> <worker>"
    <queue>:lease-articles  hash   lease id -> JSON list of the dedup keys its items were recorded
                                   under but are in no committed batch yet
    <queue>:undelivered     hash   sha1(request) -> those keys, for a requeued request
    <queue>:lease-parked    hash   lease id -> 1: its request is finished, its items wait for a batch
    <queue>:workers         hash   worker -> last heartbeat (Redis server time)
    newsbot:fleet:batch:<batch key>  a spool batch whose leases were acknowledged (30 days)

Taking a request moves it from the queue into the leases in one Lua script. A lease is
acknowledged (removed) when its request left the engine with nothing waiting for delivery
(follow-up requests are pushed to the queue synchronously before that; a failed, ignored or
redirected request counts too), or, when its items were exported, just before the spool batch
holding them is committed (the `batch_committing` signal, same Lua call that marks the batch).
Live workers renew their leases every NEWSBOT_FLEET_LEASE_SECONDS / 3; any worker puts expired
leases back into the queue as they were (no dupefilter: the request was already seen).

Dedup: a dead worker may have recorded an article in the shared state without delivering it. Its
lease lists such keys; a requeued request carries them (`newsbot_fleet_undelivered`) so the next
worker fetches the article despite the known URL and emits it despite an "unchanged" verdict.
The dead worker's own uncommitted batch is then discarded when its spool is next read (see
`fleet_batch_judge`): what it held is delivered once, by the survivor.

Modules, one component each: `keys` (the names a lease is known by: request.meta keys, the batch
marker, this worker's id), `queue` (LeaseQueue, the Redis side: its Lua scripts), `extension`
(FleetLeases, this worker's bookkeeping: renew, acknowledge, requeue, give back), `scheduler`
(LeasingScheduler, which tells FleetLeases what the engine took and finished), `middleware`
(LeaseItemMiddleware, which links items to their lease) and `judge` (fleet_batch_judge, for the
spool's salvage of a dead worker's batch).
"""

from .extension import STAT, FleetLeases, Lease
from .judge import fleet_batch_judge
from .keys import BATCH_MARKER, BATCH_MARKER_SECONDS, LEASE, LEASE_SHA, UNDELIVERED, worker_id
from .middleware import LeaseItemMiddleware
from .queue import LeaseQueue
from .scheduler import LeasingScheduler

__all__ = ["BATCH_MARKER", "BATCH_MARKER_SECONDS", "LEASE", "LEASE_SHA", "STAT", "UNDELIVERED",
           "FleetLeases", "Lease", "LeaseItemMiddleware", "LeaseQueue", "LeasingScheduler",
           "fleet_batch_judge", "worker_id"]
