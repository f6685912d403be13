"""Several `scrapy crawl` processes sharing one queue and seen-set in a real Redis (scrapy-redis)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.helpers import read_jsonl, run_scrapy
from tests.support.services import politics_site, redis_server

ARTICLES = 240
FLEET = ["-s", "SPIDER_MODULES=benchmarks.spiders", "-s", "NEWSBOT_DISTRIBUTED=1", "-s", "NEWSBOT_ALLOWED_PRIVATE_HOSTS=127.0.0.1",
         "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS=2",
         "-s", "NEWSBOT_FLEET_IDLE_SECONDS=2", "-s", "NEWSBOT_MAX_LISTING_PAGES=1000", "-s", "LOG_LEVEL=INFO"]

pytestmark = pytest.mark.slow


def worker(site: str, out, env: dict, *settings: str, feed: str = "-O") -> subprocess.Popen:
    # Each worker is its own machine: its own NEWSBOT_HOME (spool, locks), the fleet's Redis.
    env = {**env, "NEWSBOT_HOME": f"{out}.home"}
    return subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "generated_site", "-a", f"site={site}",
                             feed, f"{out}:jsonl", *FLEET, *settings], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def start_fleet_run(site: str, env: dict) -> None:
    proc = run_scrapy("seed", "generated_site", "-a", f"site={site}", *FLEET, replay=None, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "seeded 1 start request(s)" in proc.stdout


def expected_urls(site: str) -> set[str]:
    from tests.support.sites.politics_site import article_path
    return {f"{site}{article_path(n)}" for n in range(ARTICLES)}


def test_two_workers_share_the_work_and_write_each_article_once(tmp_path):
    with redis_server(tmp_path) as redis_url, politics_site(ARTICLES) as site:
        env = {**os.environ, "NEWSBOT_STATE": redis_url}
        start_fleet_run(site, env)
        workers = [worker(site, tmp_path / f"w{i}.jsonl", env) for i in (1, 2)]
        for proc in workers:
            _, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, stderr[-2000:]
        outputs = [[item["url"] for item in read_jsonl(tmp_path / f"w{i}.jsonl")] for i in (1, 2)]
    assert all(outputs), "both workers took part"
    combined = outputs[0] + outputs[1]
    assert len(combined) == len(set(combined))
    assert set(combined) == expected_urls(site)


def test_a_worker_stopped_mid_crawl_loses_nothing(tmp_path):
    with redis_server(tmp_path) as redis_url, politics_site(ARTICLES) as site:
        env = {**os.environ, "NEWSBOT_STATE": redis_url}
        start_fleet_run(site, env)
        first = worker(site, tmp_path / "w1.jsonl", env)
        second = worker(site, tmp_path / "w2.jsonl", env)
        # Stop the first worker once it has written items (into its open spool batch), i.e.
        # mid-crawl, however loaded the machine.
        batch = Path(f"{tmp_path / 'w1.jsonl'}.home") / "spool" / "writing"
        deadline = time.monotonic() + 90
        while not any(p.stat().st_size for p in batch.glob("*/data")) and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGTERM)  # what cron, systemd and container runtimes send
        _, first_log = first.communicate(timeout=60)
        _, second_log = second.communicate(timeout=120)
        assert second.returncode == 0, second_log[-2000:]
    assert "'finish_reason': 'shutdown'" in first_log
    stopped = [item["url"] for item in read_jsonl(tmp_path / "w1.jsonl")]
    finished = [item["url"] for item in read_jsonl(tmp_path / "w2.jsonl")]
    assert 0 < len(stopped) < ARTICLES
    assert len(stopped) + len(finished) == len(set(stopped) | set(finished))
    assert set(stopped) | set(finished) == expected_urls(site)


def test_a_worker_killed_mid_crawl_loses_nothing(tmp_path):
    lease = ["-s", "NEWSBOT_FLEET_LEASE_SECONDS=3"]
    with redis_server(tmp_path) as redis_url, politics_site(ARTICLES) as site:
        env = {**os.environ, "NEWSBOT_STATE": redis_url}
        start_fleet_run(site, env)
        # The first worker commits a batch every second (appended to its output), so when it is
        # killed it has delivered some articles and holds others in its open spool batch.
        first = worker(site, tmp_path / "w1.jsonl", env, *lease, "-s", "NEWSBOT_DELIVERY_BATCH_SECONDS=1", feed="-o")
        second = worker(site, tmp_path / "w2.jsonl", env, *lease)
        home = Path(f"{tmp_path / 'w1.jsonl'}.home")
        writing = home / "spool" / "writing"

        def open_batch_items() -> int:
            return sum(p.read_bytes().count(b"\n") for p in writing.glob("*/data"))
        deadline = time.monotonic() + 90
        while not ((tmp_path / "w1.jsonl").exists() and open_batch_items() >= 3) and time.monotonic() < deadline:
            assert first.poll() is None, "the first worker ended before it could be killed"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)  # OOM killer, lost machine: nothing runs after this
        first.wait(10)
        left_open = open_batch_items()
        _, second_log = second.communicate(timeout=180)
        assert second.returncode == 0, second_log[-3000:]
        assert "Traceback" not in second_log, second_log[-3000:]
        # The killed worker's machine comes back: its spool is read again (as its next crawl's
        # start would). Its open batch was never acknowledged: the survivor delivered those items.
        back = run_scrapy("deliver", replay=None, env={"NEWSBOT_HOME": str(home), "NEWSBOT_STATE": redis_url},
                          timeout=60)
        assert back.returncode == 0, back.stderr[-2000:]
    killed = [item["url"] for item in read_jsonl(tmp_path / "w1.jsonl")]
    survived = [item["url"] for item in read_jsonl(tmp_path / "w2.jsonl")]
    assert 0 < len(killed) < ARTICLES
    combined = killed + survived
    assert len(combined) == len(set(combined)), "an article was delivered twice"
    assert set(combined) == expected_urls(site)
    assert stat(second_log, "newsbot/fleet/requeued_expired") > 0
    if left_open:
        assert "abandoned" in back.stderr
        assert stat(second_log, "newsbot/fleet/redelivered_items") > 0


def test_distributed_mode_without_redis_is_a_clear_error(tmp_path):
    proc = run_scrapy("seed", "generated_site", *FLEET, replay=None,
                      env={"NEWSBOT_STATE": f"sqlite:///{tmp_path}/state.sqlite"}, timeout=60)
    assert proc.returncode != 0
    assert "NEWSBOT_DISTRIBUTED needs NEWSBOT_STATE=redis://" in proc.stderr


def test_workers_started_together_on_one_machine_write_their_own_files(tmp_path):
    """One command line for every worker, started in the same second: %(worker)s keeps their
    files apart (with %(time)s alone the idle one wrote over the other's articles)."""
    template = tmp_path / "out" / "politics-%(name)s-%(time)s-%(worker)s.jsonl"
    with redis_server(tmp_path) as redis_url, politics_site(ARTICLES) as site:
        env = {**os.environ, "NEWSBOT_STATE": redis_url, "NEWSBOT_HOME": str(tmp_path / "home")}
        start_fleet_run(site, env)
        workers = [subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "generated_site", "-a", f"site={site}",
                                     "-O", f"{template}:jsonl", *FLEET], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in (1, 2)]
        logs = [proc.communicate(timeout=120)[1] for proc in workers]
        assert [proc.returncode for proc in workers] == [0, 0], [log[-2000:] for log in logs]
    files = sorted((tmp_path / "out").glob("*.jsonl"))
    assert len(files) == 2, files
    urls = [item["url"] for path in files for item in read_jsonl(path)]
    assert len(urls) == len(set(urls)) and set(urls) == expected_urls(site)
    assert not any("has no %(worker)s" in log for log in logs)


def test_a_worker_that_finds_the_queue_empty_is_healthy_when_its_fleet_found_articles(tmp_path):
    """Cron starts N workers; one that comes late finds the work done. Its own run found nothing,
    the fleet's found every article: exit 0, not a false UNHEALTHY (3)."""
    with redis_server(tmp_path) as redis_url, politics_site(ARTICLES) as site:
        env = {**os.environ, "NEWSBOT_STATE": redis_url}
        start_fleet_run(site, env)
        busy = worker(site, tmp_path / "w1.jsonl", env)
        _, busy_log = busy.communicate(timeout=120)
        assert busy.returncode == 0, busy_log[-2000:]
        late = worker(site, tmp_path / "w2.jsonl", env)
        _, late_log = late.communicate(timeout=120)
    assert late.returncode == 0, late_log[-3000:]
    assert stat(late_log, "item_scraped_count") == 0
    assert stat(late_log, "newsbot/fleet/items_found") == ARTICLES
    assert len(read_jsonl(tmp_path / "w1.jsonl")) == ARTICLES
