"""The dedup pipeline decides the items of one event-loop turn as a batch, in arrival order."""

from __future__ import annotations

import asyncio

import pytest

from newsbot.dedup import DedupIndex, open_store
from newsbot.dedup.signature import Signer
from newsbot.pipelines.dedup import DecisionBatcher
from tests.support.dedup_stories import OTHER, WIRE, _story, facts


class CountingIndex(DedupIndex):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []

    def check_many(self, batch):
        self.batches.append(len(batch))
        return super().check_many(batch)


@pytest.fixture
def index(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield CountingIndex(store, Signer(threshold=0.5))
    store.close()


def test_items_of_one_turn_are_one_batch_decided_in_arrival_order(index):
    batcher = DecisionBatcher(index, max_size=100)

    async def crawl():
        first = await asyncio.gather(*(batcher.decide(f) for f in [
            facts("https://a.example/p/budget", WIRE), facts("https://b.example/budget", WIRE.upper(), outlet="b"),
            facts("https://a.example/p/port", OTHER)]))
        later = await batcher.decide(facts("https://a.example/p/budget?utm_source=x", WIRE))
        return first, later

    first, later = asyncio.run(crawl())
    assert [d.kind for d in first] == ["new", "duplicate", "new"]
    assert first[1].duplicate_of == "https://a.example/p/budget"   # the first to arrive is kept
    assert later.kind == "unchanged"
    assert index.batches == [3, 1]


def test_a_full_batch_is_decided_without_waiting_for_the_turn_to_end(index):
    batcher = DecisionBatcher(index, max_size=2)

    async def crawl():
        futures = [batcher.decide(facts(f"https://a.example/p/{n}", _story(n)))
                   for n in range(5)]
        assert [future.done() for future in futures] == [True, True, True, True, False]
        return await asyncio.gather(*futures)

    assert [d.kind for d in asyncio.run(crawl())] == ["new"] * 5
    assert index.batches == [2, 2, 1]


def test_a_failed_batch_fails_each_of_its_items_and_records_none(index):
    batcher = DecisionBatcher(index, max_size=100)
    index.store.close()   # the state is gone: every statement fails

    async def crawl():
        return await asyncio.gather(batcher.decide(facts("https://a.example/p/budget", WIRE)),
                                    batcher.decide(facts("https://a.example/p/port", OTHER)),
                                    return_exceptions=True)

    results = asyncio.run(crawl())
    assert len(results) == 2 and all(isinstance(r, Exception) for r in results)
    assert index.batches == [2]
