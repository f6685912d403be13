"""Whole crawls over recordings with dedup state kept between runs (scrapy crawl subprocesses)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPLAY, ROOT

# Real `scrapy crawl` runs over the recordings, on SQLite and Redis (the quick loop's dedup tests
# are test_dedup_store, test_dedup_middleware, test_dedup_bands, ...).
pytestmark = pytest.mark.slow

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
WIRE = FIXTURES / "wire_outlets"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]

@pytest.fixture(autouse=True)
def plain_pages_only(monkeypatch):
    """Dedup is under test, not rendering: the Nikkei recordings give their 4 plain articles."""
    monkeypatch.setenv("NEWSBOT_RENDERING", "never")



def crawl(spider: str, out: Path, replay: Path, *extra: str, env: dict | None = None) -> list[dict]:
    full_env = {**os.environ, "NEWSBOT_REPLAY": str(replay), **(env or {})}
    done = subprocess.run([SCRAPY, "crawl", spider, "-O", f"{out}:jsonl", *FAST, *extra], cwd=ROOT,
                          env=full_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def test_second_crawl_over_same_recordings_writes_nothing(tmp_path, state_url):
    env = {"NEWSBOT_STATE": state_url}
    first = crawl("nikkei_asia", tmp_path / "1.jsonl", REPLAY, env=env)
    assert len(first) == 4 and all(item["version"] == 1 and item["duplicate_of"] is None for item in first)
    second = crawl("nikkei_asia", tmp_path / "2.jsonl", REPLAY, env=env)
    assert second == []


def test_default_state_lives_in_newsbot_home(tmp_path, isolated_newsbot_home):
    assert len(crawl("nikkei_asia", tmp_path / "1.jsonl", REPLAY)) == 4
    assert (isolated_newsbot_home / "state.sqlite").is_file()
    assert crawl("nikkei_asia", tmp_path / "2.jsonl", REPLAY) == []
    stats = subprocess.run([SCRAPY, "dedup", "stats"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert json.loads(stats.stdout)["per_outlet"] == {"nikkei_asia": 4}
    url = "https://asia.nikkei.com/Politics/Japan-upper-house-passes-record-defense-budget"
    lookup = subprocess.run([SCRAPY, "dedup", "lookup", url + "?utm_source=newsletter"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert lookup.returncode == 0 and json.loads(lookup.stdout)["key"] == url
    forget = subprocess.run([SCRAPY, "dedup", "forget", url], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert forget.returncode == 0
    # Forgotten, so fetched and written again; the other three stay known.
    again = crawl("nikkei_asia", tmp_path / "3.jsonl", REPLAY)
    assert [item["url"] for item in again] == [url]
    reset = subprocess.run([SCRAPY, "dedup", "reset", "--outlet", "nikkei_asia"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert "removed 4" in reset.stdout


def wire_crawls(tmp_path: Path, env: dict, *extra: str) -> list[dict]:
    items = []
    for spider in ("harbour_times", "valley_post"):
        items += crawl(spider, tmp_path / f"{spider}.jsonl", WIRE, "-s", "SPIDER_MODULES=tests.support.spiders", *extra,
                       env=env)
    return items


def test_wire_story_on_two_outlets_and_url_variants_yield_one_item(tmp_path, state_url):
    items = wire_crawls(tmp_path, {"NEWSBOT_STATE": state_url})
    titles = sorted(item["title"] for item in items)
    # The budget wire story is linked three ways on one outlet (tracking, AMP, plain) and carried
    # with another intro and boilerplate on the other: one item, from the outlet seen first.
    assert titles == ["Harbour council delays vote on port expansion",
                      "Parliament passes budget after all-night debate",
                      "Valley mayor announces re-election bid"]


def test_link_mode_emits_the_copy_pointing_to_the_first(tmp_path, state_url):
    items = wire_crawls(tmp_path, {"NEWSBOT_STATE": state_url, "NEWSBOT_DEDUP_MODE": "link"})
    linked = [item for item in items if item["duplicate_of"]]
    assert len(items) == 4 and len(linked) == 1
    assert linked[0]["outlet"] == "valley_post"
    assert linked[0]["duplicate_of"] == ("https://harbourtimes.example/politics/2026/11/28/"
                                         "parliament-passes-budget-after-all-night-debate")


def test_changed_article_is_emitted_as_version_2(tmp_path, state_url):
    env = {"NEWSBOT_STATE": state_url}
    replay = tmp_path / "replay"
    shutil.copytree(REPLAY / "nikkei_asia", replay / "nikkei_asia")
    assert len(crawl("nikkei_asia", tmp_path / "1.jsonl", replay, env=env)) == 4
    page = replay / "nikkei_asia" / "article-ldp-leadership-race.html"
    html = page.read_text("utf-8")
    changed = html.replace('<h2>Factions in flux</h2>', '<h2>Update</h2>\n<p>' + " ".join(
        ["Former defense minister Shigeru Ishiba and digital minister Taro Kono formally declared their "
         "candidacies on Friday, bringing the field to nine, the largest since the party was founded."] * 3)
        + '</p>\n<h2>Factions in flux</h2>').replace(
        '"dateModified":"2024-08-20T19:45:00+09:00"', '"dateModified":"2024-08-23T12:00:00+09:00"')
    assert changed != html
    page.write_text(changed, "utf-8")
    # A scheduled run refetches known articles only once NEWSBOT_DEDUP_REFETCH_HOURS have passed.
    assert crawl("nikkei_asia", tmp_path / "2.jsonl", replay, env=env) == []
    updated = crawl("nikkei_asia", tmp_path / "3.jsonl", replay, "-s", "NEWSBOT_DEDUP_REFETCH_HOURS=0", env=env)
    assert [(item["title"], item["version"]) for item in updated] == [
        ("LDP sets date for leadership race as factions weigh candidates", 2)]
    assert "Ishiba" in updated[0]["body"]
