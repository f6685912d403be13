"""Crash-safe resumption of a crawl run with Scrapy's JOBDIR: nothing lost, nothing delivered twice.

Scrapy's JOBDIR keeps the pending-request queue and the seen-requests file, but both are only
consistent after a clean stop (Ctrl-C, CLOSESPIDER_*): after SIGKILL, an OOM kill or a power
cut the queue index is stale (its requests are lost or replayed) and requests.seen holds
requests that were never answered (so their articles would be filtered out forever). newsbot
therefore keeps its own record and treats a killed run's queue as untrustworthy:

- `newsbot-delivered.txt` in JOBDIR lists every article URL handed to delivery, appended and
  fsync'd right after the feed exporters wrote (and flushed and fsync'd) the item;
- `newsbot-running` marks a run in progress; finding it at start-up means the previous run
  died: its requests.queue and requests.seen are moved aside (crashed-<time>/), the spider's
  start requests rediscover the articles, and the ledger skips the delivered ones both before
  download (newsbot/resume/skipped_delivered) and at the end of the pipelines
  (newsbot/resume/dropped_delivered).

Local JSON Lines feeds are themselves part of the record: their paths are kept in
`newsbot-feeds.txt`, and at start-up every whole line of those files counts as delivered, so a
kill between an item's line and its ledger entry repeats nothing either. So is the delivery
spool: every whole line of the spider's spooled batches (a killed run's open batch included,
which the next run salvages and delivers) counts as delivered. Outside both, the ledger alone
decides; the gap is then two back-to-back write() calls (both fsync'd after).


Only active with JOBDIR.

Modules, one component each: `ledger` (DeliveryLedger, the extension that keeps the record and
recovers after a crash; `ledger_of` finds a crawler's), `middleware` (SkipDeliveredMiddleware,
before download) and `pipeline` (SkipDeliveredPipeline, after the pipelines).
"""

from .ledger import FEEDS, JSON_LINES, LEDGER, RUNNING, DeliveryLedger, ledger_of
from .middleware import SkipDeliveredMiddleware
from .pipeline import SkipDeliveredPipeline

__all__ = ["FEEDS", "JSON_LINES", "LEDGER", "RUNNING", "DeliveryLedger", "SkipDeliveredMiddleware",
           "SkipDeliveredPipeline", "ledger_of"]
