"""Article texts and facts the dedup tests share (unit: bands, batcher; integration: the store)."""

from __future__ import annotations

from newsbot.dedup import ArticleFacts
from newsbot.pipelines.finalize import content_hash

WIRE = ("The measure passed after a debate that ran past midnight, with several opposition lawmakers "
        "crossing the floor. The package raises spending on hospitals and regional rail while trimming "
        "subsidies for fossil fuel producers, a trade-off the finance minister called the fairest available. "
        "Opposition leaders said the cuts would fall hardest on rural households and promised to revisit the "
        "subsidies if they win the next election. The upper chamber is expected to take up the bill next week "
        "and analysts expect it to return the bill with minor amendments. Ratings agencies have warned that "
        "the debt ratio must fall over the next three years.")
OTHER = ("The harbour council postponed a vote on the container terminal expansion after residents packed "
         "the chamber to object to night-time dredging. Councillors said they needed more time to study a "
         "noise report commissioned by the port authority, which found that dredging would exceed limits near "
         "two schools. The expansion would double the terminal's capacity.")


def facts(url, body, outlet="a", canonical=None, updated_at=None):
    return ArticleFacts(url=url, outlet=outlet, body=body, content_hash=content_hash(body),
                        canonical_url=canonical, updated_at=updated_at)


def _story(n: int, words: int = 90) -> str:
    return f"Story {n}: " + " ".join(f"w{n}x{i}" for i in range(words)) + "."
