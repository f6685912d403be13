"""Delivery to a real S3-compatible server (rclone serve s3 on 127.0.0.1): objects arrive whole and
verified; every failure (no bucket, wrong credentials, server down, killed mid-crawl, hanging)
ends with exit code 4, one clear line, every item either delivered or in the spool, and the spool
re-sent later with no duplicate objects."""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

import pytest

from newsbot.exitcodes import OK, UNDELIVERED
from newsbot.delivery.spool import Spool

from tests.conftest import REPLAY
from tests.support.delivery_support import FAST, SECRET, KEY_ID, S3Server, credentials, scrapy, start_paced_crawl

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]   # a real S3 server, real crawls

TEMPLATE = "s3://news/politics/%(outlet)s/%(date)s/%(batch_id)05d.jsonl.gz"


@pytest.fixture(autouse=True)
def plain_pages_only(monkeypatch):
    """Delivery is under test, not rendering or dedup: every run writes the 4 plain Nikkei articles."""
    monkeypatch.setenv("NEWSBOT_RENDERING", "never")
    # Runs repeat over the same pages on purpose (append, re-send): deduplication would empty them.
    monkeypatch.setenv("NEWSBOT_DEDUP_ENABLED", "0")



@pytest.fixture
def server(tmp_path):
    srv = S3Server(tmp_path / "s3root")
    srv.start()
    yield srv
    srv.stop()


def crawl_nikkei(server: S3Server, home: Path, *extra: str, template: str = TEMPLATE, secret: str = SECRET,
                 fast: bool = True, timeout: float = 90):
    env = server.env(home)
    env["NEWSBOT_REPLAY"] = str(REPLAY)
    return scrapy("crawl", "nikkei_asia", "-o", f"{template}:jsonl", *credentials(secret), *(FAST if fast else ()),
                  *extra, env=env, timeout=timeout)


def lines_of(body: bytes, key: str) -> list[dict]:
    text = gzip.decompress(body) if key.endswith(".gz") else body
    return [json.loads(line) for line in text.decode("utf-8").splitlines()]


def data_objects(objects: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in objects.items() if not k.endswith(".manifest.json")}


def assert_no_secret(result) -> None:
    for stream in (result.stdout, result.stderr):
        assert SECRET not in stream
        assert KEY_ID not in stream


def spooled_items(home: Path) -> int:
    return sum(m.items for m in Spool(home / "spool").pending())


def test_batches_arrive_gzipped_verified_and_described_by_a_manifest(server, isolated_newsbot_home):
    server.client().create_bucket(Bucket="news")
    result = crawl_nikkei(server, isolated_newsbot_home, "-s", "FEED_EXPORT_BATCH_ITEM_COUNT=2")
    assert result.returncode == OK, result.stderr[-3000:]
    assert_no_secret(result)
    assert "'AWS_SECRET_ACCESS_KEY': '<redacted>'" in result.stderr  # Scrapy's Overridden settings line
    objects = server.objects("news")
    data = data_objects(objects)
    assert len(data) == 2, sorted(objects)
    items = [item for key, body in data.items() for item in lines_of(body, key)]
    assert len(items) == 4 and len({i["url"] for i in items}) == 4
    assert all(key.startswith("politics/nikkei_asia/") and key.endswith(".jsonl.gz") for key in data)
    [manifest_key] = [k for k in objects if k.endswith(".manifest.json")]
    manifest = json.loads(objects[manifest_key])
    assert manifest["items"] == 4 and len(manifest["batches"]) == 2
    import hashlib
    for batch in manifest["batches"]:
        key = batch["uri"].split("/", 3)[3]
        assert batch["status"] == "delivered"
        assert hashlib.sha256(objects[key]).hexdigest() == batch["sha256"]
    assert SECRET not in objects[manifest_key].decode()
    assert Spool(isolated_newsbot_home / "spool").pending() == []
    assert "'newsbot/delivery/items/delivered': 4" in result.stderr

    # A second run continues the batch ids: nothing of run 1 is overwritten.
    again = crawl_nikkei(server, isolated_newsbot_home, "-s", "FEED_EXPORT_BATCH_ITEM_COUNT=2")
    assert again.returncode == OK, again.stderr[-3000:]
    assert len(data_objects(server.objects("news"))) == 4


def test_missing_bucket_keeps_batches_then_scrapy_deliver_sends_them(server, isolated_newsbot_home):
    result = crawl_nikkei(server, isolated_newsbot_home)
    assert result.returncode == UNDELIVERED
    assert_no_secret(result)
    failures = [line for line in result.stderr.splitlines() if "run failed (exit 4)" in line]
    assert failures and all("no such bucket" in line for line in failures)
    assert any("batch (4 items)" in line and "s3://news/politics/nikkei_asia/" in line for line in failures)
    assert spooled_items(isolated_newsbot_home) == 4
    assert "Kept in the spool, not delivered: jsonl feed (4 items)" in result.stderr
    assert "Stored jsonl feed" not in result.stderr
    assert "'newsbot/delivery/pending_at_end': 2" in result.stderr  # the batch and its manifest
    still_missing = scrapy("deliver", *credentials(), *FAST, env=server.env(isolated_newsbot_home))
    assert still_missing.returncode == UNDELIVERED and "no such bucket" in still_missing.stderr
    assert spooled_items(isolated_newsbot_home) == 4

    server.client().create_bucket(Bucket="news")
    delivered = scrapy("deliver", *credentials(), *FAST, env=server.env(isolated_newsbot_home))
    assert delivered.returncode == OK, delivered.stderr[-3000:]
    assert_no_secret(delivered)
    objects = server.objects("news")
    assert sum(len(lines_of(v, k)) for k, v in data_objects(objects).items()) == 4
    assert len([k for k in objects if k.endswith(".manifest.json")]) == 1
    assert Spool(isolated_newsbot_home / "spool").pending() == []


def test_wrong_credentials_fail_loudly_and_next_run_resends_without_duplicates(server, isolated_newsbot_home):
    server.client().create_bucket(Bucket="news")
    wrong = "wrong-secret-value-123"
    result = crawl_nikkei(server, isolated_newsbot_home, secret=wrong)
    assert result.returncode == UNDELIVERED
    assert wrong not in result.stdout + result.stderr
    assert "access denied" in result.stderr
    assert data_objects(server.objects("news")) == {}
    assert spooled_items(isolated_newsbot_home) == 4

    # The next run re-sends the spooled batch at its start, then delivers its own.
    second = crawl_nikkei(server, isolated_newsbot_home)
    assert second.returncode == OK, second.stderr[-3000:]
    assert "'newsbot/delivery/resent/batches': 2" in second.stderr  # the batch and run 1's manifest
    data = data_objects(server.objects("news"))
    assert len(data) == 2   # run 1's batch and run 2's batch, each once
    batch_keys = [server.client().head_object(Bucket="news", Key=k)["Metadata"] for k in data]
    assert len({str(m) for m in batch_keys}) == 2
    assert sum(len(lines_of(v, k)) for k, v in data.items()) == 8
    assert Spool(isolated_newsbot_home / "spool").pending() == []


def test_server_down_from_the_start(tmp_path, isolated_newsbot_home):
    server = S3Server(tmp_path / "s3root")  # not started: nothing listens on its port
    started = time.monotonic()
    result = crawl_nikkei(server, isolated_newsbot_home)
    assert time.monotonic() - started < 60
    assert result.returncode == UNDELIVERED
    assert "endpoint down" in result.stderr
    assert spooled_items(isolated_newsbot_home) == 4
    server.start()
    try:
        server.client().create_bucket(Bucket="news")
        delivered = scrapy("deliver", *credentials(), *FAST, env=server.env(isolated_newsbot_home))
        assert delivered.returncode == OK, delivered.stderr[-3000:]
        assert sum(len(lines_of(v, k)) for k, v in data_objects(server.objects("news")).items()) == 4
    finally:
        server.stop()


def test_server_killed_mid_crawl_loses_nothing(server, isolated_newsbot_home):
    server.client().create_bucket(Bucket="news")
    bucket_dir = server.root / "news"
    crawl = start_paced_crawl("40", "0.05", "-o", "s3://news/paced/%(batch_id)05d.jsonl:jsonl",
                              "-s", "FEED_EXPORT_BATCH_ITEM_COUNT=5", *credentials(), *FAST,
                              env=server.env(isolated_newsbot_home))
    try:
        deadline = time.monotonic() + 30
        while not any(p.is_file() for p in bucket_dir.rglob("*.jsonl")):
            assert time.monotonic() < deadline and crawl.poll() is None, "no batch arrived"
            time.sleep(0.02)
        server.stop()
        _, stderr = crawl.communicate(timeout=90)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    assert crawl.returncode == UNDELIVERED, stderr[-3000:]
    assert "endpoint down" in stderr or "timeout" in stderr
    delivered = {json.loads(line)["n"] for p in bucket_dir.rglob("*.jsonl") if p.is_file()
                 for line in p.read_bytes().splitlines()}
    spool = Spool(isolated_newsbot_home / "spool")
    spooled = {json.loads(line)["n"] for m in spool.pending() if m.kind == "batch"
               for line in spool.data_path(m).read_bytes().splitlines()}
    assert len(delivered) >= 5 and spooled
    # A batch whose upload was cut off may be on the server unverified: it stays spooled too, and
    # its re-send overwrites the same key.
    assert delivered | spooled == set(range(40))

    server.start()
    resent = scrapy("deliver", *credentials(), *FAST, env=server.env(isolated_newsbot_home))
    assert resent.returncode == OK, resent.stderr[-3000:]
    items = [item for key, body in data_objects(server.objects("news")).items() for item in lines_of(body, key)]
    assert sorted(i["n"] for i in items) == list(range(40))  # every item exactly once


def test_hanging_server_is_bounded_by_the_timeout(server, isolated_newsbot_home):
    server.client().create_bucket(Bucket="news")
    server.pause()
    try:
        started = time.monotonic()
        result = crawl_nikkei(server, isolated_newsbot_home)
        elapsed = time.monotonic() - started
    finally:
        server.resume()
    assert result.returncode == UNDELIVERED
    assert "timeout" in result.stderr
    assert elapsed < 45
    assert spooled_items(isolated_newsbot_home) == 4
    delivered = scrapy("deliver", *credentials(), *FAST, env=server.env(isolated_newsbot_home))
    assert delivered.returncode == OK, delivered.stderr[-3000:]
    assert sum(len(lines_of(v, k)) for k, v in data_objects(server.objects("news")).items()) == 4


def run_failures(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if "run failed (exit 4)" in line]


def test_a_server_hung_for_the_whole_run_is_bounded_by_the_delivery_deadline(server, isolated_newsbot_home):
    """The default retry schedule (4 attempts, 60 s read timeout, 2 s backoff doubling) would keep
    this run waiting about 5 minutes on the hung server: the deadline ends it 15 s after the crawl.
    Two batches (one delivered during the crawl, one at its end, in parallel) and the manifest wait
    in the spool; `scrapy deliver` respects the deadline too, and after the server resumes it
    delivers every item once."""
    server.client().create_bucket(Bucket="news")
    server.pause()
    try:
        started = time.monotonic()
        result = crawl_nikkei(server, isolated_newsbot_home, "-s", "FEED_EXPORT_BATCH_ITEM_COUNT=2",
                              "-s", "NEWSBOT_DELIVERY_DEADLINE=15", fast=False, timeout=75)
        elapsed = time.monotonic() - started
        assert result.returncode == UNDELIVERED, result.stderr[-3000:]
        assert 15 <= elapsed < 15 + 25, elapsed   # the crawl itself: a few seconds
        assert_no_secret(result)
        [line] = run_failures(result)
        # The last error: a timeout cut to what was left of the 15 s, not the 60 s read timeout.
        assert re.search(r"delivery deadline passed \(NEWSBOT_DELIVERY_DEADLINE=15s; last error: timeout: "
                         r"http://127\.0\.0\.1:\d+ did not answer within 1[0-5](\.\d)?s\): ", line), line
        assert f"2 batch(es) with 4 item(s) and 1 manifest(s) wait in the spool {isolated_newsbot_home / 'spool'}; " \
               "the next run re-sends them at its start, or `scrapy deliver` now" in line
        assert "'newsbot/delivery/deadline/batches': 2" in result.stderr
        assert "'newsbot/delivery/deadline/manifests': 1" in result.stderr
        assert "'newsbot/delivery/deadline/items': 4" in result.stderr
        assert spooled_items(isolated_newsbot_home) == 4
        assert len(Spool(isolated_newsbot_home / "spool").pending()) == 3

        # `scrapy deliver` against the still hung server: bounded by its own deadline.
        started = time.monotonic()
        hung = scrapy("deliver", *credentials(), "-s", "NEWSBOT_DELIVERY_DEADLINE=3",
                      env=server.env(isolated_newsbot_home), timeout=60)
        assert hung.returncode == UNDELIVERED, hung.stderr[-3000:]
        assert time.monotonic() - started < 3 + 15
        assert_no_secret(hung)
        deadline_lines = [line for line in hung.stderr.splitlines() if "delivery deadline passed (" in line]
        assert len(deadline_lines) == 1 and "2 batch(es) with 4 item(s) and 1 manifest(s)" in deadline_lines[0]
        assert "not delivered to" not in hung.stderr
        assert spooled_items(isolated_newsbot_home) == 4
    finally:
        server.resume()
    # The hung attempts' requests may reach the server once it resumes: the same keys, overwritten.
    delivered = scrapy("deliver", *credentials(), *FAST, env=server.env(isolated_newsbot_home))
    assert delivered.returncode == OK, delivered.stderr[-3000:]
    assert Spool(isolated_newsbot_home / "spool").pending() == []
    objects = server.objects("news")
    items = [item for key, body in data_objects(objects).items() for item in lines_of(body, key)]
    assert len(items) == 4 and len({i["url"] for i in items}) == 4   # every item exactly once
    assert len(data_objects(objects)) == 2 and len(objects) == 3


def test_a_run_with_nothing_new_uploads_nothing(server, isolated_newsbot_home, monkeypatch):
    """Dedup on: the second run over the same pages finds nothing new and uploads no empty object
    and no manifest (a cron job every 15 minutes would fill the bucket with them)."""
    monkeypatch.setenv("NEWSBOT_DEDUP_ENABLED", "1")
    server.client().create_bucket(Bucket="news")
    first = crawl_nikkei(server, isolated_newsbot_home)
    assert first.returncode == OK, first.stderr[-3000:]
    uploaded = server.objects("news")
    assert len(data_objects(uploaded)) == 1 and len(uploaded) == 2     # one batch, its manifest
    again = crawl_nikkei(server, isolated_newsbot_home)
    assert again.returncode == OK, again.stderr[-3000:]
    assert "items     0 written" in again.stderr
    assert server.objects("news").keys() == uploaded.keys()
