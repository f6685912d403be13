"""Exit codes of `scrapy crawl` itself when a run breaks the health policy (real crawls, local server)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsbot import exitcodes
from tests.conftest import ROOT
from tests.support.localsite import LocalSite

# Real crawls of a local site, one process each (the quick loop has test_health_rules).
pytestmark = pytest.mark.slow

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
FAST = ["-s", "SPIDER_MODULES=tests.support.local_spiders", "-s", "ROBOTSTXT_OBEY=False", "-s", "RETRY_TIMES=1",
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=5"]


def crawl(spider: str, base: str, *extra: str, wait: bool = True):
    cmd = [SCRAPY, "crawl", spider, "-a", f"base={base}", *FAST, *extra]
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)


def summary_of(home: Path, spider: str) -> dict:
    paths = sorted((home / "runs" / spider).glob("*/run-summary.json"))
    assert paths, f"no run summary under {home}/runs/{spider}"
    return json.loads(paths[-1].read_text("utf-8"))


def health_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "run failed (exit" in line]


def test_healthy_run_exits_0_and_writes_summary(isolated_newsbot_home):
    with LocalSite("ok") as site:
        result = crawl("local_politics", site.base)
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    summary = summary_of(isolated_newsbot_home, "local_politics")
    assert summary["items"] == 3 and summary["exit_code"] == 0 and summary["health"] == []
    assert summary["requests"] == {"ok": 4, "failed": 0}
    assert summary["field_coverage"]["title"] == 1.0 and summary["field_coverage"]["published_at"] == 1.0
    assert "=== newsbot run summary: local_politics" in result.stderr


def test_all_requests_500_exits_unhealthy(isolated_newsbot_home):
    with LocalSite("500") as site:
        result = crawl("local_politics", site.base)
    assert result.returncode == exitcodes.UNHEALTHY, result.stderr[-3000:]
    lines = health_lines(result.stderr)
    assert any("min_items: 0 article(s)" in line for line in lines)
    assert any("max_error_ratio: 100% errors" in line and "http_500=1" in line for line in lines)
    assert summary_of(isolated_newsbot_home, "local_politics")["errors"] == {"http_500": 1}


def test_connection_refused_exits_unhealthy(isolated_newsbot_home):
    with socket.socket() as probe:        # a port nobody listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = crawl("local_politics", f"http://127.0.0.1:{port}")
    assert result.returncode == exitcodes.UNHEALTHY, result.stderr[-3000:]
    lines = health_lines(result.stderr)
    assert any("max_error_ratio" in line and "download_DownloadConnectionRefusedError=1" in line for line in lines), lines


def test_callback_raising_exits_unhealthy(isolated_newsbot_home):
    with LocalSite("ok") as site:
        result = crawl("local_raising", site.base)
    assert result.returncode == exitcodes.UNHEALTHY, result.stderr[-3000:]
    lines = health_lines(result.stderr)
    assert any("3 callback exception(s)" in line for line in lines), lines
    assert summary_of(isolated_newsbot_home, "local_raising")["errors"] == {"callback_ValueError": 3}


def test_zero_items_exits_unhealthy(isolated_newsbot_home):
    with LocalSite("no_links") as site:
        result = crawl("local_politics", site.base)
    assert result.returncode == exitcodes.UNHEALTHY
    lines = health_lines(result.stderr)
    assert len(lines) == 1 and "min_items: 0 article(s) found" in lines[0]


def test_missing_required_field_in_most_items_exits_unhealthy(isolated_newsbot_home):
    with LocalSite("no_dates", articles=4) as site:
        result = crawl("local_politics", site.base)
    assert result.returncode == exitcodes.UNHEALTHY, result.stderr[-3000:]
    lines = health_lines(result.stderr)
    assert len(lines) == 1 and "max_missing_ratio: 3 of 4 item(s) miss a required field (published_at=3)" in lines[0]


def test_policy_is_a_setting(isolated_newsbot_home):
    # The same broken site passes when the spider's policy tolerates missing dates.
    with LocalSite("no_dates", articles=4) as site:
        result = crawl("local_politics", site.base, "-s", "NEWSBOT_HEALTH_MAX_MISSING_RATIO=0.8")
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]


def test_overlapping_runs_second_exits_locked(isolated_newsbot_home):
    with LocalSite("slow", articles=2, delay=30.0) as site:
        first = crawl("local_politics", site.base, wait=False)
        try:
            lock = isolated_newsbot_home / "locks" / "local_politics.lock"
            deadline = time.monotonic() + 20
            while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
                assert time.monotonic() < deadline and first.poll() is None, "first run never took the lock"
                time.sleep(0.05)
            second = crawl("local_politics", site.base)
            site.release.set()                          # now let the first run finish
            first_out, _ = first.communicate(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
    assert second.returncode == exitcodes.LOCKED, second.stderr[-3000:]
    assert f"another run of local_politics is in progress (pid {first.pid}" in second.stderr
    assert "[exit 3]" not in second.stderr          # a locked run is not judged unhealthy
    assert first.returncode == exitcodes.OK, first_out[-3000:]


def test_progress_line_at_steady_interval(isolated_newsbot_home):
    with LocalSite("slow", articles=2, delay=1.0) as site:     # articles answer after 1 s
        result = crawl("local_politics", site.base, "-s", "NEWSBOT_PROGRESS_INTERVAL=0.25")
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if "progress: " in line]
    assert len(lines) >= 3
    # While the articles are held back: the section page is in, no item yet.
    assert any("1 pages, 0 items, 0 failed requests" in line and "pages/min" in line for line in lines), lines
