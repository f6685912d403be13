"""A spool that cannot be written (issue 17): real `scrapy crawl` runs of the generated site on
127.0.0.1 with the default settings (politeness delays included), the spool made immutable with
chattr or put on a tiny tmpfs. The run exits 4 with one line saying how many items are kept
where and how many the next run crawls again, never a traceback; once the spool is writable, the
next run delivers exactly the missing articles: nothing lost, nothing twice."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsbot import exitcodes

from tests.conftest import ROOT
from tests.support.helpers import assert_each_once, chattr, failure_line, mount_tmpfs, run_scrapy
from tests.support.services import politics_site

ARTICLES = 30
SPIDER = ["generated_site", "-s", "SPIDER_MODULES=benchmarks.spiders"]
KEPT = re.compile(r"(\d+) item\(s\) in \d+ batch\(es\) kept in (\S+?):")
NOT_KEPT = re.compile(r"(\d+) item\(s\) in \d+ batch\(es\) not kept: the dedup state forgot them")

pytestmark = pytest.mark.slow


def crawl_args(site: str, out: Path, batch: int | None) -> list[str]:
    feed = f"{out}-%(batch_id)03d.jsonl" if batch else f"{out}.jsonl"
    args = ["crawl", *SPIDER, "-a", f"site={site}", "-O", f"{feed}:jsonl"]
    return args + (["-s", f"FEED_EXPORT_BATCH_ITEM_COUNT={batch}"] if batch else [])


def delivered(workdir: Path, prefix: str) -> list[str]:
    urls = []
    for path in sorted(workdir.glob(f"{prefix}*.jsonl")):
        urls += [json.loads(line)["url"] for line in path.read_text("utf-8").splitlines() if line.strip()]
    return urls


def spooled_or_delivered(spool: Path, workdir: Path, prefix: str = "out1") -> int:
    """Lines in the feed files named `prefix`* and in the spool's batches (delivered or on their way)."""
    lines = len(delivered(workdir, prefix))
    for data in spool.glob("*/*/data"):
        try:
            lines += data.read_bytes().count(b"\n")
        except OSError:
            pass   # moved between glob and read
    return lines


def expected_urls(site: str) -> set[str]:
    from tests.support.sites.politics_site import article_path
    return {f"{site}{article_path(n)}" for n in range(ARTICLES)}


def crawl_broken_mid_run(args: list[str], progress, at: int, breaks, repairs) -> subprocess.CompletedProcess:
    """Run `scrapy *args`; once `progress()` reaches `at`, call `breaks()` and let the run end;
    `repairs()` in any case (so a failing test leaves no immutable folder behind)."""
    proc = subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and progress() < at:
            assert time.monotonic() < deadline, "the crawl made no progress"
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl ended before the fault could be made"
        breaks()
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        repairs()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def assert_recovered(site: str, tmp_path: Path, first: subprocess.CompletedProcess, batch: int | None) -> None:
    """The first run's line accounts for every article; the second run delivers the rest once."""
    line = failure_line(first)
    assert first.returncode == exitcodes.UNDELIVERED, first.stderr[-4000:]
    assert "all rules passed" not in first.stderr      # not next to the line saying the run failed
    kept = sum(int(n) for n, _ in KEPT.findall(line))
    not_kept = sum(int(n) for n in NOT_KEPT.findall(line))
    assert kept or not_kept, line
    assert "next run" in line, line
    first_urls = delivered(tmp_path, "out1")
    print(f"first run: {len(first_urls)} delivered, {kept} kept, {not_kept} not kept")
    assert len(first_urls) + kept + not_kept == ARTICLES, (len(first_urls), kept, not_kept, line)

    second = run_scrapy(*crawl_args(site, tmp_path / "out2", batch), replay=None, timeout=300)
    assert second.returncode == exitcodes.OK, second.stderr[-4000:]
    assert "Traceback" not in second.stderr
    # Kept batches go to the first run's own files (their targets); re-crawled ones to the second's.
    assert_each_once(delivered(tmp_path, "out1") + delivered(tmp_path, "out2"), expected_urls(site))
    assert len(delivered(tmp_path, "out2")) == not_kept


@pytest.mark.parametrize("batch", [None, 10], ids=["one-batch", "batches-of-10"])
def test_spool_made_immutable_mid_run_loses_and_repeats_nothing(batch, tmp_path, isolated_newsbot_home):
    spool = isolated_newsbot_home / "spool"
    folders = (spool, spool / "writing", spool / "ready")
    with politics_site(ARTICLES) as site:
        # Mid-run: half the articles written (in the middle of a batch of 10), the rest to come.
        first = crawl_broken_mid_run(crawl_args(site, tmp_path / "out1", batch),
                                     lambda: spooled_or_delivered(spool, tmp_path), ARTICLES // 2,
                                     lambda: [chattr("+i", folder) for folder in folders],
                                     lambda: [chattr("-i", folder) for folder in folders])
        assert_recovered(site, tmp_path, first, batch)

def test_spool_immutable_before_the_run_keeps_nothing_and_the_next_run_delivers_all(tmp_path, isolated_newsbot_home):
    spool = isolated_newsbot_home / "spool"
    for folder in (spool / "writing", spool / "ready"):
        folder.mkdir(parents=True)
    with politics_site(ARTICLES) as site:
        locked = []
        try:
            for folder in (spool, spool / "writing", spool / "ready"):
                chattr("+i", folder)
                locked.append(folder)
            first = run_scrapy(*crawl_args(site, tmp_path / "out1", None), replay=None, timeout=300)
        finally:
            for folder in locked:
                chattr("-i", folder)
        line = failure_line(first)
        assert f"{ARTICLES} item(s) in 1 batch(es) not kept" in line, line
        assert_recovered(site, tmp_path, first, None)


@pytest.mark.parametrize("size", ["64k", "96k"])
def test_spool_on_a_full_tmpfs_loses_and_repeats_nothing(size, tmp_path, isolated_newsbot_home):
    spool = isolated_newsbot_home / "spool"
    spool.mkdir()
    # Batches of 10 items of 4-9 KB of JSON each: at 64k the first batch's data does not fit (a
    # write fails: the items before it are kept, the rest not); at 96k two are delivered and the
    # third's data fits but not its final meta.json (kept in writing/ for the next run).
    mount_tmpfs(spool, size)
    try:
        with politics_site(ARTICLES) as site:
            first = run_scrapy(*crawl_args(site, tmp_path / "out1", 10), replay=None, timeout=300)
            assert "No space left on device" in failure_line(first)
            # Space freed (what stays in the spool is what the next run delivers).
            subprocess.run(["mount", "-o", "remount,size=16m", str(spool)], check=True)
            assert_recovered(site, tmp_path, first, 10)
    finally:
        subprocess.run(["umount", str(spool)], capture_output=True)


def test_resume_ledger_made_immutable_mid_run_is_one_line_and_loses_nothing(tmp_path):
    jobdir = tmp_path / "job"
    ledger = jobdir / "newsbot-delivered.txt"
    with politics_site(ARTICLES) as site:
        args = [*crawl_args(site, tmp_path / "out1", None), "-s", f"JOBDIR={jobdir}"]
        first = crawl_broken_mid_run(args, lambda: ledger.read_text().count("\n") if ledger.exists() else 0,
                                     ARTICLES // 3, lambda: chattr("+i", ledger),
                                     lambda: ledger.exists() and chattr("-i", ledger))
    line = failure_line(first)
    assert first.returncode == exitcodes.UNDELIVERED
    assert "the resume ledger" in line and "delivered item(s) not recorded in it" in line, line
    # The ledger is bookkeeping for a restart: every article is delivered, once.
    urls = delivered(tmp_path, "out1")
    assert len(urls) == len(set(urls)) == ARTICLES
