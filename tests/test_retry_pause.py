"""Retry-After with the settings users run (DOWNLOAD_DELAY 0.5, AutoThrottle on, default retries and
timeouts): the domain's slot is held, the retry waits in it, nothing fails (local fault site)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.faultsite import FaultSite

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
STORIES, LIMITED = 8, 4


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_holds_the_domain_with_default_delays(tmp_path, status):
    site = FaultSite(jobs_articles=STORIES, jobs_delay=0.05, jobs_rate_limited=LIMITED,
                     jobs_rate_limit_status=status).start()
    try:
        result = subprocess.run(
            [SCRAPY, "runspider", str(ROOT / "tests" / "faultspider.py"), "-a", f"site={site.base}", "-a", "jobs=1",
             "-a", f"stats_file={tmp_path / 'stats.json'}", "-o", f"{tmp_path / 'out.jsonl'}:jsonl",
             # The site's stories share their paragraphs: as stories they are duplicates.
             "-s", "NEWSBOT_DEDUP_ENABLED=False"],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "AttributeError" not in result.stderr, result.stderr[-3000:]
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats["newsbot/retry/retry_after_honoured"] == 1
    assert stats["newsbot/retry/domain_paused"] == 1
    assert stats.get("newsbot/retry/gave_up", 0) == 0
    assert len((tmp_path / "out.jsonl").read_text("utf-8").splitlines()) == STORIES
    limited = f"/jobs/a/story-{LIMITED:03d}"
    first, second = site.times(limited)
    assert second - first >= 2.0                       # Retry-After: 2
    # Stories were still waiting (a new one starts about every delay, ~0.5-1 s, without the
    # pause), yet nothing new started at that domain until the time asked had passed.
    later = [t for path, t in site.hits if path.startswith("/jobs/a/") and path != limited and t > first]
    assert later, "no story was left to crawl after the rate-limited one"
    assert [t for t in later if first + 0.1 < t < first + 2.0] == []
