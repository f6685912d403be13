"""`scrapy deliver`: re-send every batch waiting in the delivery spool now (the next crawl would
do it at its start), within NEWSBOT_DELIVERY_DEADLINE. Exit code 0 when the spool is empty
afterwards, 4 (UNDELIVERED) otherwise."""

from __future__ import annotations

import argparse
import logging

from scrapy.commands import ScrapyCommand

from ..delivery.addon import hide_secrets
from ..delivery.deadline import deadline_line
from ..delivery.extension import resend_pending
from ..delivery.spool import Spool
from ..delivery.targets import Deliverer
from ..exitcodes import OK, UNDELIVERED
from ..leases import fleet_batch_judge

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Deliver the feed batches waiting in newsbot's spool"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--spider", help="only batches written by this spider")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        settings = self.settings.copy()
        hide_secrets(settings)
        spool = Spool.from_settings(settings)
        deliverer = Deliverer(spool, settings)
        outcomes = resend_pending(spool, deliverer, opts.spider, fleet_batch_judge(settings))
        failed = 0
        past_deadline = []
        for outcome in outcomes:
            meta = outcome.meta
            if outcome.delivered:
                print(f"delivered {meta.key} ({meta.items} items, {meta.bytes} bytes) -> {meta.target}")
            else:
                failed += 1
                if outcome.deadline:
                    past_deadline.append(outcome)
                    continue
                logger.error("batch %s (%d items) not delivered to %s: %s; kept in the spool",
                             meta.key, meta.items, meta.target, outcome.cause)
        if past_deadline:
            logger.error("%s", deadline_line(
                deliverer.deadline.seconds, past_deadline, spool.root,
                "run `scrapy deliver` again once the target answers (or the next run re-sends them at its start)"))
        left = len(spool.pending(opts.spider))
        print(f"{len(outcomes) - failed} delivered, {failed} not delivered, {left} left in {spool.root}")
        self.exitcode = UNDELIVERED if left else OK
