"""Exit codes of newsbot's commands (`scrapy crawl` included) and how components ask for one.

A component that finds the run unhealthy calls `fail_run(crawler, code, reason)`; the `crawl`
command (newsbot/commands/crawl.py) exits with the highest code asked for, after the crawl ends.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

OK = 0
SCRAPY_ERROR = 1        # Scrapy's own: the crawler could not start
USAGE = 2               # Scrapy's own: bad command line
UNHEALTHY = 3           # a health rule was broken (too few items, too many errors, missing fields)
UNDELIVERED = 4         # a feed batch could not be delivered; it stays in the spool
LOCKED = 5              # another run of the same spider holds the lock
CONFIG = 6              # a required component is missing or misconfigured (browser, storage)

MEANINGS = {OK: "ok", SCRAPY_ERROR: "error", USAGE: "usage", UNHEALTHY: "unhealthy",
            UNDELIVERED: "undelivered", LOCKED: "locked", CONFIG: "config"}

STAT_CODE = "newsbot/exit/code"
STAT_REASONS = "newsbot/exit/reasons"


def fail_run(crawler: Crawler, code: int, reason: str) -> None:
    """Record that the run must end with (at least) `code`; `reason` is one human line."""
    stats = crawler.stats
    stats.max_value(STAT_CODE, code)
    reasons = list(stats.get_value(STAT_REASONS) or [])
    reasons.append(f"[exit {code}] {reason}")
    stats.set_value(STAT_REASONS, reasons)
    logger.error("run failed (exit %d): %s", code, reason)


class StartRefused(Exception):
    """Raised while a crawler starts (spider arguments, add-ons, components built before the engine
    opens anything): the run does not start, the command logs `reason` as one line and exits `code`."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class UsageRefused(StartRefused):
    """A bad command line (spider argument): exit 2."""

    def __init__(self, reason: str):
        super().__init__(USAGE, reason)


def refuse(code: int, reason: str) -> int:
    """Log why a run did not start, as `fail_run` words it (on one line), and return the exit code."""
    logger.error("run failed (exit %d): %s", code, " ".join(str(reason).split()))
    return code


def exit_code_of(crawler: Crawler) -> int:
    return int(crawler.stats.get_value(STAT_CODE) or OK)
