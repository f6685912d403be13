"""The Nikkei Asia crawl on its recordings yields clean bodies, and the closing stats count junk."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPLAY, ROOT, plain_listing_env

# Junk the Nikkei pages carry around their articles (see the fixture HTML and the seed text).
JUNK = ["{{", "Sponsored Content", "free article", "Subscribe", "subscription", "Try 1 month", "Icon",
        "Chevron", "Artboard", "(Nikkei)", "Asian Century", "Find out more", "Offer ends"]


@pytest.mark.slow
def test_nikkei_crawl_on_recordings_has_clean_bodies(tmp_path, isolated_newsbot_home):
    out = tmp_path / "items.jsonl"
    env = {**os.environ, "NEWSBOT_REPLAY": str(REPLAY), "NEWSBOT_HOME": str(isolated_newsbot_home),
           **plain_listing_env()}
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "nikkei_asia", "-O", f"{out}:jsonl", "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(items) >= 4
    for item in items:
        body = item["body"]
        assert body.startswith("TOKYO -- "), item["url"]
        for junk in JUNK:
            assert junk not in body, (junk, item["url"])
    seed = next(i for i in items if i["url"].endswith("Japan-US-working-groups-will-duel-on-economic-cooperation"))
    assert seed["body"].endswith("above the other two.")
    assert seed["paywalled"] is True
    assert "'newsbot/junk/wire_credit': 1" in proc.stderr
    # Learned boilerplate kept its state in NEWSBOT_HOME for the next run.
    assert (isolated_newsbot_home / "state.sqlite").is_file()
