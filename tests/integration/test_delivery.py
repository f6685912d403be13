"""Delivery to local paths, the spool's crash safety, settings fix-ups and secret redaction."""

from __future__ import annotations

import gzip
import json
import os
import pprint
import time
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newsbot.delivery.addon import delivery_settings
from newsbot.delivery.deadline import DeliveryDeadline, attempt_timeouts, deadline_line
from newsbot.delivery.extension import resend_pending
from newsbot.delivery.secrets import Secret, redact
from newsbot.delivery.spool import BatchMeta, Spool
from newsbot.delivery.targets import Deliverer
from newsbot.exitcodes import OK

from tests.conftest import REPLAY
from tests.support.delivery_support import scrapy, start_paced_crawl

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def plain_pages_only(monkeypatch):
    """Delivery is under test, not rendering or dedup: every run writes the 4 plain Nikkei articles."""
    monkeypatch.setenv("NEWSBOT_RENDERING", "never")
    # Runs repeat over the same pages on purpose (append, re-send): deduplication would empty them.
    monkeypatch.setenv("NEWSBOT_DEDUP_ENABLED", "0")



def settings(**overrides) -> Settings:
    s = Settings()
    s.setmodule("newsbot.settings")
    for k, v in overrides.items():
        s.set(k, v)
    return s


def env_for(home: Path) -> dict[str, str]:
    return dict(os.environ, NEWSBOT_HOME=str(home), NEWSBOT_REPLAY=str(REPLAY))


@pytest.mark.slow
def test_local_output_is_whole_and_has_a_manifest(tmp_path, isolated_newsbot_home):
    out = tmp_path / "data" / "nikkei.jsonl"
    for _ in range(2):  # -O overwrites: the second run replaces, never appends
        result = scrapy("crawl", "nikkei_asia", "-O", f"{out}:jsonl", env=env_for(isolated_newsbot_home))
        assert result.returncode == OK, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(items) == 4
    manifest = json.loads(Path(f"{out}.manifest.json").read_text())
    assert manifest["items"] == 4 and manifest["batches"][0]["status"] == "delivered"
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []  # no temp files left
    assert Spool(isolated_newsbot_home / "spool").pending() == []


@pytest.mark.slow
def test_append_output_appends(tmp_path, isolated_newsbot_home):
    out = tmp_path / "nikkei.jsonl"
    for _ in range(2):
        result = scrapy("crawl", "nikkei_asia", "-o", f"{out}:jsonl", env=env_for(isolated_newsbot_home))
        assert result.returncode == OK, result.stderr[-3000:]
    assert len(out.read_text().splitlines()) == 8


@pytest.mark.slow
def test_global_batch_count_without_batch_id_keeps_the_feed(tmp_path, isolated_newsbot_home):
    out = tmp_path / "one.jsonl.gz"
    result = scrapy("crawl", "nikkei_asia", "-O", f"{out}:jsonl", "-s", "FEED_EXPORT_BATCH_ITEM_COUNT=2",
                    env=env_for(isolated_newsbot_home))
    assert result.returncode == OK, result.stderr[-3000:]
    assert "FEED_EXPORT_BATCH_ITEM_COUNT=2 ignored for feed" in result.stderr
    assert len(gzip.decompress(out.read_bytes()).splitlines()) == 4  # .gz means gzipped JSON Lines


def test_feed_batch_count_without_batch_id_is_a_clear_error():
    s = settings()
    s.set("FEEDS", {"out.jsonl": {"format": "jsonl", "batch_item_count": 5}}, priority="cmdline")
    with pytest.raises(Exception, match="no %\\(batch_id\\)d"):
        delivery_settings(s)


def test_secrets_never_printed():
    s = settings()
    s.set("AWS_SECRET_ACCESS_KEY", "hunter2-very-secret", priority="cmdline")
    delivery_settings(s)
    assert s.get("AWS_SECRET_ACCESS_KEY") == "hunter2-very-secret"  # boto3 still gets the value
    assert "hunter2" not in pprint.pformat(dict(s.copy_to_dict()))
    assert redact("key hunter2-very-secret in text", ["hunter2-very-secret"]) == "key <redacted> in text"
    assert "hunter2" not in repr(Secret("hunter2-very-secret"))


def make_ready(spool: Spool, target: str, body: bytes, items: int) -> BatchMeta:
    meta = BatchMeta(key=spool.new_key("s", 1), target=target, spider="s", run_id="r", feed=target, batch_id=1,
                     items=items)
    spool.add_ready(meta, body)
    return meta


def test_batch_stays_in_the_spool_until_delivered(tmp_path):
    spool = Spool(tmp_path / "spool")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a folder should be")
    meta = make_ready(spool, str(blocker / "out.jsonl"), b'{"n": 1}\n', 1)
    s = settings(NEWSBOT_DELIVERY_RETRIES=1, NEWSBOT_DELIVERY_BACKOFF=0.01)
    [outcome] = resend_pending(spool, Deliverer(spool, s))
    assert not outcome.delivered and "cannot write" in outcome.cause and outcome.attempts == 2
    assert [m.key for m in spool.pending()] == [meta.key]
    assert spool.pending()[0].last_error == outcome.cause
    blocker.unlink()
    [outcome] = resend_pending(spool, Deliverer(spool, s))
    assert outcome.delivered and (blocker / "out.jsonl").read_bytes() == b'{"n": 1}\n'
    assert spool.pending() == []


def test_a_failing_destination_gets_one_attempt_per_batch_until_it_recovers(tmp_path):
    spool = Spool(tmp_path / "spool")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    first = make_ready(spool, str(blocker / "a.jsonl"), b'{"n": 1}\n', 1)
    second = make_ready(spool, str(blocker / "b.jsonl"), b'{"n": 2}\n', 1)
    deliverer = Deliverer(spool, settings(NEWSBOT_DELIVERY_RETRIES=2, NEWSBOT_DELIVERY_BACKOFF=0.01))
    assert deliverer.deliver(first).attempts == 3
    assert deliverer.deliver(second).attempts == 1
    blocker.unlink()
    assert deliverer.deliver(first).delivered
    assert deliverer.failing == set()


def test_append_resend_after_a_crash_does_not_duplicate(tmp_path):
    spool = Spool(tmp_path / "spool")
    dest = tmp_path / "out.jsonl"
    dest.write_bytes(b'{"n": 0}\n{"n": 1}\n')  # the batch already landed; the spool was not cleared
    meta = make_ready(spool, str(dest), b'{"n": 1}\n', 1)
    meta.overwrite = False
    spool.update(meta)
    [outcome] = resend_pending(spool, Deliverer(spool, settings()))
    assert outcome.delivered and dest.read_bytes() == b'{"n": 0}\n{"n": 1}\n'
    meta2 = make_ready(spool, str(dest), b'{"n": 2}\n', 1)
    meta2.overwrite = False
    spool.update(meta2)
    [outcome] = resend_pending(spool, Deliverer(spool, settings()))
    assert outcome.delivered and dest.read_bytes().endswith(b'{"n": 1}\n{"n": 2}\n')


@pytest.mark.parametrize("gz", [False, True])
def test_abandoned_partial_batch_is_salvaged_line_by_line(tmp_path, gz):
    spool = Spool(tmp_path / "spool")
    target = str(tmp_path / ("out.jsonl.gz" if gz else "out.jsonl"))
    meta = BatchMeta(key=spool.new_key("s", 1), target=target, spider="s", run_id="r", feed=target, batch_id=1)
    file = spool.open_batch(meta)
    whole = b"".join(json.dumps({"n": n}).encode() + b"\n" for n in range(50))
    torn = b'{"n": 50, "tit'
    if gz:
        import zlib
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        file.write(compressor.compress(whole + torn) + compressor.flush(zlib.Z_SYNC_FLUSH))  # no trailer
    else:
        file.write(whole + torn)
    file.flush()
    spool._release(meta.key)  # the writer "dies": its lock is gone
    [outcome] = resend_pending(spool, Deliverer(spool, settings()))
    assert outcome.delivered and outcome.meta.items == 50
    body = Path(target).read_bytes()
    assert (gzip.decompress(body) if gz else body) == whole
    assert list(spool.writing.iterdir()) == []


def test_batch_being_written_is_not_salvaged(tmp_path):
    spool = Spool(tmp_path / "spool")
    meta = BatchMeta(key=spool.new_key("s", 1), target=str(tmp_path / "o.jsonl"), spider="s", run_id="r",
                     feed="f", batch_id=1)
    spool.open_batch(meta).write(b'{"n": 1}\n')
    other = Spool(tmp_path / "spool")  # another process's view
    assert other.salvage_abandoned() == []


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delivery_deadline_arithmetic():
    clock = FakeClock()
    deadline = DeliveryDeadline(120, clock=clock)
    with deadline.phase():             # the re-send at the start: 30 s of nothing but delivery
        assert deadline.ends_at(clock.now) == 1120
        clock.now += 30
        assert deadline.remaining(clock.now) == 90      # a batch started late in the phase: the phase's end
    assert deadline.budget() == 90
    clock.now = 1100                   # crawling: a batch delivered now may retry for what is left
    assert deadline.ends_at(1100) == 1190 and not deadline.passed()
    clock.now = 1150
    deadline.crawl_ended()
    assert deadline.ends_at(1100) == 1190   # in flight since before the crawl ended: its own bound
    assert deadline.ends_at(1160) == 1240   # after the crawl: everything ends 90 s after it
    clock.now = 1240
    assert deadline.passed() and deadline.remaining(1100) == -50
    assert attempt_timeouts(10, 60, 90) == (10, 60)
    assert attempt_timeouts(10, 60, 14.5) == (10, 15)   # whole seconds: a few clients, not one per attempt
    assert attempt_timeouts(10, 60, 3.2) == (4, 4)


def test_no_retry_starts_past_the_deadline_and_the_batch_stays(tmp_path):
    spool = Spool(tmp_path / "spool")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    meta = make_ready(spool, str(blocker / "a.jsonl"), b'{"n": 1}\n', 1)
    # Retries 10 s apart, but the deadline is 0.3 s away: one attempt, then the deadline stops it.
    deliverer = Deliverer(spool, settings(NEWSBOT_DELIVERY_RETRIES=5, NEWSBOT_DELIVERY_BACKOFF=10),
                          DeliveryDeadline(0.3))
    started = time.monotonic()
    outcome = deliverer.deliver(meta)
    assert time.monotonic() - started < 0.3
    assert not outcome.delivered and outcome.deadline and outcome.attempts == 1
    assert "cannot write" in outcome.cause
    assert [m.key for m in spool.pending()] == [meta.key]


@pytest.mark.parametrize("retries, fatal, cut", [(3, False, True), (0, False, True), (3, True, False)])
def test_an_attempt_that_runs_into_the_deadline_is_left_by_the_deadline(tmp_path, monkeypatch, retries, fatal, cut):
    """A hung target's attempt ends at the deadline (its timeout was cut to it): the batch is left by
    the deadline, with or without retries left; an error no retry could fix keeps its own line."""
    from newsbot.delivery import targets
    spool = Spool(tmp_path / "spool")
    meta = make_ready(spool, str(tmp_path / "out.jsonl"), b'{"n": 1}\n', 1)
    clock = FakeClock()

    def hangs(data, meta):
        clock.now += 10
        raise targets.DeliveryError("access denied" if fatal else "timeout", fatal=fatal)

    monkeypatch.setattr(targets, "deliver_file", hangs)
    deliverer = Deliverer(spool, settings(NEWSBOT_DELIVERY_RETRIES=retries), DeliveryDeadline(10, clock=clock))
    outcome = deliverer.deliver(meta)
    assert not outcome.delivered and outcome.attempts == 1 and outcome.deadline is cut
    assert [m.key for m in spool.pending()] == [meta.key]


def test_the_resend_stops_at_the_deadline_and_says_so_once(tmp_path):
    spool = Spool(tmp_path / "spool")
    metas = [make_ready(spool, str(tmp_path / "out" / f"{n}.jsonl"), b'{"n": %d}\n' % n, 1) for n in range(3)]
    clock = FakeClock()
    deadline = DeliveryDeadline(5, clock=clock)
    clock.now += 6                     # e.g. the run's re-send at the start spent it all
    deadline.spent = 6
    outcomes = resend_pending(spool, Deliverer(spool, settings(), deadline))
    assert [o.deadline and not o.delivered and o.attempts == 0 for o in outcomes] == [True] * 3
    assert sorted(m.key for m in spool.pending()) == sorted(m.key for m in metas)
    assert not (tmp_path / "out").exists()
    line = deadline_line(5, outcomes, spool.root, "run `scrapy deliver`")
    assert line == (f"delivery deadline passed (NEWSBOT_DELIVERY_DEADLINE=5s): 3 batch(es) with 3 item(s) "
                    f"wait in the spool {spool.root}; run `scrapy deliver`")
    # Within the deadline the same spool is delivered, each batch once.
    outcomes = resend_pending(spool, Deliverer(spool, settings()))
    assert all(o.delivered for o in outcomes) and spool.pending() == []
    assert sorted(p.read_text() for p in (tmp_path / "out").iterdir()) == ['{"n": %d}\n' % n for n in range(3)]


@pytest.mark.slow
def test_batches_close_by_time(tmp_path, isolated_newsbot_home):
    template = tmp_path / "timed" / "%(batch_id)05d.jsonl"
    crawl = start_paced_crawl("30", "0.05", "-o", f"{template}:jsonl", "-s", "NEWSBOT_DELIVERY_BATCH_SECONDS=0.4",
                              env=dict(os.environ, NEWSBOT_HOME=str(isolated_newsbot_home)))
    _, stderr = crawl.communicate(timeout=90)
    assert crawl.returncode == OK, stderr[-3000:]
    files = sorted(p for p in (tmp_path / "timed").glob("*.jsonl"))
    assert len(files) >= 2
    numbers = [json.loads(line)["n"] for p in files for line in p.read_text().splitlines()]
    assert sorted(numbers) == list(range(30))


@pytest.mark.slow
def test_killed_crawl_leaves_only_whole_files_and_its_partial_batch_is_salvaged(tmp_path, isolated_newsbot_home):
    out = tmp_path / "out"
    env = dict(os.environ, NEWSBOT_HOME=str(isolated_newsbot_home))
    crawl = start_paced_crawl("2000", "0.01", "-o", f"{out}/%(batch_id)05d.jsonl:jsonl",
                              "-s", "FEED_EXPORT_BATCH_ITEM_COUNT=40", env=env)
    try:
        deadline = time.monotonic() + 30
        while len(list(out.glob("*.jsonl"))) < 2:
            assert time.monotonic() < deadline and crawl.poll() is None, "no batch arrived"
            time.sleep(0.02)
        time.sleep(0.15)  # well inside the next batch
        crawl.kill()  # SIGKILL: no cleanup of any kind
        crawl.communicate(timeout=30)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    def numbers() -> list[int]:
        # Every visible file parses whole: a reader never sees a half-written batch.
        return [json.loads(line)["n"] for p in sorted(out.glob("*.jsonl")) for line in p.read_text().splitlines()]
    before = numbers()
    assert len(before) % 40 == 0
    spool = Spool(isolated_newsbot_home / "spool")
    assert any(spool.writing.iterdir())  # the torn batch
    result = scrapy("deliver", env=env)
    assert result.returncode == OK, result.stderr[-3000:]
    after = numbers()
    assert len(after) > len(before)  # the partial batch's whole lines were delivered
    assert len(after) == len(set(after))  # and nothing twice
    assert set(before) <= set(after) and sorted(after) == list(range(len(after)))
    assert list(spool.writing.iterdir()) == [] and spool.pending() == []
