"""The dedup index and state store, run identically on SQLite and on a real redis-server."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from newsbot.dedup import ArticleFacts, DedupIndex, open_store, state_url as configured_state_url
from newsbot.dedup.signature import Signer
from scrapy.settings import Settings
from tests.conftest import ROOT
from tests.support.dedup_stories import OTHER, WIRE, _story, facts


@pytest.fixture
def index(state_url):
    store = open_store(state_url)
    yield DedupIndex(store, Signer(threshold=0.5))
    store.close()


def test_default_state_is_sqlite_under_newsbot_home(isolated_newsbot_home, monkeypatch):
    assert configured_state_url() == f"sqlite:///{(isolated_newsbot_home / 'state.sqlite').resolve()}"
    monkeypatch.setenv("NEWSBOT_STATE", "redis://127.0.0.1:1/0")
    assert configured_state_url() == "redis://127.0.0.1:1/0"
    assert configured_state_url(Settings({"NEWSBOT_STATE": "sqlite:///x.db"})) == "sqlite:///x.db"
    with pytest.raises(ValueError, match="NEWSBOT_STATE"):
        open_store("postgres://user:secret@db/x")


def test_new_then_unchanged_then_url_variant(index):
    assert index.check(facts("https://a.example/p/budget?utm_source=x", WIRE)).kind == "new"
    assert index.check(facts("https://a.example/p/budget", WIRE)).kind == "unchanged"
    amp = index.check(facts("https://www.a.example/p/budget/amp", WIRE + " Share this article."))
    assert amp.kind == "unchanged" and amp.key == "https://a.example/p/budget"
    assert index.store.last_seen_for_url("https://a.example/p/budget") is not None
    assert index.store.last_seen_for_url("https://a.example/p/other") is None


def test_declared_canonical_links_two_urls(index):
    assert index.check(facts("https://a.example/s/1", WIRE, canonical="https://a.example/p/budget")).kind == "new"
    # Later reached under its canonical URL directly: the same article.
    assert index.check(facts("https://a.example/p/budget", WIRE)).kind == "unchanged"
    assert index.store.article_for_url("https://a.example/s/1") == "https://a.example/p/budget"


def test_exact_and_near_duplicates_point_to_first(index):
    assert index.check(facts("https://a.example/p/budget", WIRE)).kind == "new"
    exact = index.check(facts("https://b.example/n/budget", WIRE.upper(), outlet="b"))
    assert (exact.kind, exact.duplicate_of, exact.similarity) == ("duplicate", "https://a.example/p/budget", 1.0)
    edited = ("Lawmakers gave final approval to the national budget on Friday morning. " + WIRE.replace("several", "a few")
              + " Distributed by Continental Press; additional reporting by staff.")
    near = index.check(facts("https://c.example/budget-vote", edited, outlet="c"))
    assert near.kind == "duplicate" and near.duplicate_of == "https://a.example/p/budget"
    assert 0.5 <= near.similarity < 1.0
    assert index.check(facts("https://a.example/p/port", OTHER)).kind == "new"
    # The dropped copy's URL is remembered, so it is not downloaded again.
    assert index.store.last_seen_for_url("https://c.example/budget-vote") is not None
    assert index.check(facts("https://c.example/budget-vote", edited, outlet="c")).kind == "unchanged"


def test_material_change_is_a_new_version_small_edit_is_not(index):
    url = "https://a.example/p/budget"
    assert index.check(facts(url, WIRE, updated_at="2026-11-28T06:00:00Z")).version == 1
    typo = index.check(facts(url, WIRE.replace("midnight", "midnight,"), updated_at="2026-11-28T06:00:00Z"))
    assert typo.kind == "unchanged"  # punctuation only: the same content_hash
    small = index.check(facts(url, WIRE.replace("several", "many"), updated_at="2026-11-28T06:00:00Z"))
    assert small.kind == "unchanged"
    newer = index.check(facts(url, WIRE.replace("several", "seven"), updated_at="2026-11-28T09:00:00Z"))
    assert (newer.kind, newer.version) == ("update", 2)
    rewritten = index.check(facts(url, OTHER + " The budget vote was postponed.", updated_at="2026-11-28T09:00:00Z"))
    assert (rewritten.kind, rewritten.version) == ("update", 3)
    assert index.store.get(url).version == 3


def test_forget_reset_prune_stats(index):
    index.check(facts("https://a.example/p/budget", WIRE, outlet="a"))
    index.check(facts("https://b.example/n/budget", WIRE, outlet="b"))
    index.check(facts("https://b.example/n/port", OTHER, outlet="b"))
    stats = index.store.stats()
    assert stats["articles"] == 3 and stats["duplicates"] == 1 and stats["per_outlet"] == {"a": 1, "b": 2}
    assert "secret" not in str(stats)
    assert index.store.forget("https://a.example/p/budget")
    assert not index.store.forget("https://a.example/p/budget")
    assert index.store.article_for_url("https://a.example/p/budget") is None
    # With the first copy gone, the same text is new again.
    assert index.check(facts("https://d.example/budget", WIRE, outlet="d")).kind == "new"
    assert index.store.reset_outlet("b") == 2
    assert index.store.stats()["per_outlet"] == {"d": 1}
    assert index.store.prune(time.time() - 3600) == 0
    assert index.store.prune(time.time() + 1) == 1
    assert index.store.stats()["articles"] == 0


def _race(url: str, bodies: list[str], out) -> None:
    store = open_store(url)
    index = DedupIndex(store, Signer(threshold=0.5))
    kinds = [index.check(facts(f"https://x.example/{i}", body)).kind for i, body in enumerate(bodies)]
    store.close()
    out.put(kinds)


def test_concurrent_runs_keep_each_story_once(state_url):
    # Three processes see the same 30 distinct stories at the same time: exactly one keeps each.
    bodies = [f"Story number {i}: " + " ".join(f"word{i}_{j}" for j in range(60)) for i in range(30)]
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    workers = [ctx.Process(target=_race, args=(state_url, bodies, out)) for _ in range(3)]
    for w in workers:
        w.start()
    results = [out.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    news = sum(kinds.count("new") for kinds in results)
    assert news == 30
    assert all(set(kinds) <= {"new", "unchanged"} for kinds in results)


KILLED_WRITER = """
import sys
from newsbot.dedup import ArticleFacts, DedupIndex, open_store
from newsbot.dedup.signature import Signer
index = DedupIndex(open_store(sys.argv[1]), Signer())
i = 0
while True:
    body = f"article {i} " + " ".join(f"w{i}x{j}" for j in range(80))
    index.check(ArticleFacts(f"https://k.example/{i}", "k", body, f"{i:064x}"))
    i += 1
    if i == 20:
        print("ready", flush=True)
"""


@pytest.mark.slow
def test_killed_process_leaves_no_half_record(state_url):
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, state_url], stdout=subprocess.PIPE,
                              cwd=ROOT)
    assert writer.stdout.readline().strip() == b"ready"
    time.sleep(0.2)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    store = open_store(state_url)
    try:
        stats = store.stats()
        assert stats["articles"] >= 20
        # Every remembered article is whole: its URL alias and its content hash lead back to it.
        for i in range(stats["articles"] + 5):
            key = store.article_for_url(f"https://k.example/{i}")
            record = store.get(key) if key else None
            if record is None:
                continue
            assert record.signature and record.content_hash == f"{i:064x}"
            assert store.article_for_hash(record.content_hash) == key
        # And the store still takes writes.
        index = DedupIndex(store, Signer())
        assert index.check(facts("https://k.example/after", WIRE, outlet="k")).kind == "new"
    finally:
        store.close()


def test_grouped_sqlite_decisions_are_durable_only_when_flushed_and_a_kill_loses_only_the_open_group(tmp_path):
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(os.getcwd())!r})
from newsbot.dedup import ArticleFacts, DedupIndex, open_store
from newsbot.dedup.signature import Signer
store = open_store({url!r}, commit_every=4)
index = DedupIndex(store, Signer())
for n in range(6):   # four committed as a group, two left open
    body = f"Story number {{n}} " + " ".join(f"word{{n}}x{{i}}" for i in range(60))
    index.check(ArticleFacts(f"https://a.example/p/{{n}}", "a", body, f"{{n:064x}}"))
os.kill(os.getpid(), signal.SIGKILL)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    store = open_store(url)
    assert store.stats()["articles"] == 4        # whole group kept, the open one gone, no half record
    assert store.article_for_url("https://a.example/p/3") and not store.article_for_url("https://a.example/p/4")
    store.close()


def _batch_articles() -> list[ArticleFacts]:
    """Each case a batch must see from its own earlier decisions: URL variants, exact and near
    copies, updates and unchanged re-visits inside one batch, and against what was stored before."""
    edited = "Lawmakers approved the budget on Friday. " + WIRE.replace("several", "a few")
    return [
        facts("https://a.example/p/budget?utm_source=x", WIRE),                   # stored before the batch
        facts("https://a.example/p/port", OTHER),
        facts("https://a.example/s/9", _story(9), canonical="https://a.example/p/nine"),
        facts("https://n.example/1", _story(1)),                                   # batch starts here
        facts("https://n.example/1?fbclid=abc", _story(1)),                        # URL variant of a batch article
        facts("https://m.example/1-copy", _story(1).upper(), outlet="m"),           # exact copy of one
        facts("https://m.example/1-near", "Breaking: " + _story(1).replace("w1x5 ", "x "), outlet="m"),  # near copy
        facts("https://n.example/1", _story(1) + " Update: the vote was delayed to Friday.",
              updated_at="2026-11-28T09:00:00Z"),                                  # update of a batch article
        facts("https://n.example/1", _story(1) + " Update: the vote was delayed to Friday.",
              updated_at="2026-11-28T09:00:00Z"),                                  # ... seen twice
        facts("https://c.example/budget-vote", edited, outlet="c"),               # near copy of a stored one
        facts("https://a.example/p/budget", WIRE),                                 # unchanged stored one
        facts("https://a.example/p/port", OTHER + " The council will meet again in March.",
              updated_at="2026-11-29T08:00:00Z"),                                  # update of a stored one
        facts("https://b.example/port", OTHER + " The council will meet again in March.", outlet="b"),  # its text
        facts("https://n.example/2", _story(2)),
        facts("https://n.example/3", _story(2).replace("w2x7", "w2x8")),          # near copy, same batch
        facts("https://a.example/p/nine", _story(9) + " Correction: the vote was on Tuesday.",
              updated_at="2026-11-29T10:00:00Z"),                                  # update under one URL...
        facts("https://a.example/s/9", _story(9) + " Correction: the vote was on Tuesday.",
              updated_at="2026-11-29T10:00:00Z"),                                  # ... seen under the other
    ]


def _records(store, keys):
    return [(r.key, r.url, r.content_hash, r.version, r.updated_at, r.duplicate_of, r.signature)
            for key in keys if (r := store.get(key)) is not None]


def test_a_batch_decides_as_its_articles_one_after_another(state_url, tmp_path):
    articles = _batch_articles()
    keys = sorted({DedupIndex.url_keys(a)[-1] for a in articles})
    one_by_one = open_store(f"sqlite:///{tmp_path / 'one-by-one.sqlite'}")
    together = open_store(state_url)
    try:
        clock = lambda: 1_800_000_000.0   # noqa: E731
        sequential = DedupIndex(one_by_one, Signer(threshold=0.5), clock=clock)
        batched = DedupIndex(together, Signer(threshold=0.5), clock=clock)
        expected = [sequential.check(a) for a in articles]
        got = batched.check_many(articles[:3]) + batched.check_many(articles[3:])
        assert got == expected
        assert [d.kind for d in got] == ["new", "new", "new", "new", "unchanged", "duplicate", "duplicate", "update",
                                         "unchanged", "duplicate", "unchanged", "update", "duplicate", "new",
                                         "duplicate", "update", "unchanged"]
        assert _records(together, keys) == _records(one_by_one, keys)
        # And the next batch (or run) sees what this one wrote: nothing is new any more.
        again = batched.check_many(articles)
        assert again == [sequential.check(a) for a in articles]
        assert "new" not in {d.kind for d in again}
    finally:
        one_by_one.close()
        together.close()


def test_undo_puts_the_state_back_as_before_the_decisions(index):
    """A batch that could not be spooled takes its decisions back (newsbot.dedup.pending): the
    next run sees its articles as before this run, so it crawls and delivers them again."""
    kept = index.check(facts("https://a.example/p/kept", OTHER))
    first = index.check(facts("https://a.example/p/budget", WIRE, updated_at="2026-01-01T00:00:00"))
    assert (kept.kind, first.kind) == ("new", "new")
    decisions = index.check_many([
        facts("https://a.example/p/new", WIRE.replace("midnight", "dawn") + " Fresh."),
        facts("https://b.example/copy", WIRE),                       # exact copy of the first
        facts("https://a.example/p/budget", OTHER + " Rewritten entirely.", updated_at="2026-02-01T00:00:00"),
    ])
    assert [d.kind for d in decisions] == ["duplicate", "duplicate", "update"]
    assert decisions[2].prior is not None and decisions[2].prior.version == 1
    index.undo(decisions)
    # As if the batch had never been decided: the same decisions again, versions included.
    again = index.check_many([
        facts("https://a.example/p/new", WIRE.replace("midnight", "dawn") + " Fresh."),
        facts("https://b.example/copy", WIRE),
        facts("https://a.example/p/budget", OTHER + " Rewritten entirely.", updated_at="2026-02-01T00:00:00"),
    ])
    assert [(d.kind, d.key, d.version, d.duplicate_of) for d in again] == \
        [(d.kind, d.key, d.version, d.duplicate_of) for d in decisions]
    assert index.check(facts("https://a.example/p/kept", OTHER)).kind == "unchanged"
