"""NEWSBOT_DELIVERY_DEADLINE: how long a run may wait on delivery beyond its crawl's own work.

Per-request timeouts and the retry schedule bound one attempt and one batch; a target that hangs
still costs every batch its whole schedule (4 attempts x 60 s read timeout, by default), and the
run waits for all of them. The deadline bounds the total instead. Its clock runs while the run
does nothing but deliver: while it re-sends the spool before crawling (a phase: `resend_pending`,
also `scrapy deliver`), and from the moment the crawl's work is done (`crawl_ended`, the
spider_closed signal: the last batches and the manifests are delivered after it). The re-send at
the start spends from the same budget. A batch delivered during the crawl (batch rollover) runs
beside the crawl, but its retries are bounded by the budget too, counted from its first attempt:
so an attempt in flight when the crawl ends never outlives the run's deadline either.

Once the deadline has passed no attempt or retry starts, and an attempt starting before it gets
connect and read timeouts of at most the time left (`Deliverer`, `attempt_timeouts`): a hung
target is given up at the deadline (within a second); an upload still moving may finish. What is
not delivered stays in the spool, as for any failure: nothing is lost, and the next run or
`scrapy deliver` sends it once (S3 objects and local `-O` files are overwritten in place; `-o`
appends are recognised). The run reports all such batches on one line (`deadline_line`) and
exits 4.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from scrapy.settings import BaseSettings

SETTING = "NEWSBOT_DELIVERY_DEADLINE"


class DeliveryDeadline:
    """One run's (or one `scrapy deliver`'s) delivery budget, on the monotonic clock. Shared by the
    threads that deliver batches: a few float reads and writes, no lock needed."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = float(seconds)
        self.clock = clock
        self.spent = 0.0                         # by phases that ended (the re-send at the start)
        self.phase_started: float | None = None  # a phase of nothing but delivery is running
        self.crawl_ended_at: float | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "DeliveryDeadline":
        return cls(settings.getfloat(SETTING))

    def budget(self) -> float:
        return max(0.0, self.seconds - self.spent)

    @contextmanager
    def phase(self) -> Iterator[None]:
        """The run waits on delivery alone meanwhile (re-sending the spool); its time is spent
        from the budget."""
        if self.phase_started is not None:   # nested: the outer phase counts
            yield
            return
        self.phase_started = self.clock()
        try:
            yield
        finally:
            self.spent += self.clock() - self.phase_started
            self.phase_started = None

    def crawl_ended(self) -> None:
        """The crawl's own work is done: what is left of the budget is all the run still waits."""
        if self.crawl_ended_at is None:
            self.crawl_ended_at = self.clock()

    def ends_at(self, batch_started: float) -> float:
        """When the delivery of a batch first attempted at `batch_started` must stop."""
        start = min(batch_started,
                    math.inf if self.crawl_ended_at is None else self.crawl_ended_at,
                    math.inf if self.phase_started is None else self.phase_started)
        return start + self.budget()

    def remaining(self, batch_started: float) -> float:
        """Seconds left for that batch (<= 0: no attempt starts)."""
        return self.ends_at(batch_started) - self.clock()

    def passed(self) -> bool:
        """For a batch not yet attempted: would it get no attempt at all?"""
        return self.remaining(self.clock()) <= 0


def attempt_timeouts(connect: float, read: float, remaining: float) -> tuple[float, float]:
    """An attempt's connect and read timeouts: the configured ones, cut to the time left, counted
    in whole seconds (so attempts near the deadline share a few S3 clients rather than each
    building its own: the deadline may be overrun by less than a second)."""
    left = float(math.ceil(remaining))
    return min(connect, left), min(read, left)


def deadline_line(seconds: float, outcomes: Iterable, spool_root: Path | str, next_step: str) -> str:
    """The one line for every batch the deadline left in the spool (`outcomes`: theirs; the last
    error of one that was attempted is named, already free of secrets: Deliverer redacts it)."""
    outcomes = list(outcomes)
    batches = [o.meta for o in outcomes if o.meta.kind != "manifest"]
    manifests = len(outcomes) - len(batches)
    what = f"{len(batches)} batch(es) with {sum(m.items for m in batches)} item(s)"
    if manifests:
        what += f" and {manifests} manifest(s)"
    tried = [o.cause for o in outcomes if o.attempts]
    cause = f"; last error: {tried[-1]}" if tried else ""
    return (f"delivery deadline passed ({SETTING}={seconds:g}s{cause}): {what} wait in the spool "
            f"{spool_root}; {next_step}")
