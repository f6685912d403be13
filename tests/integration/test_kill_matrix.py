"""Kills at random points, with and without JOBDIR (issue 17): real `scrapy crawl` runs of the
generated site on 127.0.0.1 with the default settings (politeness delays, dedup on in its default
mode), each SIGKILLed once a random number of its articles is written (to the spool or a feed)
and after a random pause, then a run left to finish. Across every run's output: each article
exactly once.

The seed is printed; NEWSBOT_KILL_SEED=N replays a failing sequence."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from newsbot import exitcodes

from tests.conftest import ROOT
from tests.support.helpers import run_scrapy
from tests.support.services import politics_site
from tests.integration.test_spool_faults import ARTICLES, assert_each_once, crawl_args, delivered, expected_urls, spooled_or_delivered

KILLS = 3
pytestmark = pytest.mark.slow


@pytest.mark.timeout(600)
@pytest.mark.parametrize("jobdir", [False, True], ids=["cron-no-jobdir", "jobdir"])
def test_random_kills_then_a_full_run_deliver_every_article_once(jobdir, tmp_path, isolated_newsbot_home):
    seed = int(os.environ.get("NEWSBOT_KILL_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    print(f"NEWSBOT_KILL_SEED={seed}")
    spool = isolated_newsbot_home / "spool"
    job = ["-s", f"JOBDIR={tmp_path / 'job'}"] if jobdir else []
    with politics_site(ARTICLES) as site:
        for run in range(KILLS):
            before = spooled_or_delivered(spool, tmp_path, "out")
            if before >= ARTICLES - 2:
                break   # too little left to kill a run in the middle of
            # Once 1 to 8 more articles are written, and after up to a second more (a kill
            # between a spool line and the state's group commit, inside a batch close, ...).
            at, pause = before + rng.randint(1, 8), rng.uniform(0, 1.0)
            proc = subprocess.Popen([sys.executable, "-m", "scrapy", *crawl_args(site, tmp_path / f"out{run}", None),
                                     *job], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 120
                while proc.poll() is None and spooled_or_delivered(spool, tmp_path, "out") < at:
                    assert time.monotonic() < deadline, "the crawl wrote nothing"
                    time.sleep(0.02)
                time.sleep(pause)
            finally:
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
            written = spooled_or_delivered(spool, tmp_path, "out")
            print(f"run {run}: killed after {written} written (aimed at {at}, +{pause:.2f} s)")

        last = run_scrapy(*crawl_args(site, tmp_path / "out9", None), *job, replay=None, timeout=300)
        assert last.returncode == exitcodes.OK, last.stderr[-4000:]
        assert "Traceback" not in last.stderr
        assert_each_once(delivered(tmp_path, "out"), expected_urls(site))   # the seed is printed above
