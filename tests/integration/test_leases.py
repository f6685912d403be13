"""The fleet's lease queue (newsbot/leases/queue.py) against a real Redis."""

from __future__ import annotations

import time

import pytest
import redis
from scrapy import Request, Spider
from scrapy.settings import Settings

from newsbot.leases import BATCH_MARKER, LEASE, UNDELIVERED, LeaseQueue, fleet_batch_judge
from newsbot.delivery.spool import BatchMeta, Spool

from tests.support.services import redis_server


class Politics(Spider):
    name = "politics"


@pytest.fixture
def server(tmp_path):
    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        client.url = url
        yield client
        client.close()


def queue(server, worker="w1", seconds=60.0) -> LeaseQueue:
    q = LeaseQueue(server, Politics(), "newsbot:%(spider)s:requests")
    q.worker, q.lease_seconds = worker, seconds
    return q


def test_pop_leases_the_request_instead_of_removing_it(server):
    q = queue(server)
    q.push(Request("https://example.com/a", priority=1))
    q.push(Request("https://example.com/b"))
    request = q.pop()
    assert request.url == "https://example.com/a"  # priority order is scrapy-redis's
    lease_id = request.meta[LEASE]
    assert len(q) == 1
    assert q.outstanding() == 1
    assert server.hget(q.keys[2], lease_id)   # the request as it was queued
    assert server.hget(q.keys[3], lease_id).decode().endswith(" w1")
    deadline = server.zscore(q.keys[1], lease_id)
    assert 59 < deadline - time.time() < 61


def test_ack_removes_the_lease_and_marks_the_batch(server):
    q = queue(server)
    q.push(Request("https://example.com/a"))
    request = q.pop()
    q.note_articles(request.meta[LEASE], ["https://example.com/a"])
    assert q.settle([(request.meta[LEASE], "")], batch="batch-1") == 1
    assert q.outstanding() == 0
    assert not any(server.exists(key) for key in q.keys[1:6])
    assert server.exists(BATCH_MARKER % "batch-1")
    assert 0 < server.ttl(BATCH_MARKER % "batch-1") <= 30 * 24 * 3600
    assert q.requeue_expired() == 0 and len(q) == 0


def test_expired_leases_go_back_to_the_queue_with_what_was_not_delivered(server):
    dead, survivor = queue(server, "dead", seconds=1), queue(server, "survivor")
    dead.push(Request("https://example.com/listing", priority=5))
    dead.push(Request("https://example.com/article", meta={"newsbot_article": True}))
    listing, article = dead.pop(), dead.pop()
    dead.note_articles(article.meta[LEASE], ["https://example.com/article"])
    assert survivor.requeue_expired() == 0  # not expired yet
    time.sleep(1.2)
    assert survivor.requeue_expired() == 2
    assert survivor.outstanding() == 0
    # Straight back into the queue, with their priority (no dupefilter: they were seen already).
    first, second = survivor.pop(), survivor.pop()
    assert first.url == listing.url and second.url == article.url
    assert UNDELIVERED not in first.meta
    assert second.meta[UNDELIVERED] == ["https://example.com/article"]
    assert second.meta["newsbot_article"] is True
    # The survivor's lease now carries the keys, should it die too.
    assert server.hget(survivor.keys[4], second.meta[LEASE])


def test_renewal_extends_live_leases_only(server):
    q = queue(server, seconds=1)
    q.push(Request("https://example.com/a"))
    q.push(Request("https://example.com/b"))
    kept, dropped = q.pop(), q.pop()
    for _ in range(3):
        time.sleep(0.5)
        assert q.renew([kept.meta[LEASE]]) == 1
    assert q.requeue_expired() == 1  # only the one never renewed
    assert q.outstanding() == 1
    assert q.pop().url == dropped.url
    # A lease requeued behind its holder's back is not recreated by a late renewal.
    assert q.renew(["no-such-lease"]) == 0


def test_push_strips_the_old_lease_from_retries(server):
    q = queue(server)
    q.push(Request("https://example.com/a"))
    request = q.pop()
    retry = request.replace(dont_filter=True)
    q.push(retry)
    again = q.pop()
    assert again.meta[LEASE] != request.meta[LEASE]


def test_others_busy_waits_for_unfinished_and_dead_workers_leases(server):
    me, other = queue(server, "me", seconds=1), queue(server, "other", seconds=1)
    other.push(Request("https://example.com/a"))
    request = other.pop()
    assert me.others_busy()                       # its request is not finished
    other.renew([request.meta[LEASE]])
    other.settle(parked=[request.meta[LEASE]])
    assert not me.others_busy()                   # finished, waits for its live worker's batch
    time.sleep(1.2)
    assert me.others_busy()                       # its worker stopped beating: it will expire
    assert not other.others_busy()                # one's own leases never keep one waiting


def test_a_dead_fleet_workers_batch_is_delivered_only_if_acknowledged(server, tmp_path):
    spool = Spool(tmp_path / "spool")
    kept = BatchMeta(key="k-acked", target=str(tmp_path / "out.jsonl"), spider="politics", run_id="r",
                     feed="f", batch_id=1, overwrite=False, extra={"fleet": {"spider": "politics"}})
    redone = BatchMeta(key="k-redone", target=str(tmp_path / "out.jsonl"), spider="politics", run_id="r",
                       feed="f", batch_id=2, overwrite=False, extra={"fleet": {"spider": "politics"}})
    for meta in (kept, redone):
        spool.open_batch(meta).write(b'{"url": "%s"}\n' % meta.key.encode())
    queue(server).settle(batch="k-acked")
    other_process = Spool(tmp_path / "spool")  # the writer's flocks are its own
    for key in list(spool._locks):
        spool._release(key)
    salvaged = other_process.salvage_abandoned(fleet_batch_judge(Settings({"NEWSBOT_STATE": server.url})))
    assert [m.key for m in salvaged] == ["k-acked"]
    assert not (tmp_path / "spool" / "writing" / "k-redone").exists()
    # Without the fleet's Redis the batch cannot be judged: it is left where it is.
    spool.open_batch(redone).write(b'{"url": "x"}\n')
    for key in list(spool._locks):
        spool._release(key)
    assert other_process.salvage_abandoned(fleet_batch_judge(Settings())) == []
    assert (tmp_path / "spool" / "writing" / "k-redone").exists()
