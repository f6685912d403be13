"""The names a fleet lease is known by, shared by the queue, the lease keeper, the dedup stage
and the spool's salvage: the request.meta keys a leased request carries, the Redis key that marks
a committed spool batch, and this worker's id (the holder of its leases)."""

from __future__ import annotations

import os
import socket

LEASE = "newsbot_lease"                   # request.meta: the lease id while a worker holds it
LEASE_SHA = "newsbot_lease_sha"           # request.meta: sha1 of the request as queued
UNDELIVERED = "newsbot_fleet_undelivered"  # request.meta: dedup keys a dead holder did not deliver
BATCH_MARKER = "newsbot:fleet:batch:%s"
# A worker's machine may come back long after it died; its spool is judged against this marker.
BATCH_MARKER_SECONDS = 30 * 24 * 3600


def worker_id() -> str:
    """This process among a fleet's workers (host and pid): the holder of its leases, and the
    %(worker)s of its feed names (newsbot.delivery.uriparams)."""
    return f"{socket.gethostname()}-{os.getpid()}"
