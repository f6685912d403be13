"""Site-learned boilerplate: learned during a crawl, persisted in SQLite or Redis, per outlet."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import time

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newsbot.cleaning.boilerplate import (
    BoilerplateLearner,
    RedisBoilerplateStore,
    SQLiteBoilerplateStore,
    fingerprint,
    open_boilerplate_store,
    state_url,
)
from newsbot.items import ArticleItem
from newsbot.pipelines.clean import LearnedBoilerplatePipeline
from tests.conftest import require_binary

TEMPLATE = "Get our free politics briefing every weekday morning, straight from the newsroom desk."


PLACES = ["Osaka", "Nagoya", "Sapporo", "Fukuoka", "Sendai", "Kobe", "Kyoto", "Hiroshima", "Naha", "Niigata"]


def _article(n: int) -> list[str]:
    # Articles differ in words, not only digits (digits are folded in fingerprints).
    place = PLACES[n % len(PLACES)]
    return [f"Story {n}: the {place} assembly voted on the amendment before adjourning for the night.",
            TEMPLATE, f"A lawmaker from {place} said the result would be appealed in court within days."]


def _item(n: int, outlet: str = "example") -> ArticleItem:
    return ArticleItem(url=f"https://example.com/politics/story-{n}", outlet=outlet, title=f"Story {n}",
                       body="\n\n".join(_article(n)), language="en")


def _exercise_learner(store) -> None:
    learner = BoilerplateLearner(store, min_articles=3)
    # The first two articles teach; from the third, the recurring paragraph is template.
    assert learner.observe("example", "https://example.com/1", _article(1), now=1000.0) == set()
    assert learner.observe("example", "https://example.com/2", _article(2), now=1001.0) == set()
    assert learner.observe("example", "https://example.com/3", _article(3), now=1002.0) == {1}
    # Re-crawling an article already counted does not count it again.
    for _ in range(5):
        learner.observe("example", "https://example.com/4", _article(4), now=1003.0)
    assert store.counts("example", ["x"]) == {}
    # Another outlet has learned nothing.
    assert learner.observe("other", "https://other.example/1", _article(1), now=1004.0) == set()


def test_learner_with_sqlite_store(tmp_path):
    store = SQLiteBoilerplateStore(tmp_path / "state.sqlite")
    _exercise_learner(store)
    # The article's own sentences never reached the threshold, even after five re-crawls of article 4.
    learner = BoilerplateLearner(store, min_articles=3)
    assert learner.observe("example", "https://example.com/4", _article(4), now=1005.0) == {1}
    store.close()


def test_sqlite_store_persists_across_runs_and_keeps_its_own_tables(tmp_path):
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as other:  # another component's table in the same file is untouched
        other.execute("CREATE TABLE dedup_seen (key TEXT PRIMARY KEY)")
        other.execute("INSERT INTO dedup_seen VALUES ('k')")
    first = BoilerplateLearner(SQLiteBoilerplateStore(path), min_articles=3)
    for n in (1, 2, 3):
        first.observe("example", f"https://example.com/{n}", _article(n), now=1000.0 + n)
    first.close()
    # The next scheduled run knows the template from its first item.
    second = BoilerplateLearner(SQLiteBoilerplateStore(path), min_articles=3)
    assert second.observe("example", "https://example.com/9", _article(9), now=1010.0) == {1}
    second.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT key FROM dedup_seen").fetchall() == [("k",)]


def test_sightings_that_never_became_template_are_forgotten_after_the_window(tmp_path):
    store = SQLiteBoilerplateStore(tmp_path / "state.sqlite")
    BoilerplateLearner(store, min_articles=3, window_days=1).observe("example", "https://e/1", _article(1), now=0.0)
    assert store.counts("example", [fingerprint(TEMPLATE)]) == {fingerprint(TEMPLATE): 1}
    later = BoilerplateLearner(store, min_articles=3, window_days=1)
    later.observe("example", "https://e/2", _article(2), now=3 * 86400.0)
    # Only article 2's sighting remains: article 1's was pruned, so the template is at 1, not 2.
    assert store.counts("example", [fingerprint(TEMPLATE)]) == {fingerprint(TEMPLATE): 1}
    store.close()


def test_state_url_defaults_to_sqlite_in_newsbot_home(isolated_newsbot_home):
    assert state_url(Settings()) == f"sqlite:///{(isolated_newsbot_home / 'state.sqlite').resolve()}"
    store = open_boilerplate_store(Settings({"NEWSBOT_STATE": f"sqlite:///{isolated_newsbot_home}/other.sqlite"}))
    store.close()
    assert (isolated_newsbot_home / "other.sqlite").is_file()
    with pytest.raises(ValueError, match="NEWSBOT_STATE"):
        open_boilerplate_store(Settings({"NEWSBOT_STATE": "ftp://nowhere"}))


def test_relative_sqlite_state_is_the_same_file_for_dedup_and_boilerplate(tmp_path, monkeypatch):
    from newsbot.dedup import open_store
    monkeypatch.chdir(tmp_path)
    store = open_boilerplate_store(Settings({"NEWSBOT_STATE": "sqlite:///state/rel.sqlite"}))
    store.close()
    dedup = open_store("sqlite:///state/rel.sqlite")
    assert dedup.path.resolve() == (tmp_path / "state" / "rel.sqlite").resolve()
    tables = {r[0] for r in dedup.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "boilerplate_paragraphs"} <= tables
    dedup.close()


def test_pipeline_removes_learned_template_and_counts_it(isolated_newsbot_home):
    crawler = get_crawler(settings_dict={"NEWSBOT_BOILERPLATE_MIN_ARTICLES": 3})
    crawler.stats.open_spider()
    pipeline = LearnedBoilerplatePipeline.from_crawler(crawler)
    bodies = [pipeline.process_item(_item(n)).body for n in range(1, 5)]
    pipeline.close_spider()
    assert TEMPLATE in bodies[0] and TEMPLATE in bodies[1]
    assert TEMPLATE not in bodies[2] and TEMPLATE not in bodies[3]
    assert bodies[3] == "\n\n".join(_article(4)[::2])
    assert crawler.stats.get_value("newsbot/junk/learned_boilerplate") == 2
    assert (isolated_newsbot_home / "state.sqlite").is_file()


def test_pipeline_survives_a_broken_state_store(tmp_path):
    crawler = get_crawler(settings_dict={"NEWSBOT_STATE": "redis://127.0.0.1:1/0"})
    crawler.stats.open_spider()
    pipeline = LearnedBoilerplatePipeline.from_crawler(crawler)
    item = pipeline.process_item(_item(1))
    assert item.body == "\n\n".join(_article(1))
    assert crawler.stats.get_value("newsbot/boilerplate/errors") == 1


@pytest.fixture
def redis_url(tmp_path):
    binary = require_binary("redis-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_learner_with_real_redis(redis_url):
    store = open_boilerplate_store(Settings({"NEWSBOT_STATE": redis_url}))
    assert isinstance(store, RedisBoilerplateStore)
    _exercise_learner(store)
    keys = sorted(k.decode() for k in store.redis.keys("*"))
    assert keys and all(k.startswith("newsbot:boilerplate:") for k in keys)
    assert store.redis.ttl("newsbot:boilerplate:example:articles") > 0
    store.close()
